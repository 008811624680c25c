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
"""
from __future__ import annotations

from typing import Any

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


def _known(reader: Any, fields: list[str], term: str) -> bool:
    return any((f, term) in reader for f in fields)


def _frequency(reader: Any, fields: list[str], term: str) -> int:
    return max(reader.doc_frequency(f, term) for f in fields)


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


def correct_word(word: str, fields: list[str], reader: Any, vocabulary: Vocabulary) -> str | None:
    """The best-known spelling for an unknown, folded `word`, or None."""
    stem = _single_term(word)
    if stem is None:
        return None
    edits = 1 if len(word) < LONG_WORD else 2
    found: dict[str, tuple[int, str]] = {}  # shown spelling -> (edits, its stem)
    if SPELL_FIELD in reader.schema:
        for cand, d in _near(word, vocabulary.starting_with(SPELL_FIELD, word[0]), edits):
            cand_stem = _single_term(cand)
            if cand_stem is not None and cand.isalpha():
                found[cand] = (d, cand_stem)
    stems = "body" if "body" in reader.schema else fields[0]  # headline stems are nearly all there
    for cand, d in _near(stem, vocabulary.starting_with(stems, stem[0]), edits):
        if not cand.isalpha():
            continue
        shown = _shown_stem(cand, word, stem)
        if shown is not None and (shown not in found or found[shown][0] > d):
            found[shown] = (d, cand)
    found.pop(word, None)
    # Nearest first; then the same letters (one edit that keeps every letter is a
    # transposition, the typo a candidate is least likely to share by chance: "whaet"
    # gives wheat before what); then the most articles. Document frequencies (a term
    # dictionary lookup per segment and field) are read only for the nearest.
    for d in sorted({d for d, _ in found.values()}):
        nearest = {w: _frequency(reader, fields, st) for w, (e, st) in found.items() if e == d}
        nearest = {w: n for w, n in nearest.items() if n > 0}
        if nearest:
            return min(nearest, key=lambda w: (sorted(w) != sorted(word), -nearest[w], w))
    return None


def suggest_query(text: str, words: list[QueryWord], reader: Any, vocabulary: Vocabulary,
                  limits: QueryLimits = DEFAULT_LIMITS) -> str | None:
    """The query with its unknown words corrected, or None when none is unknown or none
    has a good correction."""
    replacements: list[tuple[QueryWord, str]] = []
    considered = 0
    for word in words:
        fields = [f for f in word.fields if f in TEXT_FIELDS and f in reader.schema]
        folded = fold(word.text)
        if not fields or not word.terms or not folded.isalpha() \
                or not MIN_CHARS <= len(folded) <= limits.suggest_max_word_chars:
            continue  # stop words have no terms; numbers and codes are not misspelt
        if any(_known(reader, fields, t) for t in word.terms):
            continue
        considered += 1
        if considered > limits.suggest_max_words:
            break
        best = correct_word(folded, fields, reader, vocabulary)
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
