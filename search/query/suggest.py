""""Did you mean": a corrected spelling for query words the index does not know.

What it once was, and why it changed (issue 11): Whoosh's corrector ran for every
word of any query with fewer than 3 hits, stop words included, with a pure-Python
edit distance (a 1,000-letter word took 6 s; the README's own question suggested
"what did there kremlin"), and its candidates were poor (`cricket` -> `chicken`).

Now a word is only looked at when
- it was searched in the headline or body and is not a stop word (the analyzer
  gives it an index term), has 4 to `suggest_max_word_chars` letters (Lucene's
  DirectSpellChecker also starts at 4) and is one of the first
  `suggest_max_words` such words (limits.py);
- the index knows none of its spellings (name variants included): a word with
  any document frequency is never "corrected", however rare.
For those few words, candidates are the index's own words with the same first
letter (typos rarely hit the first letter; Lucene's default too) within
Damerau-Levenshtein distance 1 (a transposition counts as one edit: most typos
are one edit), or 2 for words of 8 letters or more. rapidfuzz computes the
distances in C over the words of that first letter, read once per index
snapshot. Two sources:
- `spell_headline`: headline words as written (not stemmed), compared with the
  word as typed, so `compnay` finds `company`;
- the body's terms (stems), compared with the word's stem, so words that never
  occur in a headline are found too; a stem is shown as the spelling closest to
  the typed word among a few that analyse to it (the typed ending put back,
  `sanctoins` -> `sanctions`; Snowball's y -> i undone, `treasurey` -> `treasury`).
The nearest candidate wins, then one with the typed word's letters (a
transposition), then the one in most articles. The correction is
spliced into the query text at the word's columns, so operators, phrases and
fields stay as typed.

What the suggester reads of an index is a `Lexicon`: which words it knows, how many
articles hold a word, its words by first letter. `IndexLexicon` reads one index
snapshot; a sharded archive (search/cluster/) gives one that asks every shard
(`answer` is a shard's side) and merges: a word is known if a shard knows it, its
frequency is the sum over shards, a first letter's words the union, so the archive
suggests exactly what one index of the same articles suggests. The questions come in
batches (every word of the query at once, then every bucket the unknown words need),
so an archive answers in a few round trips, not one per word.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from ..indexing.fields import CONTENT_FIELDS
from .limits import DEFAULT_LIMITS, QueryLimits
from .parser import QueryWord, analyze
from .variants import fold

TEXT_FIELDS = CONTENT_FIELDS  # the words suggestions come from
SPELL_FIELD = "spell_headline"  # headline words as written (schema: spelling=True)
MIN_CHARS = 4
LONG_WORD = 8  # from this many letters, two edits are allowed


class Vocabulary:
    """One index snapshot's words of a field by first character, read on first use.

    Each segment's term dictionary is read for that one character only (a Reuters
    body bucket is ~2-4k words, a few ms); the whole body vocabulary read through
    Whoosh's merged term iterator took 345 ms."""

    def __init__(self, reader: Any):
        self.reader = reader
        self._buckets: dict[tuple[str, str], list[str]] = {}

    def starting_with(self, field: str, first: str) -> list[str]:
        key = (field, first)
        words = self._buckets.get(key)
        if words is None:
            found: set[str] = set()
            if field in self.reader.schema:
                for leaf, _offset in self.reader.leaf_readers():
                    for term in leaf.expand_prefix(field, first):
                        found.add(term.decode("utf-8") if isinstance(term, bytes) else term)
            words = self._buckets[key] = sorted(found)
        return words


TermPair = tuple[str, str]  # (field, word as the index stores it)


class Lexicon(Protocol):
    """What the suggester reads of an index (see the module docstring)."""

    fields: frozenset[str]
    batches: bool  # True: ask for every frequency at once (each question is a round trip)

    def known(self, pairs: Iterable[TermPair]) -> set[TermPair]: ...

    def frequencies(self, pairs: Iterable[TermPair]) -> dict[TermPair, int]: ...

    def buckets(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[str]]: ...


