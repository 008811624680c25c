"""Every match of a query and its score, by set algebra over whole postings.

Whoosh answers a query by stepping a tree of matcher objects one posting at a
time in Python (1-3 us per posting per node): "oil" on Reuters took ~10 ms
before a hit was printed, and an exact total, facets or a date order need every
match, not a top N. Here a term's postings are read once per searcher (a fixed
snapshot of the index) into a dict of document number -> score, and a query is
evaluated with Python's C-level set and dict operations: AND/OR/NOT are set
algebra, a compound score is the sum of its parts' scores, the page is a heap
selection (or, for deep pages, a sort in C). Measured in bench/bench_query.py.
(numpy was tried: as fast warm, but importing it costs 110-160 ms, half the
budget of a cold `news-search query`.)

What matches is exactly what Whoosh matches (the tests check every set against
Whoosh's own matchers). The scores are ours (`Ranking`), because Whoosh's BM25F
gives each field its own IDF: a common word ("countries") that is rare among
headlines outweighed the rare words that carry a question, 2.5 times over when
the headline was only the body's first line copied by ingestion (TIME: MAP
0.600 with `--any`, bench/bench_relevance.py). Here:
- a term scores as BM25 with ONE weight per word for the whole collection: the
  IDF counts the live articles holding the word in the headline or the body
  (`idf`), and a field's part is saturated and length-normalised on its own
  (a Lucene-style sum of fields with a shared IDF);
- the headline counts HEADLINE_BOOST times, except a headline that ingestion
  made from the body's opening words (schema `headline_inferred`): it counts as
  body text (weight 1), not as a headline, so the opening words (a news story's
  lede) count once more but get no invented headline boost. On TIME, where every
  headline is inferred, weight 2.5 gave MAP 0.627, 0 gave 0.689, 1 gave 0.710;
- the statistics are those of the live articles (deleted copies left in older
  segments do not count), so the same articles score the same however the index
  was built, and ties are broken by date (newest first), then article id;
- AND and OR add their parts' scores; a NOT adds nothing; an exact phrase scores
  as the sum of its words over the articles where they are consecutive
  (positions decoded only for the articles holding all the words);
- a wildcard, prefix or fuzzy word is expanded once over the field's words of the
  whole snapshot (expand.py) and scores as the OR of those words: the same article
  scores the same however the index is cut into segments or shards (Whoosh scored
  them per segment, a constant where a segment held several of the words);
- nodes this module does not evaluate itself (proximity and gapped phrases, date
  ranges) run through Whoosh's own matchers, segment by segment: exactly Whoosh's
  matches, scored by Whoosh's BM25F.
Working on whole sets also sidesteps two Whoosh 2.7.4 bugs measured here: its
`AndNot` lets excluded documents through, and its top-N collector drops
documents of intersections (whoosh-community#413).

Questions (`evaluate_words`, `top_words`): a query of plain words matches the
articles holding any of its words and ranks first those holding all of them,
then the rest, each group by score. (Ranking strictly by how many words an
article holds was measured on TIME's verbose questions: MAP 0.494 against
0.686, because every word then counts alike, "efforts" as much as "Diem".)

Memory is bounded: term postings and phrase documents are kept in LRU caches
bounded by postings (CACHED_POSTINGS, PHRASE_CACHE_ENTRIES) that die with the
searcher.
"""
from __future__ import annotations

import heapq
import itertools
import math
from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, NamedTuple, Union

from whoosh import query as wq

from ..indexing.fields import CONTENT_FIELDS  # one IDF per word across these (the same analysis)
from ..indexing.schema import INFERRED_MARK
from . import collection, expand

