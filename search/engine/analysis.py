"""How text becomes terms. Used for indexing and for parsing queries alike.

Two measured pitfalls of Whoosh's defaults are avoided here:
- its Porter stemmer mis-stems common news words (planned -> plann, so "plans"
  misses "planned"): we stem with Snowball (PyStemmer);
- its StopFilter renumbers positions, so "reflect merger" matched "reflect the
  merger": we keep the gaps (renumber=False) so phrases stay exact.

Every step is a function of the one word it sees, chosen by the word's script
(`script_stemmer`), so the segment writer can remember each word's term and a
query word is analysed exactly as the articles it can match:
- Latin: accent folding ("Erdogan" finds "Erdoğan") and Snowball English;
- Arabic: orthographic normalisation (hamza forms of alef -> bare alef, alef
  maqsura -> yaa, taa marbuta -> haa, no tatweel or harakat), a leading "and"
  dropped where Snowball keeps it (`_ARABIC_CONJUNCTION`), then Snowball Arabic.
  On SaudiNewsNet one spelling of "إيران", "أمريكا", "الرياض" had found a fraction
  of the other's articles (212 of 1,234; 69 of 576; 146 of 2,939 for "والرياض");
  now both spellings of each find the same articles (1,649; 2,566; 5,181);
- Cyrillic: ё -> е and stress marks dropped, then Snowball Russian (PyStemmer
  has no Ukrainian stemmer: Ukrainian gets the Russian rules, which share most
  noun and verb endings but not those with і/ї);
- Greek, Armenian, Tamil: their Snowball stemmers (one language per script).
Latin-script languages other than English keep the English chain: a query word
carries no language, and per-language fields would double what a query reads.

The tokenizer splits a word at a full stop followed by a capitalised word, where
scraped text lost the space ("dangerous.The man"), and keeps abbreviations and
tickers ("U.S.", "e.g.", "DATA.O", "BP.L") whole (`NEWS_WORD`).
"""
from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

import Stemmer
from whoosh.analysis import (
    CharsetFilter,
    CompositeAnalyzer,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.support.charset import accent_map

# Whoosh's list drops "us" (the U.S.) and "may" (the month): both matter in news.
NEWS_STOP_WORDS = frozenset(STOP_WORDS - {"us", "may"})


def _letters(test) -> str:
    """A regex class body of the letters of the cased scripts (Latin, Greek, Cyrillic)
    passing `test`, as ranges."""
    codes = [c for lo, hi in ((0x41, 0x24F), (0x370, 0x52F), (0x1E00, 0x1FFF))
             for c in range(lo, hi + 1) if chr(c).isalpha() and test(chr(c))]
    runs: list[list[int]] = []
    for c in codes:
        if runs and runs[-1][1] == c - 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in runs)


# Combining marks: Python's \w leaves them out, so Whoosh's tokenizer cut a word at
# each Arabic haraka ("مُدَرِّسَة" became five one-letter pieces, all dropped) and at each
# accent of decomposed (NFD) Latin or a Russian stress mark. They belong to the word
# (and `NEWS_FOLD` removes them).
COMBINING_MARKS = "\u0300-\u036F\u0483-\u0487\u064B-\u065F\u0670"

# Whoosh's word `\w+(\.?\w+)*` (one way to match, see `words_pattern`) with its combining
# marks, except that a full stop followed by an upper-case then a lower-case letter ends
# the word: "dangerous.The" is two words, "U.S", "e.g", "DATA.O", "BP.L", "3.5" and
# "bbc.co.uk" stay one. On BBC 9 words in 2,127 articles had lost that space, on
# Reuters 49 in 21,321 (also "J.P.Morgan" -> "j.p", "morgan").
_PIECE = r"\w[\w%s]*" % COMBINING_MARKS
NEWS_WORD = r"%s(?:\.(?![%s][%s])%s)*" % (_PIECE, _letters(str.isupper), _letters(str.islower),
                                          _PIECE)
