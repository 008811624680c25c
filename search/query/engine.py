"""Every match of a query and its BM25F score, by set algebra over whole postings.

Whoosh answers a query by stepping a tree of matcher objects one posting at a
time in Python (1-3 us per posting per node): "oil" on Reuters took ~10 ms
before a hit was printed, and an exact total, facets or a date order need every
match, not a top N. Here a term's postings are read once per searcher (a fixed
snapshot of the index) into a dict of document number -> BM25F score, and a
query is evaluated with Python's C-level set and dict operations: AND/OR/NOT are
set algebra, a compound score is the sum of its parts' scores, the page is a
heap selection (or, for deep pages, a sort in C). Measured in bench/bench_query.py. (numpy was tried: as fast
warm, but importing it costs 110-160 ms, half the budget of a cold
`news-search query`.)

The answers are Whoosh's own, which the tests check page by page against
Whoosh's exhaustive ranking:
- a term's score is Whoosh's BM25F formula (scoring.bm25) evaluated in the same
  order on the same inputs: the searcher's idf and average field length, each
  document's quantised field length, the posting weight (which carries the
  headline's field boost); query boosts multiply as Whoosh's WrappingMatcher does;
- AND and OR add their children's scores as Whoosh's matcher trees do (an OR is
  a binary tree, an AND Whoosh's size-weighted tree), and a NOT inside an AND
  adds Whoosh's constant 1.0 (NOT_WEIGHT);
- an exact phrase scores as Whoosh's phrase matcher (its words' scores summed),
  over the documents where the words are consecutive: candidates are the
  intersection of the words' documents and only their positions are decoded
  (Whoosh decodes positions through a tree of span matchers);
- nodes this module does not evaluate itself (proximity and gapped phrases,
  wildcards, fuzzy terms, date ranges) are run through Whoosh's own matchers,
  segment by segment, so they get exactly Whoosh's matches and scores.
Working on whole sets also sidesteps two Whoosh 2.7.4 bugs measured here: its
`AndNot` lets excluded documents through, and its top-N collector drops
documents of intersections (whoosh-community#413).

Memory is bounded: term postings and phrase documents are kept in LRU caches
bounded by postings (CACHED_POSTINGS, PHRASE_CACHE_ENTRIES) that die with the
searcher.
"""
from __future__ import annotations

import heapq
from collections import OrderedDict
from typing import Any, NamedTuple, Union

from whoosh import query as wq

from .parser import NOT_WEIGHT

CACHED_POSTINGS = 1_000_000   # postings kept across queries (~120 MB at worst)
PHRASE_CACHE_ENTRIES = 256
HEAP_PAGE_END = 64  # up to this rank a heap finds the cut-off; deeper pages sort everything (in C)

Scores = dict[int, float]
DocSet = Union[set[int], frozenset[int]]


class Evaluation(NamedTuple):
    docs: DocSet                     # the documents that match
    scores: Scores | None            # their scores (same keys), or None when not asked for


