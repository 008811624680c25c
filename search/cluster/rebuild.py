"""Rebuilding shards of a sharded archive into new generations: `reindex --full` (every
shard) and `check --repair` (the damaged ones), as one index rebuilds itself.

Every article of an archive comes from its corpus roots, so a shard is rebuilt by
reading the roots again (Ray tasks, build.py) and keeping the articles routed to it;
every article is still routed, so exact duplicates across shards are decided as in a
build of the whole archive. Each rebuilt shard is written by a temporary shard actor
into a staging index in `ARCHIVE/.rebuild/SHARD/`, then published into the shard's
folder as its next generation (the folder and its manifest renamed in, then the
shard's metadata switched to it: one atomic rename, search/indexing/store.py). The
shard's actor, which searches the old generation meanwhile, sees the switch at its next
search, as a `NewsIndex` does after `reindex --full`.

Nothing is published that lost articles (one index's rule, search/indexing/indexer.py):
a corpus root missing or a file that could not be read, or, without `allow_shrink`,
over MAX_SHRINK fewer articles than the shards held, refuses the rebuild
(RebuildRefusedError) and the current generations stay. Shards are switched one after
the other (not all at one instant); all are rebuilt from the same read of the roots, so
between two switches a search sees the same articles, old and new generations mixed.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import IndexDamagedError, IndexNotFoundError, NewsSearchError, RebuildRefusedError, StorageError
from ..ingest import IngestOptions
from .build import BuildReport, _now, build

STAGING = ".rebuild"
PUBLISH_WAIT = 60.0  # seconds to wait for a shard's writer lock (a shard writes only in builds)


def _count(shard_dir: Path) -> int | None:
    """Articles in the shard's current generation, None when it cannot be read."""
    from ..indexing.store import open_index

    try:
        with open_index(shard_dir) as handle:
            return handle.ix.doc_count()
    except Exception:  # noqa: BLE001 - damaged: its count is unknown
        return None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(staged: Path, shard_dir: Path) -> str:
    """Move the staged index's generation into the shard folder as its next generation and
    switch to it; the new generation's name. A shard whose metadata is unreadable or gone
    gets new metadata first (the generations on disk are kept until the switch)."""
    from ..indexing.lock import WriterLock
    from ..indexing.schema import SCHEMA_VERSION
    from ..indexing.store import (
        generations_on_disk,
        next_generation,
        read_meta,
        switch_generation,
        write_meta,
    )

    shard_dir.mkdir(parents=True, exist_ok=True)
    with WriterLock(shard_dir, PUBLISH_WAIT):
        try:
            read_meta(shard_dir)
        except (IndexNotFoundError, IndexDamagedError, StorageError):
            current = (generations_on_disk(shard_dir) or ["gen-0000"])[-1]
            write_meta(shard_dir, {"schema_version": SCHEMA_VERSION, "generation": current,
                                   "roots": []})
        staged_gen = read_meta(staged)["generation"]
        generation = next_generation(shard_dir)
        os.rename(staged / staged_gen, shard_dir / generation)
        for suffix in ("", "-wal", "-shm"):
            source = staged / f"{staged_gen}.manifest.sqlite{suffix}"
            if source.exists():
                os.rename(source, shard_dir / f"{generation}.manifest.sqlite{suffix}")
        _fsync_dir(shard_dir)
        switch_generation(shard_dir, generation)
    return generation