# What the tokenizer compiles: NEWS_WORD as one capturing group. Its words are the same
# (a match's group 0), and `words_pattern` can take the compiled expression as it is:
# NEWS_WORD's ~1,000 letters compile in ~3 ms, a cold query's cost once instead of twice.
NEWS_WORD_GROUP = "(" + NEWS_WORD + ")"


class NewsTokenizer(RegexTokenizer):
    """Whoosh's `RegexTokenizer` with `NEWS_WORD` (as `NEWS_WORD_GROUP`). Pickled with the
    schema by name only (the expression is rebuilt on loading, not stored in every TOC):
    keep it importable under this name."""

    def __init__(self) -> None:
        super().__init__(NEWS_WORD_GROUP)

    def __reduce__(self):
        return (NewsTokenizer, ())


def _arabic_fold() -> dict[int, str | None]:
    """Arabic orthographic variants writers (and typists) use interchangeably."""
    fold: dict[int, str | None] = {ord(c): "\u0627" for c in "\u0622\u0623\u0625\u0671"}  # آ أ إ ٱ -> ا
    fold[0x0649] = "\u064a"  # alef maqsura ى -> yaa ي
    fold[0x0629] = "\u0647"  # taa marbuta ة -> haa ه
    fold[0x0640] = None       # tatweel ـ (stretches a word, means nothing)
    return fold


def _marks_fold() -> dict[int, None]:
    """Combining marks removed: Arabic harakat (fatha, damma, kasra, shadda, sukun...),
    superscript alef, Cyrillic titlo, and Latin combining accents (decomposed text,
    Russian stress marks, the dot of "İ".lower()). accent_map mapped seven of these to
    letters (U+0303 combining tilde -> "p")."""
    return {c: None for c in range(0x0300, 0x0370)} | {
        c: None for c in (*range(0x0483, 0x0488), *range(0x064B, 0x0660), 0x0670)}


# One table for every script: accent_map has no Arabic or Cyrillic entries (checked).
# ё is written е in most Russian text.
NEWS_FOLD: dict[int, str | None] = {**accent_map, **_arabic_fold(), **_marks_fold(),
                                    ord("ё"): "е"}

# The script of a non-ASCII word's first letter with a stemmed language. Compiled on the
# first non-ASCII word (`script_stemmer`), not at import: its character classes take ~3 ms
# to compile, a tenth of what a cold English `news-search query` spends in our modules.
_SCRIPTS = (
    "([\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF])"  # 1 Arabic
    "|([\u0400-\u052F\u1C80-\u1C8F\u2DE0-\u2DFF\uA640-\uA69F])"                 # 2 Cyrillic
    "|([\u0370-\u03FF\u1F00-\u1FFF])"                                            # 3 Greek
    "|([\u0530-\u058F\uFB13-\uFB17])"                                             # 4 Armenian
    "|([\u0B80-\u0BFF])")                                                         # 5 Tamil
_SCRIPT_LANGUAGES = (None, "arabic", "russian", "greek", "armenian", "tamil")
_STEMMERS = {name: Stemmer.Stemmer(name) for name in ("english", *_SCRIPT_LANGUAGES[1:])}
_stemmer = _STEMMERS["english"]

# A conjunction stripped before Snowball, when it leaves at least four letters: و ("and")
# or ف ("so") before an article (ال, لل, بال, كال), and و before a word that begins with
# alef. Snowball strips the article but keeps "و" before "ال" ("والرياض" stayed itself
# while "الرياض" became "رياض"), and strips "و" before a hamza ("وأضاف" -> "اضاف") but not
# before the bare alef that folding leaves ("واضاف"), since "وا" also begins words: on
# SaudiNewsNet, body terms beginning with "وا" were 122,238 postings, 96% of them of words
# whose remainder is also a word ("واضاف", "واكد", "والتي"). Four-letter words keep
# theirs: "واحد" (one), "واقع", "واضح", "والد" (father).
_ARABIC_CONJUNCTION = re.compile(
    "^(?:[\u0648\u0641](?=(?:\u0627\u0644|\u0644\u0644|[\u0628\u0643]\u0627\u0644)...)"
    "|\u0648{1,2}(?=\u0627...))")


