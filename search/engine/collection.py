"""Collection-wide statistics: scoring one shard of a sharded archive as one index would.

A shard of a sharded archive (search/cluster/) holds a quarter of the articles: on its
own it would count a quarter of the articles holding a word (BM25's document frequency),
a quarter of N, and its own average field lengths, so the same article would score
differently in the archive than in one index of all the articles (on Reuters-21578 cut
into 4 shards, "oil" moved 3% and top-10s reordered). So the cluster works in two phases,
as Elasticsearch's DFS query-then-fetch does:

1. every shard counts, for the query's words, what the scoring reads from its snapshot
   (`local_statistics`, a `ShardStatistics`);
2. the sums (`CollectionStats.combine`) go with the query to every shard, and while
   `using(stats)` is active `QueryEngine` (evaluate.py) reads N, the document
   frequencies and the average lengths from them instead of from its own searcher.

The numbers are integer sums (document counts, and lengths quantised by Whoosh to whole
numbers), so the sum over shards equals the single index's count exactly and the scores
are the same floats, bit for bit. Nodes evaluated by Whoosh's own matchers (proximity
phrases) score with Whoosh's BM25F, whose statistics are replaced the same way
(`CollectionWeighting`); date ranges score a constant.

Wildcards, prefixes and fuzzy words (expand.py) stand for words that differ from shard
to shard: each shard reports its own expansion of every pattern (`expansions`), the
archive's is their union, and the engine evaluates the union on every shard. Their
document frequencies must be the archive's too, and a word's IDF counts the articles
holding it in the headline *or* the body: a shard whose headlines lack `oily` may still
hold it in bodies. So a shard counts every word the pattern matches in any of the two
fields, not only the pattern's own field: the sum is then right for every word of the
union, in one round trip.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

TermKey = tuple[str, bytes]  # (field, analysed word as the index stores it)
PatternKey = tuple[str, str, str, int, int]  # expand.pattern_key: a wildcard or fuzzy word


@dataclass(frozen=True)
class ShardStatistics:
    """What one shard's snapshot contributes to the scoring of one query (all sums).

    Our BM25 (evaluate.py): `live_count` articles, per field the summed lengths of the
    live ones, per queried word the live articles holding it (in the headline or the
    body for those two fields: one IDF per word). Whoosh's BM25F (proximity phrases):
    `doc_count_all`, its field lengths and document frequencies, deleted ones included,
    as Whoosh counts them."""

    live_count: int = 0
    length_totals: dict[str, float] = field(default_factory=dict)
    doc_frequencies: dict[TermKey, int] = field(default_factory=dict)
    whoosh_count: int = 0
    whoosh_lengths: dict[str, int] = field(default_factory=dict)
    whoosh_frequencies: dict[TermKey, int] = field(default_factory=dict)
    expansions: dict[PatternKey, tuple[bytes, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CollectionStats:
    """The archive's statistics for one query: the sum of every shard's `ShardStatistics`,
    and the union of their expansions of each pattern (sorted)."""

    totals: ShardStatistics
    expansions: dict[PatternKey, tuple[bytes, ...]] = field(default_factory=dict)

    @classmethod
    def combine(cls, parts: Iterable[ShardStatistics]) -> "CollectionStats":
        parts = list(parts)
        lengths: dict[str, list[float]] = {}
        whoosh_lengths: dict[str, int] = {}
        frequencies: dict[TermKey, int] = {}
        whoosh_frequencies: dict[TermKey, int] = {}
        expansions: dict[PatternKey, set[bytes]] = {}
        for p in parts:
            for key, words in p.expansions.items():
                expansions.setdefault(key, set()).update(words)
            for name, total in p.length_totals.items():
                lengths.setdefault(name, []).append(total)
            for name, total in p.whoosh_lengths.items():
                whoosh_lengths[name] = whoosh_lengths.get(name, 0) + total
            for key, n in p.doc_frequencies.items():
                frequencies[key] = frequencies.get(key, 0) + n
            for key, n in p.whoosh_frequencies.items():
                whoosh_frequencies[key] = whoosh_frequencies.get(key, 0) + n
        return cls(ShardStatistics(
            live_count=sum(p.live_count for p in parts),
            length_totals={name: math.fsum(v) for name, v in lengths.items()},
            doc_frequencies=frequencies, whoosh_count=sum(p.whoosh_count for p in parts),
            whoosh_lengths=whoosh_lengths, whoosh_frequencies=whoosh_frequencies),
            expansions={key: tuple(sorted(words)) for key, words in expansions.items()})

    def expansion(self, key: PatternKey) -> tuple[bytes, ...] | None:
        """The archive's words for a pattern (sorted), or None if it was not gathered."""
        return self.expansions.get(key)

    @property
    def doc_count(self) -> int:
        """N of our BM25: the live articles of the whole archive."""
        return self.totals.live_count

    def document_frequency(self, fieldname: str, btext: bytes, local: int) -> int:
        """Articles of the archive holding the word (`local`, this shard's count, if the
        word was not gathered: then this shard scores as it would alone)."""
        return self.totals.doc_frequencies.get((fieldname, btext), local)

    def avg_length(self, fieldname: str) -> float | None:
        """Mean length of the field over the archive's live articles, as evaluate.py
        computes it for one index (1 when empty); None if not gathered."""
        total = self.totals.length_totals.get(fieldname)
        if total is None:
            return None
        n = self.totals.live_count
        return total / n if n and total > 0 else 1.0

    def cache_key(self, fieldname: str, btext: bytes, asked: str | None = None) -> tuple[Any, ...]:
        """What a field's scores for a word depend on besides its postings, so that a
        cached entry is reused only under the same numbers (`asked`: the field the query
        named, whose frequency the word's IDF used)."""
        return (self.totals.live_count, self.avg_length(fieldname),
                self.totals.doc_frequencies.get((asked or fieldname, btext)))

    # Whoosh's BM25F (scoring.WeightingModel.idf and Searcher.avg_field_length)
    def whoosh_idf(self, fieldname: str, btext: bytes) -> float:
        n = self.totals.whoosh_frequencies.get((fieldname, btext), 0)
        return math.log(self.totals.whoosh_count / (n + 1)) + 1

    def whoosh_avg_length(self, fieldname: str) -> float:
        return self.totals.whoosh_lengths.get(fieldname, 0) / (self.totals.whoosh_count or 1)


