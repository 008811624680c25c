"""How text becomes terms. Used for indexing and for parsing queries alike.

Two measured pitfalls of Whoosh's defaults are avoided here:
- its Porter stemmer mis-stems common news words (planned -> plann, so "plans"
  misses "planned"): we stem with Snowball English (PyStemmer);
- its StopFilter renumbers positions, so "reflect merger" matched "reflect the
  merger": we keep the gaps (renumber=False) so phrases stay exact.

Non-English text (SaudiNewsNet's Arabic) passes through the same chain: the
tokenizer is Unicode-aware, the English stemmer leaves non-Latin words alone,
and accent folding strips Arabic diacritics and hamza forms, which is the usual
normalisation for Arabic search.
"""
from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

import Stemmer
from whoosh.analysis import (CharsetFilter, CompositeAnalyzer, Filter, LowercaseFilter,
                             RegexTokenizer, StemFilter, StopFilter)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.support.charset import accent_map

# Whoosh's list drops "us" (the U.S.) and "may" (the month): both matter in news.
NEWS_STOP_WORDS = frozenset(STOP_WORDS - {"us", "may"})

_stemmer = Stemmer.Stemmer("english")


def snowball_stem(word: str) -> str:
    """Module-level so the schema (pickled into the index's TOC) can refer to it."""
    return _stemmer.stemWord(word)


STEM_CACHE_SIZE = 200_000  # distinct words; cleared when full (bounded memory)


class NewsNormalizeFilter(Filter):
    """Lower-case, accent-fold and drop stop words (keeping position gaps), in one pass.

    With `NewsStemFilter` it produces exactly the tokens of
    `reference_news_analyzer`'s four filters (tested on BBC bodies) at less than
    half the cost: two generators instead of four, and accent folding only for
    non-ASCII words (the map changes no lower-case ASCII letter).
    Pickled with the schema: keep it importable under this name.
    """

    def __init__(self, stoplist=NEWS_STOP_WORDS, minsize: int = 2):
        self.stops = frozenset(stoplist)
        self.min = minsize

    def __eq__(self, other):
        return type(other) is type(self) and self.stops == other.stops and self.min == other.min

    def __call__(self, tokens):
        stops, minsize, fold = self.stops, self.min, accent_map
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
    """Snowball English stemming with a plain dict cache.

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
        cache, stem = self._cache, _stemmer.stemWord
        for t in tokens:
            if not t.stopped:
                stemmed = cache.get(t.text)
                if stemmed is None:
                    if len(cache) >= STEM_CACHE_SIZE:
                        cache.clear()
                    stemmed = cache[t.text] = stem(t.text)
                t.text = stemmed
            yield t


@lru_cache(maxsize=1)
def news_analyzer():
    return RegexTokenizer() | NewsNormalizeFilter(NEWS_STOP_WORDS) | NewsStemFilter()


def reference_news_analyzer():
    """The four-filter chain that `NewsNormalizeFilter` + `NewsStemFilter` replace.

    Kept so a test can show both produce the same tokens."""
    return (RegexTokenizer()
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | StopFilter(stoplist=NEWS_STOP_WORDS, renumber=False)
            | StemFilter(stemfn=snowball_stem, cachesize=100_000))


@lru_cache(maxsize=1)
def name_analyzer():
    """For author names: folded and lower-cased, never stemmed."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def words_pattern(token: re.Pattern[str]) -> re.Pattern[str]:
    """The tokenizer's expression as one capturing group: `split()` keeps the words and
    `findall()` returns them, both in C.

    Whoosh's default word expression `\\w+(\\.?\\w+)*` matches exactly what
    `\\w+(?:\\.\\w+)*` matches (the greedy `\\w+` leaves no word character for the
    optional-dot branch), and the latter has one way to match: splitting a Reuters
    body took 90 instead of 125 us. Any other expression is used as it is."""
    if token.pattern == r"\w+(\.?\w+)*":
        return re.compile(r"(\w+(?:\.\w+)*)", token.flags)
    return re.compile("(" + token.pattern.replace("(", "(?:") + ")", token.flags)


class TextTerms:
    """What `news_analyzer` makes of a text, computed once per distinct raw word.

    Every filter of the chain is a function of the one word it sees (lower-case,
    fold, stop, stem), so a word's term can be remembered: a text then costs one
    `findall` and a dict lookup per word, instead of a Token object and three
    generator hops per word (the writer's analysis was ~40% of a build's CPU).
    Same terms and positions as the chain (tested on BBC and SaudiNewsNet).
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
        """Remember the terms of new raw words (stemmed together: one call to the stemmer)."""
        stops, minsize = self._stops, self._min
        words = []
        for raw in raws:
            text = raw.lower()
            if not text.isascii():
                text = text.translate(accent_map)
            if len(text) < minsize or text in stops:
                text = ""
            words.append(text)
        self._unstemmed.update(zip(raws, words))
        stems = _stemmer.stemWords(words)
        self._terms.update((raw, stem.encode("utf-8") if word else b"")
                           for raw, word, stem in zip(raws, words, stems))

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


def text_terms_for(analyzer) -> TextTerms | None:
    """A `TextTerms` when `analyzer` is `news_analyzer`'s chain (also as unpickled from an
    index's schema), else None: any other analyzer goes through Whoosh's own path."""
    items = getattr(analyzer, "items", None)
    if (isinstance(analyzer, CompositeAnalyzer) and len(items) == 3
            and type(items[0]) is RegexTokenizer and not items[0].gaps
            and type(items[1]) is NewsNormalizeFilter and type(items[2]) is NewsStemFilter):
        return TextTerms(analyzer)
    return None