@lru_cache(maxsize=None)
def _scripts() -> re.Pattern[str]:
    return re.compile(_SCRIPTS)


def script_stemmer(word: str) -> str:
    """The Snowball language for a folded word: by its first letter of a script with one
    stemmed language, else English (which leaves words of other scripts alone)."""
    if word.isascii():
        return "english"
    m = _scripts().search(word)
    return _SCRIPT_LANGUAGES[m.lastindex] if m else "english"


def fold_word(text: str) -> str:
    """Lower-case and fold a word as the index does before stemming (also for wildcards)."""
    text = text.lower()
    return text if text.isascii() else text.translate(NEWS_FOLD)


def _arabic_for_snowball(word: str) -> str:
    """A folded Arabic word as Snowball reads it: the conjunction dropped
    (`_ARABIC_CONJUNCTION`) and a final haa written as the taa marbuta it usually
    folded from. Snowball strips a final ة from a noun with the article but keeps a
    final ه there (a pronoun cannot follow the article): fed the folded "المدرسه" it
    kept it while "مدرسه" became "مدرس". On SaudiNewsNet, of 5,936 nouns in ة met
    both with and without the article, the two forms shared a stem for 90.3% (weighted
    by the rarer form's count) on unfolded text, 3.8% after folding, 90.2% with this.
    (Where ه was the pronoun, "كتابه", Snowball strips ة as it stripped ه.)"""
    word = _ARABIC_CONJUNCTION.sub("", word)
    return word[:-1] + "\u0629" if word.endswith("\u0647") else word


def stem_words(language: str, words: list[str]) -> list[str]:
    """Snowball stems of folded words of one language (one call to the stemmer)."""
    if language == "arabic":
        words = [_arabic_for_snowball(w) for w in words]
    return _STEMMERS[language].stemWords(words)


def news_stem(word: str) -> str:
    """The stem of one folded word. Module-level so a schema could refer to it."""
    return stem_words(script_stemmer(word), [word])[0]


def snowball_stem(word: str) -> str:
    """Snowball English. Kept importable: older schemas referred to it."""
    return _stemmer.stemWord(word)


STEM_CACHE_SIZE = 200_000  # distinct words; cleared when full (bounded memory)


class NewsNormalizeFilter(Filter):
    """Lower-case, fold (`NEWS_FOLD`: accents, Arabic and Cyrillic spellings) and drop
    stop words (keeping position gaps), in one pass.

    With `NewsStemFilter` it produces exactly the tokens of
    `reference_news_analyzer`'s four filters (tested on BBC bodies) at less than
    half the cost: two generators instead of four, and folding only for
    non-ASCII words (the map changes no lower-case ASCII letter).
    Pickled with the schema: keep it importable under this name.
    """

    def __init__(self, stoplist=NEWS_STOP_WORDS, minsize: int = 2):
        self.stops = frozenset(stoplist)
        self.min = minsize

    def __eq__(self, other):
        return type(other) is type(self) and self.stops == other.stops and self.min == other.min

    def __call__(self, tokens):
        stops, minsize, fold = self.stops, self.min, NEWS_FOLD
        for t in tokens:
            text = t.text.lower()
            if not text.isascii():
                text = text.translate(fold)
            t.text = text
            if len(text) < minsize or text in stops:
                if not t.removestops:  # e.g. highlighting: keep the word, marked stopped
                    t.stopped = True
                    yield t
                continue
            t.stopped = False
            yield t