_ACTIVE: ContextVar[CollectionStats | None] = ContextVar("collection_stats", default=None)


def active() -> CollectionStats | None:
    """The statistics the engine scores with now (None: its own searcher's)."""
    return _ACTIVE.get()


@contextmanager
def using(stats: CollectionStats | None) -> Iterator[None]:
    """Score with `stats` inside the block (this thread only; None changes nothing)."""
    token = _ACTIVE.set(stats)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _as_bytes(schema: Any, fieldname: str, text: Any) -> bytes | None:
    if isinstance(text, bytes):
        return text
    if fieldname not in schema:
        return None
    try:
        return schema[fieldname].to_bytes(text)
    except ValueError:
        return None


def local_statistics(engine: Any, query: Any, max_expansions: int | None = None) -> ShardStatistics:
    """This shard's counts for `query` (a parsed Whoosh query) from `engine`, a
    QueryEngine over the shard's current snapshot, with the same rules its scoring uses.

    A wildcard expanding here to more than `max_expansions` words is refused by the
    search step whatever the other shards hold (the union is larger still): its first
    `max_expansions + 1` words are reported, enough for that, and none is counted."""
    from . import expand  # expand.py reads the statistics this module activates

    content_fields = engine.content_fields
    schema, reader = engine.schema, engine.reader
    content = all(f in schema for f in content_fields)
    terms: set[TermKey] = set()
    for fieldname, text in query.iter_all_terms(phrases=True):
        btext = _as_bytes(schema, fieldname, text)
        if btext is not None and schema[fieldname].scorable:
            terms.add((fieldname, btext))
    whoosh_terms = set(terms)  # Whoosh's BM25F scores only proximity phrases' words
    expansions: dict[PatternKey, tuple[bytes, ...]] = {}
    for leaf in query.leaves():
        if not expand.is_pattern(leaf) or leaf.fieldname not in schema:
            continue
        key = expand.pattern_key(leaf)
        words = engine.local_words(leaf)
        if max_expansions is not None and key[0] == "glob" and len(words) > max_expansions:
            expansions[key] = tuple(words[:max_expansions + 1])
            continue
        expansions[key] = tuple(words)
        if not schema[leaf.fieldname].scorable:
            continue
        counted = set(words)
        if content and leaf.fieldname in content_fields:  # the word's IDF spans both fields
            for other in content_fields:
                if other != leaf.fieldname:
                    counted.update(engine.local_words(expand.in_field(leaf, other)))
        terms.update((leaf.fieldname, w) for w in counted)
    frequencies: dict[TermKey, int] = {}
    for fieldname, btext in terms:
        fields = content_fields if content and fieldname in content_fields else (fieldname,)
        holding: set[int] = set()
        for f in fields:
            holding.update(engine._postings(f, btext)[0])  # live documents only
        frequencies[(fieldname, btext)] = len(holding)
    scorable = [name for name in schema.names() if schema[name].scorable]
    lengths = {}
    for name in scorable:
        per_doc = engine.field_lengths(name)
        lengths[name] = math.fsum(per_doc) - math.fsum(per_doc[d] for d in engine.deleted)
    return ShardStatistics(
        live_count=engine.live_count, length_totals=lengths, doc_frequencies=frequencies,
        whoosh_count=reader.doc_count_all(),
        whoosh_lengths={name: reader.field_length(name) for name in scorable},
        whoosh_frequencies={t: reader.doc_frequency(*t) for t in whoosh_terms},
        expansions=expansions)


class CollectionWeighting:
    """A Whoosh weighting model that scores as `inner` does with the archive's statistics
    (for the nodes evaluate.py leaves to Whoosh's matchers)."""

    use_final = False

    def __init__(self, inner: Any, stats: CollectionStats):
        self.inner, self.stats = inner, stats
        self.use_final = getattr(inner, "use_final", False)

    def idf(self, searcher: Any, fieldname: str, text: Any) -> float:
        btext = _as_bytes(searcher.schema, fieldname, text)
        return self.stats.whoosh_idf(fieldname, btext or b"")

    def scorer(self, searcher: Any, fieldname: str, text: Any, qf: int = 1) -> Any:
        scorer = self.inner.scorer(searcher, fieldname, text, qf=qf)
        btext = _as_bytes(searcher.schema, fieldname, text)
        if btext is not None and hasattr(scorer, "idf") and hasattr(scorer, "avgfl"):
            scorer.idf = self.stats.whoosh_idf(fieldname, btext)
            scorer.avgfl = self.stats.whoosh_avg_length(fieldname) or 1
        return scorer

    def final(self, searcher: Any, docnum: int, score: float) -> float:
        return self.inner.final(searcher, docnum, score)
