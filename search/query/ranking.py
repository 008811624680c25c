"""The ranking pass: the top `end` documents by BM25F, handed to Whoosh's scorer.

Whoosh ranks well but evaluates some query shapes slowly; by the time we rank,
`DocSets` has already found every match exactly, so two shapes are rewritten
into ones with the same scores that Whoosh evaluates cheaply:

- top-level negations go to Whoosh as a `mask` (documents to leave out) rather
  than inside the query: `And(x, Not(y))` makes Whoosh step through every
  document of the index and turns off its block skipping. Each `Not` under an
  `And` added its matcher's constant weight (1.0) to every score; it is added
  back, so scores are as before;
- an exact phrase whose documents are known is scored as Whoosh scores a phrase
  (its words' intersection matcher, built the same way, so the same sums) but
  restricted to those documents, instead of decoding positions a second time.
"""
from __future__ import annotations

from typing import Any

from whoosh import matching
from whoosh import query as wq
from whoosh.util import make_binary_tree

from .docsets import DocSets
from .parser import NOT_WEIGHT, split_negations


def ranked(searcher: Any, docsets: DocSets, q: Any, allowed: set[int] | frozenset[int] | None,
           start: int, end: int) -> list[tuple[int, float]]:
    """(docnum, score) of ranks start..end-1 (0-based) by relevance."""
    from whoosh import collectors  # ~30 ms of imports that only a ranked search needs

    positive, negatives = split_negations(q)
    mask: set[int] = set()
    for neg in negatives:
        mask |= docsets.of(neg)
    if allowed is not None and not isinstance(allowed, set):
        allowed = set(allowed)  # Whoosh takes a set (not a frozenset) as a document filter
    scored = _with_known_phrases(positive, docsets)
    # Whoosh swaps in "cheaper" matchers as the top-N fills (replace=10); for
    # intersections that loses documents that belong in the top N (upstream
    # whoosh-community#413; measured: "oil AND prices" top 10 wrong on Reuters,
    # so page 1 and page 2 disagreed). Block skipping alone is exact: keep it.
    collector = collectors.TopCollector(limit=end, replace=0 if _intersects(scored) else 10)
    if allowed is not None or mask:
        collector = collectors.FilterCollector(collector, allow=allowed, restrict=mask or None)
    searcher.search_with_collector(scored, collector)
    r = collector.results()
    bonus = NOT_WEIGHT * len(negatives)
    return [(r.docnum(i), r.score(i) + bonus) for i in range(start, min(end, r.scored_length()))]


def _intersects(q: Any) -> bool:
    """Whether Whoosh will build an intersection matcher anywhere in `q`."""
    if isinstance(q, (wq.And, wq.Phrase, KnownPhrase)) or q.__class__.__name__ == "GapSpan":
        return True
    if isinstance(q, wq.Or):
        return any(_intersects(c) for c in q.subqueries)
    return not q.is_leaf()  # anything else compound (spans, wrappers): be exact


def _with_known_phrases(q: Any, docsets: DocSets) -> Any:
    """`q` with every phrase `docsets` has already resolved replaced by a `KnownPhrase`."""
    kind = type(q)
    if kind is wq.Phrase:
        local = docsets.phrase_docs.get(q)
        return q if local is None else KnownPhrase(q, local)
    if kind in (wq.And, wq.Or):
        subs = [_with_known_phrases(c, docsets) for c in q.subqueries]
        if all(a is b for a, b in zip(subs, q.subqueries)):
            return q
        clone = q.__class__(subs, boost=q.boost)
        if kind is wq.Or:
            clone.minmatch, clone.scale = q.minmatch, q.scale
        return clone
    return q


class KnownPhrase(wq.Query):
    """A phrase whose documents are known (per segment): Whoosh's phrase score, no positions read."""

    def __init__(self, phrase: Any, local_docs: dict[int, set[int]]):
        self.phrase = phrase
        self.local_docs = local_docs
        self.fieldname = phrase.fieldname
        self.boost = phrase.boost

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __unicode__(self) -> str:
        return f"Known({self.phrase})"

    __str__ = __unicode__

    def is_leaf(self) -> bool:
        return True

    def estimate_size(self, ixreader: Any) -> int:
        return self.phrase.estimate_size(ixreader)

    def estimate_min_size(self, ixreader: Any) -> int:
        return self.phrase.estimate_min_size(ixreader)

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        docs = self.local_docs.get(id(searcher.reader()))
        if not docs:
            return matching.NullMatcher()
        field = searcher.schema[self.fieldname]
        # As Phrase.matcher + SpanNear2.matcher build it: Term matchers, binary tree.
        terms = [wq.Term(self.fieldname, field.to_bytes(w)) for w in self.phrase.words]
        m = make_binary_tree(matching.IntersectionMatcher,
                             [t.matcher(searcher, context) for t in terms])
        m = matching.FilterMatcher(m, frozenset(docs))
        if self.boost != 1.0:
            m = matching.WrappingMatcher(m, boost=self.boost)
        return m