CACHED_POSTINGS = 1_000_000   # postings kept across queries (~120 MB at worst)
PHRASE_CACHE_ENTRIES = 256
EXPANSION_CACHE_ENTRIES = 256  # patterns' word lists (a fuzzy word's took ~6 ms on Reuters)
HEAP_PAGE_END = 64  # up to this rank a heap finds the cut-off; deeper pages sort everything (in C)
_NO_DATE = 2 ** 64 - 1  # what Whoosh's DATETIME column holds for an undated document
LAZY_TIES = 500  # tied documents up to which tie keys are read one by one (see tie_rank)

Scores = dict[int, float]
DocSet = Union[set[int], frozenset[int]]


@dataclass(frozen=True)
class Ranking:
    """The scoring model's parameters (bench/README.md, "Relevance", has each one measured).

    k1 and b are Robertson's and Whoosh's defaults; the headline's weight is its field
    boost in the schema (HEADLINE_BOOST, baked into its posting weights)."""

    k1: float = 1.2
    b: float = 0.75
    inferred_headline_weight: float = 1.0  # a headline copied from the body's opening words

    def idf(self, df: int, n: int) -> float:
        """Lucene's BM25 IDF: log(1 + (N - df + 0.5) / (df + 0.5)); positive for any df <= N."""
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


DEFAULT_RANKING = Ranking()


class Evaluation(NamedTuple):
    docs: DocSet                     # the documents that match
    scores: Scores | None            # their scores (same keys), or None when not asked for