def rebuild_shards(cluster: Any, shards: Sequence[str] | None, *, kind: str,
                   ingest: IngestOptions | None = None, wait: float = 0.0,
                   allow_shrink: bool = False, drop_missing_roots: bool = False,
                   alerts: bool = True) -> BuildReport:
    """Rebuild `shards` (None: every shard) of `cluster`'s archive from its corpus roots
    into new generations (module docstring). Under the archive's writer lock; the run is
    recorded in the archive's runs.jsonl (kind `kind`), then the alerts are delivered.
    RebuildRefusedError when the rebuild would lose articles."""
    import dataclasses

    from ..api import NewsIndex
    from ..indexing.lock import WriterLock
    from ..indexing.runs import append_run
    from .archive import read_archive, write_archive
    from .errors import ClusterError
    from .shard import Shard

    ray = cluster._ray  # noqa: SLF001 - the connection the ClusterIndex made
    root = cluster.archive.root
    report = BuildReport(kind=kind)
    with WriterLock(root, wait):
        archive = read_archive(root)
        cluster.archive = archive
        targets = list(archive.shards if shards is None else shards)
        roots = list(archive.roots)
        if not roots:
            raise ClusterError(f"the archive at {root} has no corpus roots to rebuild from: "
                               f"index some with `news-search index PATH --index-dir ARCHIVE`")
        if drop_missing_roots:
            kept = [r for r in roots if Path(r).exists()]
            report.errors.extend(f"{r}: root is missing; removed from the corpus roots"
                                 for r in roots if r not in kept)
            roots = kept
        staging = root / STAGING
        shutil.rmtree(staging, ignore_errors=True)  # a killed rebuild's leftovers
        staging.mkdir()
        actors: dict[str, Any] = {}
        try:
            for shard in targets:
                NewsIndex.create(staging / shard).close()
                actors[shard] = ray.remote(Shard).options(num_cpus=0, max_concurrency=2).remote(
                    shard, str(staging / shard))
            dropped = len(report.errors)
            build(cluster, [Path(r) for r in roots], ingest=ingest, report=report, targets=actors)
            lost = report.errors[dropped:]
            before = {s: _count(archive.shard_dir(s)) for s in targets}
            after = {s: _count(staging / s) or 0 for s in targets}
            refusal = _refusal(lost, before, after, allow_shrink)
            if refusal:
                report.errors.append(refusal)
                report.outcome = "refused"
                raise RebuildRefusedError(refusal)
            for actor in actors.values():  # the staged indexes are closed before the move
                ray.kill(actor, no_restart=True)
            actors.clear()
            for shard in targets:
                publish(staging / shard, archive.shard_dir(shard))
            report.per_shard = dict(after)
            # Every article was re-added: alerts decide what is new by content hashes
            # (delivery.py ignores a full rebuild's list).
            report.changed_ids.clear()
            report.added = sum(after.values())
            if drop_missing_roots and roots != list(archive.roots):
                cluster.archive = dataclasses.replace(archive, roots=tuple(roots))
                write_archive(cluster.archive)
        except BaseException as exc:
            if report.outcome != "refused":
                report.outcome = "failed"
                report.errors.append(f"{type(exc).__name__}: {exc}")
            report.finished = _now()
            append_run(root, report.to_dict())
            raise
        finally:
            for actor in actors.values():
                ray.kill(actor, no_restart=True)
            shutil.rmtree(staging, ignore_errors=True)
        report.outcome, report.finished = "ok", _now()
        append_run(root, report.to_dict())
    if alerts:
        try:
            report.deliveries = cluster.alerts.deliver(report)
        except NewsSearchError as exc:
            report.delivery_error = str(exc)
    return report


def _refusal(lost: list[str], before: dict[str, int | None], after: dict[str, int],
             allow_shrink: bool) -> str | None:
    """Why the rebuilt shards must not be published, or None (one index's rule)."""
    from ..indexing.indexer import MAX_SHRINK

    if lost:
        return (f"{lost[0]}{f' (and {len(lost) - 1} more)' if len(lost) > 1 else ''}: the rebuild "
                f"would lose articles, so the current generations are kept; mount the root "
                f"and run again, or drop it with --drop-missing-roots")
    known = [s for s, n in before.items() if n]
    was = sum(before[s] or 0 for s in known)
    now = sum(after[s] for s in known)
    if was and not allow_shrink and now < was * (1 - MAX_SHRINK):
        return (f"the rebuild holds {now:,} articles, the shards {', '.join(known)} {was:,} "
                f"({(was - now) / was:.0%} fewer): the current generations are kept; if those "
                f"articles are really gone, run again with --allow-shrink")
    return None
