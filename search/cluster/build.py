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

Unchanged files are not read again (filerecords.py: what each file produced, written
after the shards committed it, replayed through the same router), as one index skips
them by its manifest's file records.

A run (`run_build`) is what `index` and `reindex` are on one index: under the archive's
writer lock (`writer.lock` in the archive folder: two builds at once would let one's
`reindex` delete what the other just added), recorded in the archive's `runs.jsonl`
(what `stats` shows), stopped between files by `should_stop` (the scheduler's SIGTERM:
the batches in flight are committed, the files not read yet wait for the next run), and
followed by the archive's alert delivery.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..article import Article
from ..indexing.report import IndexRun
from ..ingest import IngestOptions
from ..ingest.records import Skip

IN_FLIGHT = 8        # files being read at once (enough to keep 2 nodes x 2 cores busy)
BATCH = 1000         # articles sent to a shard per call
PUTS_IN_FLIGHT = 2   # batches per shard sent and not yet written
PARSE_RETRIES = 3    # a read task lost with its node is run again


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class BuildReport(IndexRun):
    """What one distributed build did: an `IndexRun` (the record one index keeps, so the
    scheduler's log line, `stats` and alert delivery read it alike) plus the files read
    and the articles routed to each shard."""

    started: datetime = field(default_factory=_now)
    files: int = 0
    articles: int = 0
    per_shard: dict[str, int] = field(default_factory=dict)  # articles routed to each shard


@dataclass(frozen=True)
class _Recorded:
    """What routing reads of an article: an unchanged file's record stands for it."""

    id: str
    content_hash: str
    path: str


class Router:
    """Which shard each article of a build goes to, in file order: the first copy of an
    id or of an exact content wins, as on one index; later ones are skips. Pure, so the
    build and a shard's rebuild (rebuild.py) route alike.

    `indexed` (content hash -> id of the article the archive holds with it): for `index`,
    where, as on one index, an indexed article stays the first copy of its content, and a
    copy in the files read (under another id) is skipped, whichever shard it routes to.
    (`reindex` and rebuilds decide by file order alone: they see every file.)"""

    def __init__(self, archive: Any, indexed: dict[str, str] | None = None):
        self.archive = archive
        self.indexed = indexed or {}
        self.seen_ids: dict[str, str] = {}
        self.seen_hashes: dict[str, str] = {}
        self.produced: dict[str, set[str]] = {s: set() for s in archive.shards}

    def _held_copy(self, article_id: str, digest: str) -> str | None:
        held = self.indexed.get(digest)
        return held if held is not None and held != article_id else None

    def replay(self, recorded: Sequence[tuple[str, str, str, bool]]) -> bool:
        """Route an unchanged file's recorded articles (filerecords.py) as reading it would;
        False, with nothing routed, if one of its copies would now be kept: its content
        must then be read and written (the file holding the first copy is gone)."""
        ids: set[str] = set()
        hashes: set[str] = set()
        for article_id, digest, _, kept in recorded:
            if article_id in self.seen_ids or article_id in ids:
                continue
            ids.add(article_id)
            if digest in self.seen_hashes or digest in hashes or self._held_copy(article_id, digest):
                continue
            hashes.add(digest)
            if not kept:
                return False
        for article_id, digest, path, _ in recorded:
            self.route(_Recorded(article_id, digest, path))
        return True

    def route(self, item: Article | _Recorded) -> str | Skip:
        if item.id in self.seen_ids:
            return Skip(item.path, f"same id as {self.seen_ids[item.id]} (two roots with the "
                                   "same folder name?)")
        self.seen_ids[item.id] = item.path
        first = self.seen_hashes.get(item.content_hash)
        if first is not None:
            return Skip(item.path, f"exact duplicate of {first}")
        held = self._held_copy(item.id, item.content_hash)
        if held is not None:
            return Skip(item.path, f"exact duplicate of indexed article {held}")
        self.seen_hashes[item.content_hash] = item.path
        shard = self.archive.shard_for(item.id)
        self.produced[shard].add(item.id)
        return shard


def read_file(sf: Any, options: IngestOptions) -> list[Article | Skip]:
    """Everything one source file holds (runs in a Ray task, on any node)."""
    from ..ingest.read import read_source

    return list(read_source(sf, options))


