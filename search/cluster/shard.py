"""One shard of a sharded archive, served by a Ray actor: a normal news-search index
directory opened with `NewsIndex`, which it alone writes (its own single-writer lock).

The class is plain Python (Ray makes it an actor in client.py), so its methods are what
one shard does for each phase of a distributed search:
- `statistics`: the shard's counts for a query's words (search/engine/collection.py);
- `search`: the shard's first `end` matches in the archive's order, scored with the
  archive's statistics, and its counts (facets, totals), no snippets (cheap);
- `fetch`: the hits the merge chose, with snippets, scored again the same way;
and for the distributed build, `put` (an upsert in durable batches: a re-run after a
crash finds the articles already written unchanged, so nothing is written twice).
If the process dies, Ray starts a new one (max_restarts) and `__init__` opens the index
again from disk: the index is as of its last commit.
"""
from __future__ import annotations

import os
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from ..article import Article
from ..engine.collection import CollectionStats, ShardStatistics, local_statistics, using
from .merge import Ranked, ShardPage

MAX_PAGE = 1000  # NewsIndex.search's largest page
WRITE_BATCH = 2000  # articles per durable commit of a shard


class Shard:
    def __init__(self, name: str, index_dir: str):
        from ..api import NewsIndex

        self.name = name
        self.index_dir = Path(index_dir)
        self.ix = NewsIndex.open(index_dir)  # never create: a missing shard is an error, not empty
        # One write at a time inside the actor (its threads serve searches meanwhile): the
        # next batch waits here, not on the index's writer lock, whose wait is for others.
        self._writing = threading.Lock()
        self._vocabulary: tuple[Any, Any] | None = None  # (reader, did-you-mean lexicon)

    def ping(self) -> dict[str, Any]:
        import ray

        return {"shard": self.name, "pid": os.getpid(),
                "node": ray.get_runtime_context().get_node_id(), "articles": self.ix.doc_count,
                "rss_mb": _rss_mb()}

    def statistics(self, query: str, match: str, exact: bool, now: datetime) -> ShardStatistics:
        parsed = self.ix.parse(query, match=match, exact=exact, now=now)  # type: ignore[arg-type]
        return self.ix.with_engine(lambda engine: local_statistics(
            engine, parsed.query, self.ix.limits.max_expansions))

    def search(self, query: str, options: dict[str, Any], stats: CollectionStats,
               end: int) -> ShardPage:
        """The first `end` matches (pages of at most MAX_PAGE), with facets uncut."""
        ranked: list[Ranked] = []
        page, first = 1, None
        with using(stats):
            while True:
                size = min(end, MAX_PAGE)
                res = self.ix.search(query, **options, limit=size, page=page, snippets=False,
                                     suggest=False, facet_size=0, bodies=False)
                first = first or res
                every_word = res.total_all_words if res.match == "words" and \
                    res.total_all_words is not None else res.total
                for k, hit in enumerate(res.hits, start=(page - 1) * size):
                    ranked.append(Ranked(hit.id, hit.score, hit.published, k < every_word, hit))
                if len(ranked) >= end or page * size >= res.total:
                    break
                page += 1
                options = {**options, "facets": ()}  # counted once, on the first page
        return ShardPage(
            shard=self.name, ranked=ranked[:end], total=first.total,
            facets={name: [(v.value, v.count) for v in values]
                    for name, values in first.facets.items()},
            empty=self.ix.doc_count == 0, match=first.match,
            total_all_words=first.total_all_words, articles=first.articles,
            undated_articles=first.undated_articles, undated_matches=first.undated_matches,
            hints=list(first.hints))

    def fetch(self, query: str, options: dict[str, Any], stats: CollectionStats,
              ids: list[str], snippets: bool, bodies: bool) -> list[Any]:
        """The hits with these ids, as `search` shows them (snippets, bodies)."""
        with using(stats):
            res = self.ix.search(query, **{**options, "facets": (), "ids": ids}, limit=max(1, len(ids)),
                                 page=1, snippets=snippets, suggest=False, bodies=bodies)
        return list(res.hits)

    def query_words(self, query: str, match: str, exact: bool, now: datetime) -> tuple[Any, ...]:
        """Did-you-mean on an archive, first step (query/suggest.py): the query's words as
        parsed here, this shard's fields, and which of the terms that decide whether a
        word is unknown this shard knows."""
        from ..query.suggest import asked_pairs, candidate_words

        parsed = self.ix.parse(query, match=match, exact=exact, now=now)  # type: ignore[arg-type]

        def run(engine: Any) -> tuple[Any, ...]:
            lexicon = self._lexicon(engine.reader)
            candidates = candidate_words(parsed.words, lexicon.fields, self.ix.limits)
            return parsed.words, lexicon.fields, lexicon.known(asked_pairs(candidates))

        return self.ix.with_engine(run)

    def lexicon(self, question: str, items: list[Any]) -> Any:
        """One batched question of the archive's did-you-mean lexicon (word lists by first
        letter, document frequencies), answered from this shard's snapshot."""
        from ..query.suggest import answer

        return self.ix.with_engine(lambda engine: answer(self._lexicon(engine.reader), question, items))

    def _lexicon(self, reader: Any) -> Any:
        from ..query.suggest import IndexLexicon, Vocabulary

        cached = self._vocabulary
        if cached is None or cached[0] is not reader:  # word lists live as long as the snapshot
            cached = self._vocabulary = (reader, IndexLexicon(reader, Vocabulary(reader)))
        return cached[1]

    def put(self, articles: list[Article]) -> dict[str, Any]:
        """Upsert articles in durable batches; the run's counts and skips."""
        from ..indexing.indexer import WriteSettings

        with self._writing:
            run = self.ix.upsert(articles, alerts=False, wait=60.0,
                                 settings=WriteSettings(batch_size=WRITE_BATCH, procs=1))
        return {"added": run.added, "updated": run.updated, "unchanged": run.unchanged,
                "skipped": list(run.skipped), "changed": list(run.changed_ids)}

    def remove(self, ids: list[str]) -> int:
        """Delete articles no corpus file holds any more (`reindex`); how many were."""
        from ..indexing.indexer import WriteSettings

        with self._writing:
            run = self.ix.delete(ids, wait=60.0,
                                 settings=WriteSettings(batch_size=WRITE_BATCH, procs=1))
        return run.deleted

    def get(self, article_id: str) -> Article | None:
        return self.ix.get(article_id)

    def similar(self, article_id: str, limit: int) -> Any:
        return self.ix.similar(article_id, limit)

    # `similar` over the whole archive (similar.py): the article's words, every shard's
    # counts of them, then every shard's best matches scored with the archive's numbers
    def similar_vector(self, article_id: str) -> dict[str, float] | None:
        from .similar import text_vector

        def run(engine: Any) -> dict[str, float] | None:
            docnum = engine.searcher.document_number(id=article_id)
            if docnum is None:
                return None
            stored = engine.searcher.stored_fields(docnum)
            return text_vector(engine, f"{stored.get('headline', '')}\n{stored.get('body', '')}")

        return self.ix.with_engine(run)

    def similar_statistics(self, words: list[str]) -> Any:
        from .similar import word_statistics

        return self.ix.with_engine(lambda engine: word_statistics(engine, words))

    def similar_search(self, terms: list[tuple[str, float]], stats: Any, exclude: str | None,
                       limit: int) -> list[tuple[float, Any]]:
        """(score, hit) of this shard's best `limit` (hits as NewsIndex.similar makes them)."""
        from ..api import _hit
        from .similar import score_terms

        def run(engine: Any) -> list[tuple[float, Any]]:
            found = score_terms(engine, terms, stats, exclude, limit)
            return [(score, _hit(engine.searcher.stored_fields(d), score, set(), 0))
                    for score, _, d in found]

        return self.ix.with_engine(run)

    def articles(self) -> dict[str, str]:
        """Every live article's id and content hash, from the index's columns (tests,
        `news-search cluster status`)."""
        from ..indexing.manifest import indexed_articles
        from ..indexing.store import open_index

        return {a.id: a.content_hash for a in indexed_articles(open_index(self.index_dir).ix)}

    def doc_count(self) -> int:
        return self.ix.doc_count


def _rss_mb() -> float | None:
    """This process's resident memory in MB (Linux), for `cluster status` and the bench."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None