class QueryEngine:
    """Evaluates parsed queries against one searcher's snapshot of the index."""

    content_fields = CONTENT_FIELDS  # for collection.local_statistics, which must not import us

    def __init__(self, searcher: Any, ranking: Ranking = DEFAULT_RANKING):
        self.searcher = searcher
        self.reader = reader = searcher.reader()
        self.schema = reader.schema
        self.ranking = ranking
        self.leaves: list[tuple[Any, int]] = list(reader.leaf_readers())
        self.size = reader.doc_count_all()
        self.deleted = self._deleted()
        self.live_count = self.size - len(self.deleted)
        self._live: frozenset[int] | None = None
        self._inferred: frozenset[int] | None = None
        self._tie_rank: list[int] | None = None
        self._columns: tuple[SegmentedColumn, SegmentedColumn] | None = None
        self._tie_keys: dict[int, tuple[int, bytes]] = {}
        self._lengths: dict[str, list[float]] = {}
        self._avg_lengths: dict[str, float] = {}
        self._terms: OrderedDict[tuple[str, bytes], tuple[frozenset[int], Scores]] = OrderedDict()
        self._terms_postings = 0
        self._phrases: OrderedDict[Any, frozenset[int]] = OrderedDict()
        self._expanded: OrderedDict[Any, list[bytes]] = OrderedDict()

    def forget(self) -> None:
        """Drop the cached postings, phrase documents and pattern expansions (the next
        queries read them again)."""
        self._terms.clear()
        self._terms_postings = 0
        self._phrases.clear()
        self._expanded.clear()

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

    @property
    def inferred(self) -> frozenset[int]:
        """Documents whose headline ingestion took from the body's opening words."""
        if self._inferred is None:
            found: set[int] = set()
            if "headline_inferred" in self.schema:
                btext = INFERRED_MARK.encode("utf-8")
                for leaf, offset in self.leaves:
                    if ("headline_inferred", btext) in leaf:
                        ids, _ = _read_postings(leaf.postings("headline_inferred", btext))
                        found.update(offset + d for d in ids)
            self._inferred = frozenset(found)
        return self._inferred

    def tie_rank(self) -> list[int]:
        """Per document, its place in the order that breaks ties: newest first (undated
        last), then by article id. Document numbers depend on how the index was built
        (batches, processes, merges); this order depends only on the articles.
        Whoosh's column readers are pure Python: reading the two columns of Reuters (21k
        articles) took 100-230 ms (machine under load), so it is done once per searcher
        and only when more than LAZY_TIES documents tie (`NOT x` alone); pages whose
        ties involve fewer documents read their keys one by one (`_tie_key`)."""
        if self._tie_rank is None:
            dates, ids = self._tie_columns()
            newest = [_newest(v) for v in dates]
            ids_list = list(ids)
            order = sorted(range(self.size), key=ids_list.__getitem__)
            order.sort(key=newest.__getitem__)
            rank = [0] * self.size
            for place, d in enumerate(order):
                rank[d] = place
            self._tie_rank = rank
        return self._tie_rank

    def _tie_columns(self) -> tuple[SegmentedColumn, SegmentedColumn]:
        if self._columns is None:
            self._columns = (SegmentedColumn(self.reader, "published", _NO_DATE),
                             SegmentedColumn(self.reader, "id", b""))
        return self._columns

    def _tie_key(self, d: int) -> tuple[int, bytes]:
        """One document's place in the tie order, read from the columns on its own
        (remembered: a column read is a few microseconds of Python)."""
        key = self._tie_keys.get(d)
        if key is None:
            dates, ids = self._tie_columns()
            key = self._tie_keys[d] = (_newest(dates[d]), ids[d])
        return key

    def _ties(self, docs: list[int]) -> Any:
        """A key function putting `docs` in tie order: per document for a few, else the
        whole index's `tie_rank`."""
        if self._tie_rank is not None or len(docs) > LAZY_TIES:
            return self.tie_rank().__getitem__
        return self._tie_key

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
            # an exclusion says nothing about relevance: it scores 0 (ties go by date)
            return Evaluation(docs, dict.fromkeys(docs, 0.0) if scored else None)
        elif kind is wq.Phrase and q.slop == 1 and len(q.words) > 1:
            result = self._phrase(q, scored)
        elif expand.is_pattern(q):
            result = self._expansion(q, scored)
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

    def evaluate_words(self, units: list[Any]) -> tuple[Evaluation, list[DocSet]]:
        """A question's words as one ranking: every article holding at least one of them,
        scored as their OR (the sum of the words' scores), with each word's documents so
        that `top_words` can rank by how many words an article holds."""
        parts = [self.evaluate(u) for u in units]
        if not parts:  # only stop words
            return Evaluation(frozenset(), {}), []
        if len(parts) == 1:
            return parts[0], [parts[0].docs]
        scores = _union_tree([p.scores for p in parts])  # type: ignore[misc]
        return Evaluation(scores.keys(), scores), [p.docs for p in parts]  # type: ignore[arg-type]

    def _and(self, q: Any, scored: bool) -> Evaluation:
        positive = [c for c in q.subqueries if type(c) is not wq.Not]
        negative = [c.query for c in q.subqueries if type(c) is wq.Not]
        parts = [self.evaluate(c, scored) for c in positive]
        if parts:
            by_size = sorted((part.docs for part in parts), key=len)
            docs: DocSet = set(by_size[0]).intersection(*by_size[1:]) if len(by_size) > 1 else by_size[0]
        else:
            docs = self.live
        for c in negative:
            if not docs:
                break
            docs = docs - self.evaluate(c, scored=False).docs
        if not scored:
            return Evaluation(docs, None)
        if not parts:
            return Evaluation(docs, dict.fromkeys(docs, 0.0))
        return Evaluation(docs, _tree_scores(_binary_tree([p.scores for p in parts]), docs))

    def _or(self, subqueries: list[Any], scored: bool) -> Evaluation:
        parts = [self.evaluate(c, scored) for c in subqueries]
        if not scored:
            docs = set(parts[0].docs)
            for part in parts[1:]:
                docs |= part.docs
            return Evaluation(docs, None)
        scores = _union_tree([p.scores for p in parts])
        return Evaluation(scores.keys(), scores)  # type: ignore[arg-type]

    def _expansion(self, q: Any, scored: bool) -> Evaluation:
        """A wildcard, prefix or fuzzy word: the OR of the words it stands for (expand.py),
        summed in the words' sorted order (the same sums on a shard as in one index)."""
        archive = expand.union(q)
        words = archive if archive is not None else self.local_words(q)
        parts = [self.term_bytes(q.fieldname, w) for w in words]
        if not parts:
            return Evaluation(frozenset(), {} if scored else None)
        if not scored:
            docs: set[int] = set()
            for part_docs, _ in parts:
                docs |= part_docs
            return Evaluation(docs, None)
        scores = _union_tree([part_scores for _, part_scores in parts])
        return Evaluation(scores.keys(), scores)  # type: ignore[arg-type]

    def local_words(self, q: Any) -> list[bytes]:
        """A pattern's words in this snapshot (expand.local_words), remembered: expanding
        a fuzzy word walks every segment's term dictionary with an automaton."""
        key = expand.pattern_key(q)
        found = self._expanded.get(key)
        if found is None:
            found = self._expanded[key] = expand.local_words(q, self.reader)
            if len(self._expanded) > EXPANSION_CACHE_ENTRIES:
                self._expanded.popitem(last=False)
        return found

    # -- terms
    def term(self, fieldname: str, text: Any) -> tuple[frozenset[int], Scores]:
        """(live documents, document -> score) of one term; empty if the index lacks it."""
        if fieldname not in self.schema:
            return frozenset(), {}
        try:
            btext = self.schema[fieldname].to_bytes(text)
        except ValueError:
            return frozenset(), {}
        return self.term_bytes(fieldname, btext)

    def term_bytes(self, fieldname: str, btext: bytes) -> tuple[frozenset[int], Scores]:
        """`term` of a word as the index stores it (a pattern's expansion)."""
        if fieldname not in self.schema:
            return frozenset(), {}
        stats = collection.active()  # a shard of a sharded archive: the archive's numbers
        key = (fieldname, btext) + (stats.cache_key(fieldname, btext) if stats else ())
        cached = self._terms.get(key)
        if cached is not None:
            self._terms.move_to_end(key)
            return cached
        field = self.schema[fieldname]
        if not field.scorable:  # keywords, ids: the posting weight itself (as Whoosh scores them)
            ids, weights = self._postings(fieldname, btext)
            result = (frozenset(ids), dict(zip(ids, weights)))
            self._remember(key, result)
            return result
        # One IDF for the word: the live documents holding it in the headline or the body.
        fields = CONTENT_FIELDS if fieldname in CONTENT_FIELDS and all(
            f in self.schema for f in CONTENT_FIELDS) else (fieldname,)
        postings = {f: self._postings(f, btext) for f in fields}
        if len(fields) == 1:
            df = len(postings[fieldname][0])
        else:
            holding: set[int] = set()
            for ids, _ in postings.values():
                holding.update(ids)
            df = len(holding)
        n = self.live_count
        if stats is not None and df:
            df, n = stats.document_frequency(fieldname, btext, df), stats.doc_count
        idf = self.ranking.idf(df, n) if df else 0.0
        result = (frozenset(), {})
        for f, (ids, weights) in postings.items():
            entry = (frozenset(ids), dict(zip(ids, self._field_scores(f, ids, weights, idf))))
            fkey = (f, btext) + (stats.cache_key(f, btext, fieldname) if stats else ())
            if fkey not in self._terms:
                self._remember(fkey, entry)
            if f == fieldname:
                result = entry
        return result

    def _postings(self, fieldname: str, btext: bytes) -> tuple[list[int], list[float]]:
        """(document numbers, posting weights) of one term over every segment, live only."""
        ids: list[int] = []
        weights: list[float] = []
        key = (fieldname, btext)
        for leaf, offset in self.leaves:
            if key in leaf:
                leaf_ids, leaf_weights = _read_postings(leaf.postings(fieldname, btext))
                ids.extend(leaf_ids if offset == 0 else [offset + d for d in leaf_ids])
                weights.extend(leaf_weights)
        if self.deleted:
            kept = [(d, w) for d, w in zip(ids, weights) if d not in self.deleted]
            ids, weights = [d for d, _ in kept], [w for _, w in kept]
        return ids, weights

    def _field_scores(self, fieldname: str, ids: list[int], weights: list[float],
                      idf: float) -> list[float]:
        """BM25 of one field: idf * weight * tf (k1 + 1) / (tf + k1 (1 - b + b len / avglen)).

        A posting's weight is the term frequency times the field's boost (the schema's
        field_boost, HEADLINE_BOOST for headlines): the boost is the field's weight."""
        r = self.ranking
        k1, b = r.k1, r.b
        boost = getattr(self.schema[fieldname].format, "field_boost", 1.0) or 1.0
        lengths = self.field_lengths(fieldname)
        avg = self.avg_length(fieldname)
        scale, fixed, per_length = idf * boost * (k1 + 1), k1 * (1 - b), k1 * b / avg
        tfs = weights if boost == 1.0 else [w / boost for w in weights]
        scores = [scale * tf / (tf + fixed + per_length * lengths[d]) for d, tf in zip(ids, tfs)]
        if fieldname == "headline" and self.inferred:
            inferred, factor = self.inferred, r.inferred_headline_weight / boost
            scores = [v * factor if d in inferred else v for d, v in zip(ids, scores)]
        return scores

    def avg_length(self, fieldname: str) -> float:
        """Mean length of `fieldname` over the live documents (1 when there are none)."""
        stats = collection.active()
        if stats is not None and stats.avg_length(fieldname) is not None:
            return stats.avg_length(fieldname)  # type: ignore[return-value]
        avg = self._avg_lengths.get(fieldname)
        if avg is None:
            lengths = self.field_lengths(fieldname)
            total = math.fsum(lengths) - math.fsum(lengths[d] for d in self.deleted)
            avg = self._avg_lengths[fieldname] = (total / self.live_count
                                                  if self.live_count and total > 0 else 1.0)
        return avg

    def field_lengths(self, fieldname: str) -> list[float]:
        """Each document's length in `fieldname` as the index stores it (quantised to a byte)."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            lengths = []
            for leaf, _offset in self.leaves:
                count = leaf.doc_count_all()
                column = _length_bytes(leaf, fieldname, count)
                if column is not None:
                    lengths.extend(map(_BYTE_TO_LENGTH.__getitem__, column))
                else:
                    lengths.extend(leaf.doc_field_length(d, fieldname, 0) or 0 for d in range(count))
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
        stats = collection.active()  # a shard: Whoosh's BM25F with the archive's numbers
        context = self.searcher.context(**({} if stats is None else {
            "weighting": collection.CollectionWeighting(self.searcher.weighting, stats)}))
        for sub, offset in self.searcher.leaf_searchers():
            m = q.matcher(sub, context)
            while m.is_active():
                scores[offset + m.id()] = m.score()
                m.next()
        for d in self.deleted.intersection(scores):
            del scores[d]
        return Evaluation(scores.keys(), scores)  # type: ignore[arg-type]

    # -- ordering
    def top(self, docs: DocSet, scores: Scores, start: int, end: int) -> list[tuple[int, float]]:
        """(docnum, score) of ranks start..end-1: best score first, ties in tie order
        (newest first, then article id: `tie_rank`)."""
        if end > HEAP_PAGE_END or len(docs) <= end:
            order = sorted(docs, key=scores.__getitem__, reverse=True)  # in C
            page = _window(order, scores.__getitem__, start, end, self._ties, reverse=True)
        else:
            # the end-th best score; all above it are in, and ties at it go by tie order
            kth = heapq.nlargest(end, map(scores.__getitem__, docs))[-1]
            best = [d for d in docs if scores[d] >= kth]
            if len(set(map(scores.__getitem__, best))) == len(best):  # no ties: no tie keys
                best.sort(key=scores.__getitem__, reverse=True)
            else:
                tie = self._ties(best)
                best.sort(key=lambda d: (-scores[d], tie(d)))
            page = best[start:end]
        return [(d, scores[d]) for d in page]

    def top_words(self, docs: DocSet, scores: Scores, word_docs: list[DocSet], start: int,
                  end: int) -> list[tuple[int, float]]:
        """Ranks start..end-1 of `docs`: those holding every word (each of `word_docs`)
        first, then the others, each group as `top` orders it."""
        every = set(docs).intersection(*word_docs) if len(word_docs) > 1 else docs
        if end <= len(every) or len(every) == len(docs):
            return self.top(every, scores, start, end)
        rest = set(docs).difference(every)
        first = self.top(every, scores, start, end) if start < len(every) else []
        return first + self.top(rest, scores, max(0, start - len(every)), end - len(every))

    def by_key(self, docs: DocSet, key: Any, start: int, end: int) -> list[int]:
        """Document numbers of ranks start..end-1 by ascending key(doc), ties in tie order."""
        if end > HEAP_PAGE_END or len(docs) <= end:
            return _window(sorted(docs, key=key), key, start, end, self._ties)
        # key is the caller's Python function (a date lookup): called once per document, not
        # twice (bench_query.py's "by date" queries on Reuters: 0.99 -> 0.92 ms CPU each)
        order = list(docs)
        values = list(map(key, order))
        kth = heapq.nsmallest(end, values)[-1]
        best = [d for d, v in zip(order, values) if v <= kth]
        if len(set(map(key, best))) == len(best):
            best.sort(key=key)
        else:
            tie = self._ties(best)
            best.sort(key=lambda d: (key(d), tie(d)))
        return best[start:end]


class SegmentedColumn:
    """A column read segment by segment, with `missing` where a segment has none.

    Whoosh writes a column only for a segment where some document has the field, and
    its multi-segment column reader skips the segments without one: every later value
    lands on the wrong document. An index whose first segment held only undated
    articles gave its dated articles' dates to the undated ones, and so the wrong tie
    order (facets.py reads its columns the same way, for the same reason)."""

    def __init__(self, reader: Any, name: str, missing: Any):
        self.missing = missing
        self.starts: list[int] = []
        self.parts: list[tuple[int, Any]] = []
        for leaf, offset in reader.leaf_readers():
            column = (leaf.column_reader(name, translate=False)
                      if name in leaf.schema and leaf.has_column(name) else None)
            self.starts.append(offset)
            self.parts.append((leaf.doc_count_all(), column))

    def __getitem__(self, d: int) -> Any:
        i = bisect_right(self.starts, d) - 1
        _, column = self.parts[i]
        return self.missing if column is None else column[d - self.starts[i]]

    def __iter__(self) -> Any:
        for count, column in self.parts:
            if column is None:
                yield from itertools.repeat(self.missing, count)
            else:
                yield from column


def _newest(raw: Any) -> int:
    """Sort key of a raw date column value: newest first, undated (None or _NO_DATE) last."""
    return 1 if raw is None or raw == _NO_DATE else -raw


def _window(order: list[int], key: Any, start: int, end: int, ties: Any,
            reverse: bool = False) -> list[int]:
    """order[start:end] of a list sorted by `key`, with the runs of equal keys that the
    window touches put in tie order (only those: the rest of the order is not looked at)."""
    n = len(order)
    if start >= n:
        return []
    lo, hi = start, min(end, n)
    first, last = key(order[lo]), key(order[hi - 1])
    while lo > 0 and key(order[lo - 1]) == first:
        lo -= 1
    while hi < n and key(order[hi]) == last:
        hi += 1
    run = order[lo:hi]
    if len(set(map(key, run))) == len(run):  # no ties in the window: nothing to reorder
        return run[start - lo:end - lo]
    tie = ties(run)
    run.sort(key=tie)
    run.sort(key=key, reverse=reverse)  # stable: equal keys stay in tie order
    return run[start - lo:end - lo]


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
    table[0] = 0.0  # an empty field (Whoosh's reader returns None for byte 0)
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