def build(cluster: Any, paths: Sequence[Path], *, ingest: IngestOptions | None = None,
          progress: Callable[[BuildReport], None] | None = None,
          delete_gone: bool = False, should_stop: Callable[[], bool] | None = None,
          report: BuildReport | None = None,
          targets: dict[str, Any] | None = None, records: Any = None) -> BuildReport:
    """Index `paths` into the sharded archive of `cluster` (a ClusterIndex). `delete_gone`
    (`reindex`): then delete the articles no file produced any more, unless a root was
    missing or a file could not be read (its articles are kept, as on one index).

    `should_stop()` is asked after each file: when true, no further file is read, the
    batches already sent are committed, and the report's outcome is "interrupted".
    `targets` (shard -> an actor with `put`): write only these shards' articles, to these
    actors (a rebuild's new generations); every article is still routed, so duplicates
    across shards are decided as in a build of the whole archive. `records` (a
    filerecords.FileRecords): files unchanged since they were recorded are not read, and
    the files read are recorded once their articles are committed."""
    from ..errors import NewsSearchError
    from ..indexing.indexer import MISSING_ROOT
    from ..ingest.discover import discover
    from .errors import ShardUnavailableError

    ray = cluster._ray  # noqa: SLF001 - the connection the ClusterIndex made
    options = ingest or IngestOptions()
    report = report if report is not None else BuildReport()
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
    writers = targets if targets is not None else {s: None for s in archive.shards}
    buffers: dict[str, list[Article]] = {s: [] for s in writers}
    puts: dict[str, deque[Any]] = {s: deque() for s in writers}
    plan, held = _plan(cluster, files, records)
    indexed = None
    if not delete_gone and targets is None and files:  # `index`: indexed copies come first
        held = held if held is not None else cluster.articles()
        indexed = {digest: article_id for part in held.values()
                   for article_id, digest in part.items()}
    router = Router(archive, indexed)

    # Articles a shard skipped as an exact copy of one it holds: when `delete_gone` then
    # deletes that one (its file is gone), the copy is written after all, as one index
    # promotes a remaining copy. (The driver already skipped copies within this run.)
    retry: dict[str, list[Article]] = {s: [] for s in writers}

    def writer(shard: str) -> Any:
        return writers[shard] or cluster.actor(shard)

    def finish(shard: str, ref: Any, batch: list[Article]) -> None:
        try:
            done = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:
            cause = getattr(exc, "cause", None)
            if isinstance(cause, NewsSearchError):  # the shard's own error (disk full, lock)
                raise cause from None
            raise
        except ray.exceptions.RayError as exc:  # the actor died or is restarting
            raise ShardUnavailableError(
                f"shard {shard} of the archive at {archive.root} failed during the build "
                f"({type(exc).__name__}): run it again when Ray has restarted the shard; what "
                f"was committed stays and nothing is written twice", [shard]) from None
        report.added += done["added"]
        report.updated += done["updated"]
        report.unchanged += done["unchanged"]
        report.changed_ids.extend(done.get("changed", ()))
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
        puts[shard].append((writer(shard).put.remote(batch), batch))

    read_rows: list[tuple[Any, list[tuple[str, str, str, bool]]]] = []

    def start(entry: tuple[Any, Any]) -> tuple[Any, Any, Any]:
        sf, recorded = entry
        return sf, None if recorded is not None else task.remote(sf, options), recorded

    pending: deque[Any] = deque()
    queue = iter(plan)
    for entry in queue:
        pending.append(start(entry))
        if len(pending) >= IN_FLIGHT:
            break
    stopped = False
    while pending:
        if should_stop is not None and should_stop():
            stopped = True
            for _, ref, _ in pending:  # not read: the next run reads them
                if ref is not None:
                    ray.cancel(ref)
            break
        sf, ref, recorded = pending.popleft()
        nxt = next(queue, None)
        if nxt is not None:
            pending.append(start(nxt))
        if recorded is not None:
            if router.replay(recorded):  # unchanged: nothing to read or write
                for article_id, _, _, kept in recorded:
                    report.articles += 1
                    shard = archive.shard_for(article_id)
                    if kept and article_id in router.produced[shard]:
                        report.per_shard[shard] = report.per_shard.get(shard, 0) + 1
                        report.unchanged += 1
                if progress:
                    progress(report)
                continue
            ref = task.remote(sf, options)  # a copy to promote: read it after all
        try:
            items = ray.get(ref)
        except ray.exceptions.RayError as exc:
            report.errors.append(f"{sf.relpath}: reading failed: {type(exc).__name__}")
            continue
        row: list[tuple[str, str, str, bool]] = []
        for item in items:
            if isinstance(item, Skip):
                report.skipped.append(item)
                continue
            report.articles += 1
            shard = router.route(item)
            row.append((item.id, item.content_hash, item.path, not isinstance(shard, Skip)))
            if isinstance(shard, Skip):
                report.skipped.append(shard)
                continue
            report.per_shard[shard] = report.per_shard.get(shard, 0) + 1
            if shard not in writers:
                continue
            buffers[shard].append(item)
            if len(buffers[shard]) >= BATCH:
                send(shard)
        read_rows.append((sf, row))
        if progress:
            progress(report)
    for shard in writers:
        send(shard)
        while puts[shard]:
            finish(shard, *puts[shard].popleft())
    report.outcome = "interrupted" if stopped else "ok"
    if delete_gone and not report.errors and not stopped:
        for shard, held_now in (held if held is not None else cluster.articles()).items():
            gone = sorted(set(held_now) - router.produced[shard])
            if gone:
                report.deleted += ray.get(cluster.actor(shard).remove.remote(gone))
        delete_gone = False  # the copies' second put reports its skips
        for shard, copies in retry.items():
            if copies:
                finish(shard, cluster.actor(shard).put.remote(copies), copies)
    elif delete_gone:  # nothing deleted: the copies stay skipped, with their reasons
        report.skipped.extend(Skip(a.path or a.id, "exact duplicate of an indexed article")
                              for copies in retry.values() for a in copies)
    if records is not None and not stopped:  # every batch is committed: record the files read
        gone: set[tuple[str, str]] = set()
        if delete_gone and not report.errors:
            gone = records.keys_under(str(p) for p in paths) - {(sf.root, sf.relpath) for sf in files}
        records.record(read_rows, gone)
    return report


