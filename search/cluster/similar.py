"""`similar` on a sharded archive, ranked over the whole archive as one index ranks it.

One index (search/api.py `NewsIndex.similar`) is Whoosh's more-like-this: the article's
headline and body analysed as a body, its SIMILAR_TERMS key words chosen by Whoosh's
Bo1 model (a word weighs more the more the article uses it and the rarer it is in the
collection: N documents, the word's total frequency), then an OR of those words, each
boosted by its weight, scored by Whoosh's BM25F, the article itself left out.

Every number there is a collection statistic, so on an archive:
1. the shard holding the article analyses its text (`text_vector`);
2. every shard counts those words (`word_statistics`); the sums are the archive's;
3. the driver picks the key words with the archive's numbers (`key_terms`, Bo1 as
   whoosh.classify computes it, operation for operation, so the floats are the same);
4. every shard scores the OR with the archive's BM25F statistics (`score_terms`,
   engine/collection.py's CollectionWeighting) and returns its best `limit`; the merge
   keeps the best `limit` overall. Equal scores are ordered by article id (one index
   orders them by its internal document numbers, which an archive does not have).
These are the numbers Whoosh reads (documents counted deleted ones included, as Whoosh
counts them), so an archive equals one index built from the same files.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

FIELD = "body"  # the field more-like-this reads and searches (search/api.py)


@dataclass(frozen=True)
class WordStatistics:
    """One shard's (or, summed, the archive's) numbers for a set of words."""

    doc_count_all: int
    field_length: int
    frequencies: dict[str, int]       # word -> total frequency (only words the index holds)
    doc_frequencies: dict[str, int]   # word -> documents holding it

    @classmethod
    def combine(cls, parts: Iterable[WordStatistics]) -> WordStatistics:
        parts = list(parts)
        freq: dict[str, int] = {}
        docs: dict[str, int] = {}
        for p in parts:
            for w, n in p.frequencies.items():
                freq[w] = freq.get(w, 0) + n
            for w, n in p.doc_frequencies.items():
                docs[w] = docs.get(w, 0) + n
        return cls(sum(p.doc_count_all for p in parts), sum(p.field_length for p in parts),
                   freq, docs)


def text_vector(engine: Any, text: str) -> dict[str, float]:
    """word -> weight of `text` analysed by the body field (whoosh.classify.Expander.add_text)."""
    field = engine.schema[FIELD]
    weights: dict[str, float] = {}
    for btext, _, weight, _ in field.index(text):
        word = field.from_bytes(btext)
        weights[word] = weights.get(word, 0.0) + weight
    return weights


def word_statistics(engine: Any, words: Iterable[str]) -> WordStatistics:
    """This shard's numbers for `words`, as Whoosh's reader gives them."""
    reader, field = engine.reader, engine.schema[FIELD]
    freq: dict[str, int] = {}
    docs: dict[str, int] = {}
    for word in words:
        btext = field.to_bytes(word)
        if (FIELD, btext) in reader:
            freq[word] = reader.frequency(FIELD, btext)
            docs[word] = reader.doc_frequency(FIELD, btext)
    return WordStatistics(reader.doc_count_all(), reader.field_length(FIELD), freq, docs)


def key_terms(vector: dict[str, float], stats: WordStatistics, number: int) -> list[tuple[str, float]]:
    """The `number` key words and their weights: whoosh.classify's Bo1Model scores and
    Expander.expanded_terms (normalize=False, as more_like calls it), on `stats`."""
    n = stats.doc_count_all
    scored, top = [], 0.0
    for word, weight in vector.items():
        if word not in stats.frequencies:
            continue
        f = stats.frequencies[word] / n
        score = weight * math.log((1.0 + f) / f, 2) + math.log(1.0 + f, 2)
        top = max(top, score)
        scored.append((score, word))
    if not scored:
        return []
    ranked = sorted(((s / top, w) for s, w in scored), key=lambda x: (0 - x[0], x[1]))
    return [(w, s) for s, w in ranked[:number]]


def collection_stats(stats: WordStatistics, terms: list[tuple[str, float]], schema_field: Any) -> Any:
    """The archive's BM25F numbers for the key words, as engine/collection.py carries them."""
    from ..engine.collection import CollectionStats, ShardStatistics

    return CollectionStats(ShardStatistics(
        whoosh_count=stats.doc_count_all, whoosh_lengths={FIELD: stats.field_length},
        whoosh_frequencies={(FIELD, schema_field.to_bytes(w)): stats.doc_frequencies[w]
                            for w, _ in terms}))


def score_terms(engine: Any, terms: list[tuple[str, float]], stats: WordStatistics,
                exclude: str | None, limit: int) -> list[tuple[float, str, int]]:
    """(score, article id, docnum) of this shard's best `limit` matches of the boosted OR of
    `terms`, scored by Whoosh's BM25F with the archive's statistics, best first and equal
    scores by id (as the merge orders them); `exclude` (the article itself) left out."""
    import heapq

    from whoosh import query as wq

    from ..engine.collection import CollectionWeighting

    searcher = engine.searcher
    field = engine.schema[FIELD]
    q = wq.Or([wq.Term(FIELD, w, boost=b) for w, b in terms])
    weighting = CollectionWeighting(searcher.weighting, collection_stats(stats, terms, field))
    context = searcher.context(weighting=weighting)
    skip = searcher.document_number(id=exclude) if exclude is not None else None
    scores: list[tuple[float, int]] = []
    for sub, offset in searcher.leaf_searchers():
        m = q.matcher(sub, context)
        while m.is_active():
            d = offset + m.id()
            if d != skip and d not in engine.deleted:
                scores.append((m.score(), d))
            m.next()
    if len(scores) > limit:  # the best `limit`, and every match tied with the last of them
        cut = heapq.nlargest(limit, (sd[0] for sd in scores))[-1]
        scores = [sd for sd in scores if sd[0] >= cut]
    found = [(s, searcher.stored_fields(d)["id"], d) for s, d in scores]
    found.sort(key=lambda sid: (-sid[0], sid[1]))
    return found[:limit]