class QueryEngine:
    """Evaluates parsed queries against one searcher's snapshot of the index."""

    def __init__(self, searcher: Any):
        from whoosh import scoring

        self.searcher = searcher
        self.reader = reader = searcher.reader()
        self.schema = reader.schema
        self.leaves: list[tuple[Any, int]] = list(reader.leaf_readers())
        self.size = reader.doc_count_all()
        self.deleted = self._deleted()
        self._live: frozenset[int] | None = None
        weighting = searcher.weighting
        # Only Whoosh's BM25F is reproduced; any other model is scored by Whoosh.
        self._bm25 = weighting if type(weighting) is scoring.BM25F else None
        self._lengths: dict[str, list[float]] = {}
        self._terms: OrderedDict[tuple[str, bytes], tuple[frozenset[int], Scores]] = OrderedDict()
        self._terms_postings = 0
        self._phrases: OrderedDict[Any, frozenset[int]] = OrderedDict()

    def forget(self) -> None:
        """Drop the cached postings and phrase documents (the next queries read them again)."""
        self._terms.clear()
        self._terms_postings = 0
        self._phrases.clear()

    # -- the index's documents
    def _deleted(self) -> frozenset[int]:
        gone: set[int] = set()
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                gone.update(offset + d for d in range(leaf.doc_count_all()) if leaf.is_deleted(d))
        return frozenset(gone)

    @property
    def live(self) -> frozenset[int]:
        """Every document not deleted: what a NOT is taken against."""
        if self._live is None:
            self._live = frozenset(range(self.size)) - self.deleted
        return self._live

    # -- evaluation
    def evaluate(self, q: Any, scored: bool = True) -> Evaluation:
        """The documents `q` matches (never deleted ones) and, if `scored`, their scores.

        The sets and dicts returned may be cached: callers must not modify them."""
        kind = type(q)
        if kind is wq.Term:
            docs, scores = self.term(q.fieldname, q.text)
            result = Evaluation(docs, scores if scored else None)
        elif kind is wq.And:
            result = self._and(q, scored)
        elif kind is wq.Or and not q.minmatch and not q.scale:
            result = self._or(q.subqueries, scored)
        elif kind is wq.Not:
            docs = self.live - self.evaluate(q.query, scored=False).docs
            # Whoosh's InverseMatcher scores a constant and ignores the boost
            return Evaluation(docs, dict.fromkeys(docs, NOT_WEIGHT) if scored else None)
        elif kind is wq.Phrase and q.slop == 1 and len(q.words) > 1 and self._bm25 is not None:
            result = self._phrase(q, scored)
        elif q is wq.NullQuery or kind is type(wq.NullQuery):
            return Evaluation(frozenset(), {} if scored else None)
        elif kind is wq.Every and not getattr(q, "fieldname", None) and not scored:
            return Evaluation(self.live, None)
        else:
            return self._by_whoosh(q, scored)
        boost = getattr(q, "boost", 1.0)
        if boost != 1.0 and result.scores is not None:
            result = Evaluation(result.docs, {d: v * boost for d, v in result.scores.items()})
        return result

    def _and(self, q: Any, scored: bool) -> Evaluation:
        positive = [c for c in q.subqueries if type(c) is not wq.Not]
        negative = [c.query for c in q.subqueries if type(c) is wq.Not]
        parts = [(c, self.evaluate(c, scored)) for c in positive]
        if parts:
            by_size = sorted((part.docs for _, part in parts), key=len)
            docs: DocSet = set(by_size[0]).intersection(*by_size[1:]) if len(by_size) > 1 else by_size[0]
        else:
            docs = self.live
        for c in negative:
            if not docs:
                break
            docs = docs - self.evaluate(c, scored=False).docs
        if not scored:
            return Evaluation(docs, None)
        # Whoosh's And sums its children in a Huffman-like tree, biggest first
        # (util.make_weighted_tree, weight -estimate_size); each Not adds NOT_WEIGHT.
        leaves: list[Scores | float] = []
        weights = []
        for c in q.subqueries:
            weights.append(-self._estimate_size(c))
            leaves.append(NOT_WEIGHT if type(c) is wq.Not else parts.pop(0)[1].scores)
        order = sorted(range(len(leaves)), key=lambda k: weights[k])
        trees: list[tuple[int, Any]] = [(weights[k], leaves[k]) for k in order]
        while len(trees) > 1:
            (wa, a), (wb, b) = trees.pop(0), trees.pop(0)
            merged = (wa + wb, (a, b))
            at = next((i for i, (w, _) in enumerate(trees) if w > merged[0]), len(trees))
            trees.insert(at, merged)
        return Evaluation(docs, _tree_scores(trees[0][1], docs))

    def _estimate_size(self, q: Any) -> int:
        """Whoosh's `estimate_size`, from cached postings where it can (its own reads the
        term dictionary of every segment)."""
        kind = type(q)
        if kind is wq.Term:
            return len(self.term(q.fieldname, q.text)[0])
        if kind is wq.Or:
            return sum(self._estimate_size(c) for c in q.subqueries)
        if kind is wq.And:
            return min(self._estimate_size(c) for c in q.subqueries)
        if kind is wq.Not:
            return self.size - self._estimate_size(q.query)
        return q.estimate_size(self.reader)

    def _or(self, subqueries: list[Any], scored: bool) -> Evaluation:
        parts = [self.evaluate(c, scored) for c in subqueries]
        if not scored:
            docs = set(parts[0].docs)
            for part in parts[1:]:
                docs |= part.docs
            return Evaluation(docs, None)
        scores = _union_tree([p.scores for p in parts])
        return Evaluation(scores.keys(), scores)  # type: ignore[arg-type]

    # -- terms
    def term(self, fieldname: str, text: Any) -> tuple[frozenset[int], Scores]:
        """(live documents, document -> BM25F score) of one term; empty if the index lacks it."""
        if fieldname not in self.schema:
            return frozenset(), {}
        try:
            btext = self.schema[fieldname].to_bytes(text)
        except ValueError:
            return frozenset(), {}
        key = (fieldname, btext)
        cached = self._terms.get(key)
        if cached is not None:
            self._terms.move_to_end(key)
            return cached
        ids: list[int] = []
        weights: list[float] = []
        for leaf, offset in self.leaves:
            if key in leaf:
                leaf_ids, leaf_weights = _read_postings(leaf.postings(fieldname, btext))
                ids.extend(leaf_ids if offset == 0 else [offset + d for d in leaf_ids])
                weights.extend(leaf_weights)
        if self.deleted:
            kept = [(d, w) for d, w in zip(ids, weights) if d not in self.deleted]
            ids, weights = [d for d, _ in kept], [w for _, w in kept]
        scores = dict(zip(ids, self._score(fieldname, btext, ids, weights)))
        result = (frozenset(ids), scores)
        self._remember(key, result)
        return result

    def _score(self, fieldname: str, btext: bytes, ids: list[int], weights: list[float]) -> list[float]:
        """Whoosh's BM25F for these postings (scoring.bm25, same operations in the same order)."""
        w = self._bm25
        if not self.schema[fieldname].scorable:
            return list(weights)  # Whoosh's WeightScorer: the posting weight itself
        if w is None:
            found = self._by_whoosh(wq.Term(fieldname, btext), scored=True).scores or {}
            return [found[d] for d in ids]
        idf = self.searcher.idf(fieldname, btext)
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        B = w._field_B.get(fieldname, w.B)  # noqa: SLF001 - BM25F keeps per-field B here
        K1 = w.K1
        lengths = self.field_lengths(fieldname)
        return [idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * lengths[d] / avgfl)))
                for d, tf in zip(ids, weights)]

    def field_lengths(self, fieldname: str) -> list[float]:
        """Each document's length in `fieldname` as Whoosh's scorer sees it (quantised to a byte)."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            lengths = []
            for leaf, _offset in self.leaves:
                count = leaf.doc_count_all()
                column = _length_bytes(leaf, fieldname, count)
                if column is not None:
                    lengths.extend(map(_BYTE_TO_LENGTH.__getitem__, column))
                else:
                    lengths.extend(leaf.doc_field_length(d, fieldname, 1) or 1 for d in range(count))
            self._lengths[fieldname] = lengths
        return lengths

    def _remember(self, key: tuple[str, bytes], value: tuple[frozenset[int], Scores]) -> None:
        self._terms[key] = value
        self._terms_postings += len(value[1])
        while self._terms_postings > CACHED_POSTINGS and len(self._terms) > 1:
            _, (_, scores) = self._terms.popitem(last=False)
            self._terms_postings -= len(scores)

    # -- exact phrases
    def _phrase(self, q: Any, scored: bool) -> Evaluation:
        words = list(q.words)
        terms = [self.term(q.fieldname, w) for w in words]
        docs = self._phrase_docs(q.fieldname, words, [t[0] for t in terms])
        if not scored:
            return Evaluation(docs, None)
        # Whoosh's phrase matcher: its words' term matchers in an intersection tree.
        return Evaluation(docs, _tree_scores(_binary_tree([t[1] for t in terms]), docs))

    def _phrase_docs(self, fieldname: str, words: list[Any], word_docs: list[frozenset[int]]) -> frozenset[int]:
        key = (fieldname, tuple(words))
        cached = self._phrases.get(key)
        if cached is not None:
            self._phrases.move_to_end(key)
            return cached
        by_size = sorted(word_docs, key=len)
        candidates = sorted(set(by_size[0]).intersection(*by_size[1:]))
        found: set[int] = set()
        field = self.schema[fieldname]
        if candidates and field.format.supports("positions"):
            bwords = [field.to_bytes(w) for w in words]
            decode = field.format.decode_positions
            for leaf, offset in self.leaves:
                end = offset + leaf.doc_count_all()
                wanted = [d - offset for d in candidates if offset <= d < end]
                if not wanted:
                    continue
                values = {w: _values_of(leaf.postings(fieldname, w), wanted) for w in set(bwords)}
                first = values[bwords[0]]
                rest = [(k, values[w]) for k, w in enumerate(bwords[1:], 1)]
                for d in wanted:
                    others = [(k, set(decode(by_doc[d]))) for k, by_doc in rest]
                    if any(all(p + k in pos for k, pos in others) for p in decode(first[d])):
                        found.add(offset + d)
        docs = frozenset(found)
        self._phrases[key] = docs
        if len(self._phrases) > PHRASE_CACHE_ENTRIES:
            self._phrases.popitem(last=False)
        return docs

    # -- anything else: Whoosh's own matchers
    def _by_whoosh(self, q: Any, scored: bool) -> Evaluation:
        if not scored:
            return Evaluation(set(self.searcher.docs_for_query(q)) - self.deleted, None)
        scores: Scores = {}
        context = self.searcher.context()  # as searcher.search() builds it
        for sub, offset in self.searcher.leaf_searchers():
            m = q.matcher(sub, context)
            while m.is_active():
                scores[offset + m.id()] = m.score()
                m.next()
        for d in self.deleted.intersection(scores):
            del scores[d]
        return Evaluation(scores.keys(), scores)  # type: ignore[arg-type]

    # -- ordering
    @staticmethod
    def top(docs: DocSet, scores: Scores, start: int, end: int) -> list[tuple[int, float]]:
        """(docnum, score) of ranks start..end-1: best score first, ties by document number
        (Whoosh's TopCollector order)."""
        if end > HEAP_PAGE_END or len(docs) <= end:
            # two C-level sorts; the second is stable, so equal scores stay in docnum order
            order = sorted(docs)
            order.sort(key=scores.__getitem__, reverse=True)
            return [(d, scores[d]) for d in order[start:end]]
        # the end-th best score; all above it are in, and ties at it go by docnum
        kth = heapq.nlargest(end, map(scores.__getitem__, docs))[-1]
        best = sorted((d for d in docs if scores[d] >= kth), key=lambda d: (-scores[d], d))
        return [(d, scores[d]) for d in best[start:end]]

    @staticmethod
    def by_key(docs: DocSet, key: Any, start: int, end: int) -> list[int]:
        """Document numbers of ranks start..end-1 by ascending key(doc), ties by document number."""
        if end > HEAP_PAGE_END or len(docs) <= end:
            order = sorted(docs)
            order.sort(key=key)
            return order[start:end]
        kth = heapq.nsmallest(end, map(key, docs))[-1]
        return sorted((d for d in docs if key(d) <= kth), key=lambda d: (key(d), d))[start:end]


def _binary_tree(items: list[Any]) -> Any:
    """Nest items as Whoosh's make_binary_tree nests its matchers: (left half, right half)."""
    if len(items) == 1:
        return items[0]
    half = len(items) // 2
    return (_binary_tree(items[:half]), _binary_tree(items[half:]))


def _tree_scores(tree: Any, docs: DocSet) -> Scores:
    """Per document of `docs` (where every leaf matches), the tree's sum in Whoosh's order.
    Leaves are score dicts or constants (a Not's weight)."""
    if not isinstance(tree, tuple):
        return dict.fromkeys(docs, tree) if isinstance(tree, float) else {d: tree[d] for d in docs}
    left, right = (t if not isinstance(t, tuple) else _tree_scores(t, docs) for t in tree)
    if isinstance(left, float) and isinstance(right, float):
        return dict.fromkeys(docs, left + right)
    if isinstance(right, float):
        return {d: left[d] + right for d in docs}
    if isinstance(left, float):
        return {d: left + right[d] for d in docs}
    return {d: left[d] + right[d] for d in docs}


def _union_tree(parts: list[Scores]) -> Scores:
    """Union of score dicts, summed as Whoosh's binary tree of UnionMatchers sums
    (a document missing from one side takes the other side's score unchanged)."""
    if len(parts) == 1:
        return parts[0]
    half = len(parts) // 2
    left, right = _union_tree(parts[:half]), _union_tree(parts[half:])
    # Copy the bigger side, add the smaller into it: a sum of two floats is the same
    # whichever comes first (IEEE addition is commutative), so scores do not change.
    big, small = (left, right) if len(left) >= len(right) else (right, left)
    out = dict(big)
    get = out.get
    for d, v in small.items():
        other = get(d)
        out[d] = v if other is None else other + v
    return out


def _length_table() -> list[float]:
    from whoosh.util.numeric import byte_to_length

    table = [float(byte_to_length(b)) for b in range(256)]
    table[0] = 1.0  # Whoosh returns None for byte 0 and the scorer's default (1) is used
    return table


_BYTE_TO_LENGTH = _length_table()


def _length_bytes(leaf: Any, fieldname: str, count: int) -> bytes | None:
    """A segment's quantised length bytes of one field, read as one slice of its column
    (doc_field_length reads them one call per document); None if not stored that way."""
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3PerDocReader, _lenfield
    from whoosh.columns import NumericColumn

    perdoc = getattr(leaf, "_perdoc", None)
    if not isinstance(perdoc, W3PerDocReader):
        return None
    creader = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)  # noqa: SLF001
    if creader is None:
        return bytes(count)
    if type(creader) is not NumericColumn.Reader or creader._typecode != "B":  # noqa: SLF001
        return None
    stored = min(creader._count, count)  # noqa: SLF001 - later documents take the default (0)
    raw = bytes(creader._dbfile.get(creader._basepos, stored))  # noqa: SLF001
    return raw + bytes(count - stored)