class NewsStemFilter(Filter):
    """Snowball stemming in the word's script's language (`news_stem`), with a plain dict cache.

    Separate from `NewsNormalizeFilter` because Whoosh skips "morph" filters
    (and only those) to get the unstemmed words of the spelling twin
    (`analyzer(text, no_morph=True)`). Whoosh's own stem cache is a pure-Python
    LFU that measured slower than stemming itself.
    Pickled with the schema: keep it importable under this name.
    """

    is_morph = True

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}

    def __eq__(self, other):
        return type(other) is type(self)

    def __getstate__(self):
        return {"_cache": {}}  # the schema is pickled into every TOC: keep it small

    def __call__(self, tokens):
        cache, english = self._cache, _stemmer.stemWord
        for t in tokens:
            if not t.stopped:
                stemmed = cache.get(t.text)
                if stemmed is None:
                    if len(cache) >= STEM_CACHE_SIZE:
                        cache.clear()
                    word = t.text
                    stemmed = cache[word] = english(word) if word.isascii() else news_stem(word)
                t.text = stemmed
            yield t


@lru_cache(maxsize=1)
def news_analyzer():
    return NewsTokenizer() | NewsNormalizeFilter(NEWS_STOP_WORDS) | NewsStemFilter()


def reference_news_analyzer():
    """The four-filter chain that `NewsNormalizeFilter` + `NewsStemFilter` replace.

    Kept so a test can show both produce the same tokens."""
    return (NewsTokenizer()
            | LowercaseFilter()
            | CharsetFilter(NEWS_FOLD)
            | StopFilter(stoplist=NEWS_STOP_WORDS, renumber=False)
            | StemFilter(stemfn=news_stem, cachesize=100_000))


@lru_cache(maxsize=1)
def name_analyzer():
    """For author names: folded (accents, Arabic spellings, ё) and lower-cased, never stemmed."""
    return NewsTokenizer() | LowercaseFilter() | CharsetFilter(NEWS_FOLD)


def words_pattern(token: re.Pattern[str]) -> re.Pattern[str]:
    """The tokenizer's expression as one capturing group: `split()` keeps the words and
    `findall()` returns them, both in C.

    Whoosh's default word expression `\\w+(\\.?\\w+)*` matches exactly what
    `\\w+(?:\\.\\w+)*` matches (the greedy `\\w+` leaves no word character for the
    optional-dot branch), and the latter has one way to match: splitting a Reuters
    body took 90 instead of 125 us. Our tokenizer's (`NEWS_WORD_GROUP`) is one already; an
    expression without groups is wrapped in one; any other is used with its groups made
    non-capturing."""
    if token.pattern == NEWS_WORD_GROUP:
        return token
    if token.pattern == r"\w+(\.?\w+)*":
        return re.compile(r"(\w+(?:\.\w+)*)", token.flags)
    if token.groups == 0:
        return re.compile("(" + token.pattern + ")", token.flags)
    return re.compile("(" + token.pattern.replace("(", "(?:") + ")", token.flags)


