"""The ranking written out plainly (`ReferenceRanking`), to check search/engine/evaluate.py
against in tests/oracle/.

The index builders that lived here are in tests/helpers.py (they now write with the
product's writer and codec); the names below are re-exported so that a test file
written against them still imports.
"""
from __future__ import annotations

import math

from helpers import PROJECT, SAMPLE_CORPUS, add_articles, articles_from, build_index

__all__ = ["PROJECT", "SAMPLE_CORPUS", "add_articles", "articles_from", "build_index",
           "ReferenceRanking"]


# -- the ranking written out plainly, to check search/engine/evaluate.py against

K1, B = 1.2, 0.75             # BM25's saturation and length normalisation
HEADLINE_WEIGHT = 2.5         # a real headline counts 2.5 times
INFERRED_HEADLINE_WEIGHT = 1.0  # a headline copied from the body's opening words: as body text
SHARED_IDF_FIELDS = ("headline", "body")  # one IDF per word across these


class ReferenceRanking:
    """Every match's score and the page order, computed the slow, obvious way from
    Whoosh's reader API (postings, positions, field lengths), never with the engine's
    code. A wildcard, prefix or fuzzy word scores as the OR of the field's words it
    matches (found by reading every word of the field); nodes the engine hands to
    Whoosh (proximity, date ranges) take Whoosh's own exhaustive scores here too."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.reader = reader = searcher.reader()
        self.live = [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)]
        self.n = len(self.live)
        self.inferred = set(self.postings("headline_inferred", "1"))
        self._avg: dict[str, float] = {}
        self._matches: dict = {}

    def postings(self, field: str, text) -> dict[int, int]:
        """Live document -> term frequency (number of positions, or 1 without them)."""
        if field not in self.reader.schema or (field, text) not in self.reader:
            return {}
        out = {}
        m = self.reader.postings(field, text)
        fmt = self.reader.schema[field].format
        while m.is_active():
            d = m.id()
            if not self.reader.is_deleted(d):
                out[d] = len(m.value_as("positions")) if fmt.supports("positions") else 1
            m.next()
        return out

    def avg_length(self, field: str) -> float:
        if field not in self._avg:
            total = sum(self.reader.doc_field_length(d, field, 0) or 0 for d in self.live)
            self._avg[field] = total / self.n if self.n and total else 1.0
        return self._avg[field]

    def idf(self, field: str, text) -> float:
        fields = SHARED_IDF_FIELDS if field in SHARED_IDF_FIELDS else (field,)
        holding = set()
        for f in fields:
            holding |= set(self.postings(f, text))
        df = len(holding)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def term_score(self, field: str, text, d: int) -> float:
        if not self.reader.schema[field].scorable:
            return 1.0  # a keyword's posting weight
        tf = self.postings(field, text)[d]
        weight = 1.0
        if field == "headline":
            weight = INFERRED_HEADLINE_WEIGHT if d in self.inferred else HEADLINE_WEIGHT
        length = self.reader.doc_field_length(d, field, 0) or 0
        norm = K1 * ((1 - B) + B * length / self.avg_length(field))
        return self.idf(field, text) * weight * tf * (K1 + 1) / (tf + norm)

    def matches(self, q) -> set[int]:
        key = repr(q)
        if key not in self._matches:
            self._matches[key] = set(self.searcher.docs_for_query(q)) - {
                d for d in range(self.reader.doc_count_all()) if self.reader.is_deleted(d)}
        return self._matches[key]

    def _whoosh_scores(self, q) -> dict[int, float]:
        key = ("whoosh", repr(q))
        if key not in self._matches:
            r = self.searcher.search(q, limit=None)
            self._matches[key] = {r.docnum(i): r.score(i) for i in range(r.scored_length())}
        return self._matches[key]

    def score(self, q, d: int) -> float:
        from whoosh import query as wq

        kind = type(q)
        if kind is wq.Term:
            value = self.term_score(q.fieldname, q.text, d)
        elif kind is wq.And:
            value = sum(self.score(c, d) for c in q.subqueries if type(c) is not wq.Not)
        elif kind is wq.Or:
            value = sum(self.score(c, d) for c in q.subqueries if d in self.matches(c))
        elif kind is wq.Not:
            return 0.0
        elif kind is wq.Phrase and q.slop == 1:
            value = sum(self.term_score(q.fieldname, w, d) for w in q.words)
        elif isinstance(q, (wq.Prefix, wq.Wildcard, wq.FuzzyTerm)):
            value = sum(self.term_score(q.fieldname, w, d) for w in self.pattern_words(q)
                        if d in self.postings(q.fieldname, w))
        else:
            return self._whoosh_scores(q)[d]
        return value * q.boost

    def pattern_words(self, q) -> list[str]:
        """Every word of the field that the pattern matches: a glob (fnmatch) for a prefix
        or wildcard, for a fuzzy word at most `maxdist` insertions, deletions or
        substitutions (Levenshtein) with its first `prefixlength` letters unchanged."""
        import fnmatch

        from whoosh import query as wq

        every = [t.decode("utf-8") for t in self.reader.lexicon(q.fieldname)]
        if isinstance(q, wq.FuzzyTerm):
            keep = q.text[:q.prefixlength]
            return [w for w in every if w.startswith(keep) and _levenshtein(w, q.text) <= q.maxdist]
        glob = q.text + "*" if isinstance(q, wq.Prefix) else q.text
        return [w for w in every if fnmatch.fnmatchcase(w, glob)]

    def scores(self, q) -> dict[int, float]:
        """Every live match of `q` (as Whoosh matches it) with its score."""
        return {d: self.score(q, d) for d in self.matches(q)}

    def tie_key(self, d: int):
        """Newest first, undated last, then by article id."""
        stored = self.searcher.stored_fields(d)
        published = stored.get("published")
        return (published is None, -published.timestamp() if published else 0.0, stored["id"])

    def order(self, scores: dict[int, float], first: set[int] | None = None) -> list[int]:
        """Best first (the documents of `first`, if given, before all others), ties by tie_key."""
        return sorted(scores, key=lambda d: (first is not None and d not in first, -scores[d],
                                             self.tie_key(d)))


def _levenshtein(a: str, b: str) -> int:
    """Edits (insert, delete, substitute one letter) turning a into b, by the textbook table."""
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]