def _unwrap(matcher: Any) -> Any:
    from whoosh.matching.wrappers import FilterMatcher

    # A segment with deletions wraps its postings in a filter; the caller masks them.
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def _read_postings(matcher: Any) -> tuple[Any, Any]:
    """All (document numbers, weights) of one term in one segment, deleted ones included."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    matcher = _unwrap(matcher)
    ids: list[int] = []
    weights: list[float] = []
    if type(matcher) is not W3LeafMatcher:
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return ids, weights
    while matcher.is_active():  # a block at a time (Whoosh 2.7.4's block reader, pinned)
        if matcher._ids is None:  # noqa: SLF001
            matcher._read_ids()  # noqa: SLF001
        if matcher._weights is None:  # noqa: SLF001
            matcher._read_weights()  # noqa: SLF001
        i = matcher._i  # noqa: SLF001
        ids.extend(matcher._ids[i:])  # noqa: SLF001
        weights.extend(matcher._weights[i:])  # noqa: SLF001
        matcher._next_block()  # noqa: SLF001
    return ids, weights


def _values_of(matcher: Any, wanted: list[int]) -> dict[int, bytes]:
    """docnum -> encoded positions for the `wanted` (sorted) documents of one term.

    Blocks holding none of them are skipped by their header (no ids or values
    decoded); Whoosh's own skip_to steps through a block one posting at a time."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    matcher = _unwrap(matcher)
    out: dict[int, bytes] = {}
    if type(matcher) is not W3LeafMatcher:
        for d in wanted:
            if not matcher.is_active():
                break
            matcher.skip_to(d)
            if matcher.is_active() and matcher.id() == d:
                out[d] = matcher.value()
        return out
    k, n = 0, len(wanted)
    while k < n and matcher.is_active():
        last = matcher._maxid  # noqa: SLF001 - Whoosh 2.7.4's block reader (pinned)
        if wanted[k] <= last:
            if matcher._ids is None:  # noqa: SLF001
                matcher._read_ids()  # noqa: SLF001
            if matcher._values is None:  # noqa: SLF001
                matcher._read_values()  # noqa: SLF001
            i = matcher._i  # noqa: SLF001
            block = dict(zip(matcher._ids[i:], matcher._values[i:]))  # noqa: SLF001
            while k < n and wanted[k] <= last:
                value = block.get(wanted[k])
                if value is not None:
                    out[wanted[k]] = value
                k += 1
        matcher._next_block()  # noqa: SLF001
    return out