class TextTerms:
    """What `news_analyzer` makes of a text, computed once per distinct raw word.

    Every filter of the chain is a function of the one word it sees (lower-case,
    fold, stop, stem in the word's script's language), so a word's term can be
    remembered: a text then costs one `findall` and a dict lookup per word, instead
    of a Token object and three generator hops per word (the writer's analysis was
    ~40% of a build's CPU). Same terms and positions as the chain (tested on BBC,
    SaudiNewsNet and Russian text).
    """

    def __init__(self, analyzer: CompositeAnalyzer):
        tokenizer, normalize, _stem = analyzer.items
        self._words = words_pattern(tokenizer.expression).findall
        self._stops, self._min = normalize.stops, normalize.min
        self._terms: dict[str, bytes] = {}  # raw word -> UTF-8 term (b"" for a stop word)
        self._unstemmed: dict[str, str] = {}  # raw word -> folded word ("" for a stop word)

    def _bound(self) -> None:
        """Start over when full (before a text, so a text's words are all known after it)."""
        if len(self._terms) >= STEM_CACHE_SIZE:
            self._terms.clear()
            self._unstemmed.clear()

    def _learn(self, raws) -> None:
        """Remember the terms of new raw words (stemmed together: one call to each
        language's stemmer)."""
        folded, stems = fold_and_stem(raws, self._stops, self._min)
        self._unstemmed.update((raw, word if stem is not None else "")
                               for raw, word, stem in zip(raws, folded, stems))
        self._terms.update((raw, stem.encode("utf-8") if stem is not None else b"")
                           for raw, stem in zip(raws, stems))

    def positions(self, text: str) -> dict[bytes, list[int]]:
        """Each term of `text` with its word positions (stop words keep their place),
        terms in order of first appearance, as Whoosh's `Positions.word_values` has them."""
        self._bound()
        words = self._words(text)
        terms = list(map(self._terms.get, words))
        if None in terms:  # words this process has not met yet
            self._learn(list({w for w, t in zip(words, terms) if t is None}))
            terms = list(map(self._terms.get, words))
        out: defaultdict[bytes, list[int]] = defaultdict(list)
        for pos, term in enumerate(terms):
            out[term].append(pos)
        out.pop(b"", None)  # stop words: their positions stay unused
        return out

    def unstemmed(self, text: str) -> list[str]:
        """Whoosh's `spellable_words`: the distinct words before stemming, sorted."""
        self._bound()
        raws = set(self._words(text))
        new = [w for w in raws if w not in self._unstemmed]
        if new:
            self._learn(new)
        words = set(map(self._unstemmed.__getitem__, raws))
        words.discard("")
        return sorted(words)


def fold_and_stem(raws: list[str], stops: frozenset[str], minsize: int
                  ) -> tuple[list[str], list[str | None]]:
    """Each raw word lower-cased and folded, and its stem, or None for a stop word or a
    too short one: what `NewsNormalizeFilter` and `NewsStemFilter` make of it, for many
    words at once (one call to each language's stemmer)."""
    folded: list[str] = []
    stems: list[str | None] = []
    by_language: defaultdict[str, list[int]] = defaultdict(list)  # language -> indexes
    for i, raw in enumerate(raws):
        text = raw.lower()
        language = "english"
        if not text.isascii():
            text = text.translate(NEWS_FOLD)
            language = script_stemmer(text)
        folded.append(text)
        stems.append(None)
        if len(text) >= minsize and text not in stops:
            by_language[language].append(i)
    for language, indexes in by_language.items():
        for i, stem in zip(indexes, stem_words(language, [folded[i] for i in indexes])):
            stems[i] = stem
    return folded, stems


def query_forms(words: list[str]) -> list[str]:
    """What `news_analyzer()(word, mode="query", removestops=False)` makes of each word (a
    whole token): its term, or for a stop word or a too short one its lower-cased, folded
    text, unstemmed (as Whoosh's highlighter keeps them). For a snippet's words, all at
    once rather than a Token and three generators per word (the 3,269 words of 10 Reuters
    hits: ~4 -> ~2 ms). Tested against the chain."""
    normalize = news_analyzer().items[1]
    folded, stems = fold_and_stem(words, normalize.stops, normalize.min)
    return [stem if stem is not None else word for word, stem in zip(folded, stems)]


def text_terms_for(analyzer) -> TextTerms | None:
    """A `TextTerms` when `analyzer` is `news_analyzer`'s chain (also as unpickled from an
    index's schema), else None: any other analyzer goes through Whoosh's own path."""
    items = getattr(analyzer, "items", None)
    if (isinstance(analyzer, CompositeAnalyzer) and len(items) == 3
            and type(items[0]) is NewsTokenizer and not items[0].gaps
            and type(items[1]) is NewsNormalizeFilter and type(items[2]) is NewsStemFilter):
        return TextTerms(analyzer)
    return None
