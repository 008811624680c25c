"""Distributed indexing: Ray tasks read files anywhere in the cluster, shard actors write.

The driver lists the files (discover, as `news-search index` does), sends each file to a
Ray task that reads it into Articles (ingestion: decoding, cleaning, dates, language),
and takes the results back in the files' order, so that the first copy of an exact
duplicate is the one a single index keeps and later copies are skipped with the same
reason. Each article goes to the shard its id routes to (archive.py), in batches, as an
upsert: the shard analyses and writes it in durable commits under its own writer lock.

Why a killed build finishes with no duplicates and nothing lost when run again: ids come
from where an article lives, and routing from the id, so a re-run sends every article to
the shard that may already hold it; an upsert of an article with the same id and content
costs nothing, a shard killed mid-commit is as of its last commit (the index's crash
safety), and a parse task on a lost node is retried by Ray (max_retries). At most
IN_FLIGHT files are being read and PUTS_IN_FLIGHT batches per shard being written, so
the driver's memory is bounded whatever the corpus size.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..article import Article
from ..ingest import IngestOptions
from ..ingest.records import Skip

IN_FLIGHT = 8        # files being read at once (enough to keep 2 nodes x 2 cores busy)
BATCH = 1000         # articles sent to a shard per call
PUTS_IN_FLIGHT = 2   # batches per shard sent and not yet written
PARSE_RETRIES = 3    # a read task lost with its node is run again


@dataclass
class BuildReport:
    """What one distributed build did (the counts `news-search index` prints)."""

    files: int = 0
    articles: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: list[Skip] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    per_shard: dict[str, int] = field(default_factory=dict)  # articles routed to each shard

    def to_dict(self) -> dict[str, Any]:
        return {"files": self.files, "articles": self.articles, "added": self.added,
                "updated": self.updated, "unchanged": self.unchanged, "deleted": self.deleted,
                "skipped": [s.to_dict() for s in self.skipped], "errors": list(self.errors),
                "per_shard": dict(self.per_shard)}


def read_file(sf: Any, options: IngestOptions) -> list[Article | Skip]:
    """Everything one source file holds (runs in a Ray task, on any node)."""
    from ..ingest.read import read_source

    return list(read_source(sf, options))


def build(cluster: Any, paths: Sequence[Path], *, ingest: IngestOptions | None = None,
          progress: Callable[[BuildReport], None] | None = None,
          delete_gone: bool = False) -> BuildReport:
    """Index `paths` into the sharded archive of `cluster` (a ClusterIndex). `delete_gone`
    (`reindex`): then delete the articles no file produced any more, unless a root was
    missing or a file could not be read (its articles are kept, as on one index)."""
    from ..indexing.indexer import MISSING_ROOT
    from ..ingest.discover import discover

    ray = cluster._ray  # noqa: SLF001 - the connection the ClusterIndex made
    options = ingest or IngestOptions()
    report = BuildReport()
    files = []
    for item in discover([str(p) for p in paths], options):
        if isinstance(item, Skip):
            report.skipped.append(item)
            if item.reason == MISSING_ROOT:
                report.errors.append(f"{item.path}: corpus root missing: its articles are kept")
        else:
            files.append(item)
    report.files = len(files)
    task = ray.remote(num_cpus=1, max_retries=PARSE_RETRIES)(read_file)
    archive = cluster.archive
    buffers: dict[str, list[Article]] = {s: [] for s in archive.shards}
    puts: dict[str, deque[Any]] = {s: deque() for s in archive.shards}
    seen_ids: dict[str, str] = {}
    seen_hashes: dict[str, str] = {}
    produced: dict[str, set[str]] = {s: set() for s in archive.shards}

    # Articles a shard skipped as an exact copy of one it holds: when `delete_gone` then
    # deletes that one (its file is gone), the copy is written after all, as one index
    # promotes a remaining copy. (The driver already skipped copies within this run.)
    retry: dict[str, list[Article]] = {s: [] for s in archive.shards}

    def finish(shard: str, ref: Any, batch: list[Article]) -> None:
        done = ray.get(ref)
        report.added += done["added"]
        report.updated += done["updated"]
        report.unchanged += done["unchanged"]
        copies = {s.path for s in done["skipped"] if s.reason.startswith("exact duplicate of")}
        if delete_gone and copies:
            retry[shard].extend(a for a in batch if (a.path or a.id) in copies)
        report.skipped.extend(s for s in done["skipped"] if not (delete_gone and s.path in copies))

    def send(shard: str) -> None:
        batch, buffers[shard] = buffers[shard], []
        if not batch:
            return
        while len(puts[shard]) >= PUTS_IN_FLIGHT:
            finish(shard, *puts[shard].popleft())
        puts[shard].append((cluster.actor(shard).put.remote(batch), batch))

    pending: deque[Any] = deque()
    queue = iter(files)
    for sf in queue:
        pending.append((sf, task.remote(sf, options)))
        if len(pending) >= IN_FLIGHT:
            break
    while pending:
        sf, ref = pending.popleft()
        nxt = next(queue, None)
        if nxt is not None:
            pending.append((nxt, task.remote(nxt, options)))
        try:
            items = ray.get(ref)
        except ray.exceptions.RayError as exc:
            report.errors.append(f"{sf.relpath}: reading failed: {type(exc).__name__}")
            continue
        for item in items:
            if isinstance(item, Skip):
                report.skipped.append(item)
                continue
            report.articles += 1
            if item.id in seen_ids:
                report.skipped.append(Skip(item.path, f"same id as {seen_ids[item.id]} (two roots "
                                                      "with the same folder name?)"))
                continue
            seen_ids[item.id] = item.path
            first = seen_hashes.get(item.content_hash)
            if first is not None:
                report.skipped.append(Skip(item.path, f"exact duplicate of {first}"))
                continue
            seen_hashes[item.content_hash] = item.path
            shard = archive.shard_for(item.id)
            report.per_shard[shard] = report.per_shard.get(shard, 0) + 1
            produced[shard].add(item.id)
            buffers[shard].append(item)
            if len(buffers[shard]) >= BATCH:
                send(shard)
        if progress:
            progress(report)
    for shard in archive.shards:
        send(shard)
        while puts[shard]:
            finish(shard, *puts[shard].popleft())
    if delete_gone and not report.errors:
        for shard, held in cluster.articles().items():
            gone = sorted(set(held) - produced[shard])
            if gone:
                report.deleted += ray.get(cluster.actor(shard).remove.remote(gone))
        delete_gone = False  # the copies' second put reports its skips
        for shard, copies in retry.items():
            if copies:
                finish(shard, cluster.actor(shard).put.remote(copies), copies)
    elif delete_gone:  # nothing deleted: the copies stay skipped, with their reasons
        report.skipped.extend(Skip(a.path or a.id, "exact duplicate of an indexed article")
                              for copies in retry.values() for a in copies)
    return report