class IndexLexicon:
    """One index snapshot's lexicon: its term dictionary and its `Vocabulary`."""

    batches = False  # a frequency is a term dictionary lookup: only the nearest are read

    def __init__(self, reader: Any, vocabulary: Vocabulary):
        self.reader, self.vocabulary = reader, vocabulary
        self.fields = frozenset(reader.schema.names())

    def known(self, pairs: Iterable[TermPair]) -> set[TermPair]:
        return {p for p in pairs if p in self.reader}

    def frequencies(self, pairs: Iterable[TermPair]) -> dict[TermPair, int]:
        """Articles holding each word in the field (Whoosh's count: until a merge it
        includes replaced copies, as it always did here)."""
        return {p: self.reader.doc_frequency(*p) for p in pairs}

    def buckets(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
        return {k: self.vocabulary.starting_with(*k) for k in keys}


def answer(lexicon: Lexicon, question: str, items: list[Any]) -> Any:
    """A shard's answer to one batched question of an archive's lexicon."""
    if question == "known":
        return lexicon.known(map(tuple, items))
    if question == "frequencies":
        return lexicon.frequencies(map(tuple, items))
    if question == "buckets":
        return lexicon.buckets(map(tuple, items))
    raise ValueError(f"unknown lexicon question {question!r}")


def _frequency(frequencies: dict[TermPair, int], fields: list[str], term: str) -> int:
    return max(frequencies.get((f, term), 0) for f in fields)


def _single_term(word: str) -> str | None:
    terms = analyze("body", word)
    return terms[0][1] if len(terms) == 1 else None


def _near(word: str, words: list[str], max_edits: int) -> list[tuple[str, int]]:
    """(candidate, edits) for the words within `max_edits` of `word` (itself excluded)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA  # Damerau-Levenshtein, each substring edited once

    return [(c, int(d)) for c, d, _ in process.extract(word, words, scorer=OSA.distance,
                                                       score_cutoff=max_edits, limit=None)
            if c != word]


def _shown_stem(stem: str, typed: str, typed_stem: str) -> str | None:
    """How to write a candidate stem: of a few spellings that analyse to it (the typed
    word's ending put back, the stem itself, Snowball's y -> i undone, an e or s added),
    the one closest to what was typed; None when none does."""
    from rapidfuzz.distance import OSA

    ending = typed[len(typed_stem):] if typed.startswith(typed_stem) else ""
    forms = [stem + ending, stem, stem + "e", stem + "s"]
    if stem.endswith("i"):
        forms.append(stem[:-1] + "y")
    fitting = [f for f in dict.fromkeys(forms) if _single_term(f) == stem]
    if not fitting:
        return None
    return min(fitting, key=lambda f: (OSA.distance(f, typed), len(f)))


def _stems_field(lexicon: Lexicon, fields: list[str]) -> str:
    return "body" if "body" in lexicon.fields else fields[0]  # headline stems are nearly all there


def _buckets_for(word: str, fields: list[str], lexicon: Lexicon) -> list[tuple[str, str]]:
    """The (field, first letter) word lists `correct_word` reads for `word`."""
    stem = _single_term(word)
    if stem is None:
        return []
    keys = [(_stems_field(lexicon, fields), stem[0])]
    if SPELL_FIELD in lexicon.fields:
        keys.insert(0, (SPELL_FIELD, word[0]))
    return keys


def correct_word(word: str, fields: list[str], lexicon: Lexicon) -> str | None:
    """The best-known spelling for an unknown, folded `word`, or None."""
    return _best(word, fields, _spellings(word, fields, lexicon), lexicon)


def _spellings(word: str, fields: list[str], lexicon: Lexicon) -> dict[str, tuple[int, str]]:
    """Known spellings near `word`: shown spelling -> (edits, its stem)."""
    stem = _single_term(word)
    if stem is None:
        return {}
    edits = 1 if len(word) < LONG_WORD else 2
    found: dict[str, tuple[int, str]] = {}  # shown spelling -> (edits, its stem)
    words = lexicon.buckets(_buckets_for(word, fields, lexicon))
    if SPELL_FIELD in lexicon.fields:
        for cand, d in _near(word, words[(SPELL_FIELD, word[0])], edits):
            cand_stem = _single_term(cand)
            if cand_stem is not None and cand.isalpha():
                found[cand] = (d, cand_stem)
    for cand, d in _near(stem, words[(_stems_field(lexicon, fields), stem[0])], edits):
        if not cand.isalpha():
            continue
        shown = _shown_stem(cand, word, stem)
        if shown is not None and (shown not in found or found[shown][0] > d):
            found[shown] = (d, cand)
    found.pop(word, None)
    return found


def _best(word: str, fields: list[str], found: dict[str, tuple[int, str]],
          lexicon: Lexicon) -> str | None:
    """The spelling `correct_word` picks among `found`.

    Nearest first; then the same letters (one edit that keeps every letter is a
    transposition, the typo a candidate is least likely to share by chance: "whaet"
    gives wheat before what); then the most articles. Document frequencies (a term
    dictionary lookup per segment and field) are read only for the nearest."""
    for d in sorted({d for d, _ in found.values()}):
        closest = {w: st for w, (e, st) in found.items() if e == d}
        frequencies = lexicon.frequencies({(f, st) for st in closest.values() for f in fields})
        nearest = {w: _frequency(frequencies, fields, st) for w, st in closest.items()}
        nearest = {w: n for w, n in nearest.items() if n > 0}
        if nearest:
            return min(nearest, key=lambda w: (sorted(w) != sorted(word), -nearest[w], w))
    return None


Candidate = tuple[QueryWord, list[str], str]  # (word, its text fields, folded)


def candidate_words(words: list[QueryWord], fields: frozenset[str],
                    limits: QueryLimits = DEFAULT_LIMITS) -> list[Candidate]:
    """The query's words that could be misspelt (an index with `fields`)."""
    out = []
    for word in words:
        text_fields = [f for f in word.fields if f in TEXT_FIELDS and f in fields]
        folded = fold(word.text)
        if not text_fields or not word.terms or not folded.isalpha() \
                or not MIN_CHARS <= len(folded) <= limits.suggest_max_word_chars:
            continue  # stop words have no terms; numbers and codes are not misspelt
        out.append((word, text_fields, folded))
    return out


def asked_pairs(candidates: list[Candidate]) -> set[TermPair]:
    """Every (field, term) whose presence decides whether a candidate is unknown."""
    return {(f, t) for word, fields, _ in candidates for f in fields for t in word.terms}


def suggest_query(text: str, words: list[QueryWord], reader: Any, vocabulary: Vocabulary,
                  limits: QueryLimits = DEFAULT_LIMITS) -> str | None:
    """The query with its unknown words corrected, or None when none is unknown or none
    has a good correction (one index snapshot: `suggest_from` with its lexicon)."""
    return suggest_from(text, words, IndexLexicon(reader, vocabulary), limits)


def suggest_from(text: str, words: list[QueryWord], lexicon: Lexicon,
                 limits: QueryLimits = DEFAULT_LIMITS) -> str | None:
    """`suggest_query` over any lexicon (one index's, or an archive's merged one)."""
    candidates = candidate_words(words, lexicon.fields, limits)
    if not candidates:
        return None
    known = lexicon.known(asked_pairs(candidates))
    unknown = [(word, fields, folded) for word, fields, folded in candidates
               if not any((f, t) in known for f in fields for t in word.terms)]
    unknown = unknown[:limits.suggest_max_words]
    # every word list the corrections read, in one batch (an archive asks its shards once)
    lexicon.buckets({k for _, fields, folded in unknown for k in _buckets_for(folded, fields, lexicon)})
    spellings = [(word, fields, folded, _spellings(folded, fields, lexicon))
                 for word, fields, folded in unknown]
    if lexicon.batches:  # an archive: every candidate's frequency in one round trip
        lexicon.frequencies({(f, st) for _, fields, _, found in spellings
                             for _, st in found.values() for f in fields})
    replacements: list[tuple[QueryWord, str]] = []
    for word, fields, folded, found in spellings:
        best = _best(folded, fields, found, lexicon)
        if best:
            replacements.append((word, best))
    return splice(text, replacements)


def splice(text: str, replacements: list[tuple[QueryWord, str]]) -> str | None:
    """The query as typed with each word replaced, keeping a capital where it had one;
    None when there is nothing to replace."""
    if not replacements:
        return None
    out, last = [], 0
    for word, best in sorted(replacements, key=lambda r: r[0].start):
        out.append(text[last:word.start])
        out.append(best.capitalize() if word.text[:1].isupper() else best)
        last = word.end
    out.append(text[last:])
    return "".join(out)