def _plan(cluster: Any, files: list[Any], records: Any) -> tuple[list[tuple[Any, Any]], Any]:
    """(file, its recorded articles if it need not be read) in file order, and, when some
    were recorded, every shard's {id: content hash} that vouched for them (reused by
    `reindex` to find the articles gone). A record is trusted only if each article it
    kept is in its shard with its content hash (filerecords.py)."""
    if records is None:
        return [(sf, None) for sf in files], None
    plan = [(sf, records.unchanged(sf)) for sf in files]
    if all(rec is None for _, rec in plan):
        return plan, None
    held = cluster.articles()
    archive = cluster.archive

    def holds(rec: list[tuple[str, str, str, bool]]) -> bool:
        return all(held[archive.shard_for(i)].get(i) == h for i, h, _, kept in rec if kept)

    return [(sf, rec if rec is not None and holds(rec) else None) for sf, rec in plan], held


def run_build(cluster: Any, roots: Sequence[str] | None, *, ingest: IngestOptions | None,
              wait: float, progress: Callable[[BuildReport], None] | None,
              should_stop: Callable[[], bool] | None, alerts: bool) -> BuildReport:
    """`index` (`roots` given: recorded in the archive manifest first, as one index records
    its roots before reading them) or `reindex` (None: the recorded roots, gone articles
    deleted), run as one index runs it (module docstring): under the archive's writer lock
    (IndexLockedError after `wait` s), recorded in its `runs.jsonl` (a failed run too,
    then raised), then the alerts delivered (`alerts`; a delivery failure is kept in
    `report.delivery_error`, the articles are indexed)."""
    import dataclasses

    from ..errors import NewsSearchError
    from ..indexing.lock import WriterLock
    from ..indexing.runs import append_run
    from .archive import read_archive, write_archive
    from .errors import ClusterError
    from .filerecords import FileRecords

    root = cluster.archive.root
    report = BuildReport(kind="index" if roots is not None else "reindex")
    with WriterLock(root, wait):
        archive = read_archive(root)  # again, under the lock: another run may have added roots
        known = list(archive.roots)
        if roots is None:
            if not known:
                raise ClusterError(f"the archive at {root} has no corpus roots yet: index some "
                                   f"with `news-search index PATH --index-dir ARCHIVE`")
            scan = known
        else:
            scan = [str(Path(p).absolute()) for p in roots]
            if any(r not in known for r in scan):
                archive = dataclasses.replace(archive, roots=tuple(known + [
                    r for r in scan if r not in known]))
                write_archive(archive)
        cluster.archive = archive
        records = FileRecords(root)
        try:
            build(cluster, [Path(p) for p in scan], ingest=ingest, progress=progress,
                  should_stop=should_stop, delete_gone=roots is None, report=report,
                  records=records)
        except BaseException as exc:
            report.outcome, report.finished = "failed", _now()
            report.errors.append(f"{type(exc).__name__}: {exc}")
            append_run(root, report.to_dict())
            raise
        finally:
            records.close()
        report.finished = _now()
        try:
            append_run(root, report.to_dict())
        except OSError as exc:
            report.errors.append(f"could not record the run in {root}: {exc}")
    if alerts and report.outcome in ("ok", "interrupted"):
        try:
            report.deliveries = cluster.alerts.deliver(report)
        except NewsSearchError as exc:
            report.delivery_error = str(exc)
    return report
