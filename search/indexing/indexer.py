"""One indexing run: decide what changed, parse it in parallel, write it in batches.

Per source file the manifest remembers (size, mtime_ns) and the ids it produced:
- size and mtime unchanged: the file is not read at all (a plain-text file's include
  its metadata sidecar's, ingest/discover.py);
- new or changed: it is read; each article is compared by id and content hash:
  new id -> add, other hash -> update, same hash -> skipped without analysis (except a
  plain-text file's one article, rewritten: its header and sidecar are outside the hash);
  ids the file produced before but not now -> deleted;
- (reindex) a file gone from a recorded root -> its articles are deleted.

Exact duplicates are skipped but remembered (manifest `copies`): when the
indexed copy of an article is deleted or edited, the unchanged files holding
another copy are read again in the same run, so the story stays searchable.

Batches: every `batch_size` written or deleted articles the Whoosh writer
commits, the commit is fsynced, then recorded in the manifest. A kill loses at
most the batch in flight; the next run reconciles the manifest with the index
and completes the work (see manifest.py for the crash windows).

A `reindex --full` publishes its new generation only when nothing says it lost
articles: every recorded root was there from the start to the end of the run,
and it holds at least (1 - MAX_SHRINK) of the current generation's articles
unless the caller allows a shrink. Otherwise the new generation is removed and
the current one stays in use (an unmounted disk once switched to an empty index).

Articles given from memory (`NewsIndex.add/upsert/delete`, `run_memory`) have no
file, so each gets a pseudo-file of its own: a manifest `files` row with root
API_ROOT ("api:") and relpath = the article id, file_key = api_file_key(id). No
scan ever finds that root, so `reindex` never deletes them (a key is deleted
only when its root was scanned), and `reindex --full`, which reads only the
corpus roots, first carries them over from the current generation's stored
fields into the new one. They take part in duplicate detection like any file's
articles: a file article with the same content is skipped as a copy of them
(and promoted when they are deleted); one given from memory that duplicates an
indexed article is skipped with the same "exact duplicate of" reason.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..article import Article
from ..engine.codec import NewsCodec
from ..engine.segwriter import index_writer
from ..errors import RebuildRefusedError, StorageError, describe_os_error, describe_sqlite_error
from ..ingest import IngestOptions, Skip, SourceFile
from ..ingest.discover import discover
from .durable import DirectorySyncer
from .feed import NOT_SIGNED, parsed_chunks
from .lock import WriterLock
from .manifest import FileState, IndexedArticle, Manifest, ManifestError, ManifestWriteError, manifest_path
from .report import IndexRun
from .runs import append_run
from .schema import document_for, file_key, fit_to_schema
from .store import (
    META_FILE,
    IndexHandle,
    create_index,
    generation_number,
    generations_on_disk,
    next_generation,
    open_generation,
    open_index,
    read_meta,
    remove_generation,
    set_roots,
    switch_generation,
)

Progress = Callable[["RunProgress"], None]
ShouldStop = Callable[[], bool]

# A full rebuild that comes out with more than this share fewer articles than the
# current generation is not published without `allow_shrink`: deleting a tenth of
# an archive between two rebuilds is rare, a root on an unmounted disk is not.
MAX_SHRINK = 0.10
MISSING_ROOT = "no such file or directory"
# The pseudo-root of articles given from memory (see the module docstring). Not a path:
# a scanned root is always absolute, so it can never be mistaken for one.
API_ROOT = "api:"


def api_file_key(article_id: str) -> str:
    """The pseudo-file of an article given from memory: one per id, so that upserting or
    deleting it touches exactly that article."""
    return file_key(API_ROOT, article_id)


@dataclass(frozen=True)
class WriteSettings:
    """How a run uses the machine. Memory is bounded by these, not by corpus size."""

    batch_size: int = 5000  # articles written (or deleted) per durable commit
    procs: int = field(default_factory=lambda: max(1, os.cpu_count() or 1))  # writer processes
    parse_workers: int = 1  # processes parsing source files (analysis happens in `procs`)
    limitmb: int = 128  # each writer process's postings buffer (spilled to disk past it)
    durable: bool = True  # fsync every commit (Whoosh never does)
    merge_every_batch: bool = False  # let Whoosh merge segments at every batch commit


@dataclass
class RunProgress:
    """Reported after every chunk of articles (200), not only after each file: one
    archive may hold a whole corpus (SaudiNewsNet: one tar, 300 s)."""

    files_done: int
    files_total: int
    articles: int  # articles read so far (indexed, unchanged or skipped)
    bytes_done: int = 0  # of the files to read, on disk (inside an archive too)
    bytes_total: int = 0


def _now() -> datetime:
    return datetime.now(timezone.utc)


class BatchWriter:
    """A Whoosh writer that commits every `batch_size` changes, durably, then records them."""

    def __init__(self, handle: IndexHandle, manifest: Manifest, settings: WriteSettings):
        self.handle = handle
        self.manifest = manifest
        self.settings = settings
        self.syncer = DirectorySyncer(handle.path, enabled=settings.durable)
        self._w = None
        self._changes = 0
        self._upserts: list[IndexedArticle] = []
        self._deleted: list[str] = []
        self._done_files: list[FileState] = []
        self._gone_files: list[str] = []
        self._copies: list[IndexedArticle] = []
        self.commits = 0
        self.stories = None  # the run's StoryClusters (stories.py), when the index has stories

    def _writer(self):
        if self._w is None:
            s = self.settings
            self._w = index_writer(self.handle.ix, s.procs, limitmb=s.limitmb, timeout=10.0,
                                   codec=NewsCodec())
        return self._w

    @property
    def full(self) -> bool:
        return self._changes >= self.settings.batch_size

    def write(self, doc: dict, row: IndexedArticle, replace: bool) -> None:
        w = self._writer()
        fit_to_schema(doc, w.schema)  # an index written before a field was added lacks it
        if replace:
            w.update_document(**doc)
        else:
            w.add_document(**doc)
        self._upserts.append(row)
        self._changes += 1

    def delete(self, ids: Iterable[str]) -> int:
        n = 0
        for i in ids:
            self._writer().delete_by_term("id", i)
            self._deleted.append(i)
            n += 1
        self._changes += n
        return n

    def file_done(self, state: FileState, copies: Iterable[IndexedArticle] = ()) -> None:
        self._done_files.append(state)
        self._copies.extend(copies)

    def file_gone(self, key: str) -> None:
        self._gone_files.append(key)

    def commit(self, final: bool = False) -> None:
        """`final`: the run's last commit. Earlier ones skip Whoosh's merge step: merging
        after every batch re-writes the same postings again and again (measured: see
        bench/README.md); the final commit lets Whoosh merge the small segments once."""
        if self._w is not None:
            w, self._w = self._w, None
            try:
                w.commit(merge=final or self.settings.merge_every_batch)
            except BaseException:
                try:
                    w.cancel()  # else Whoosh keeps its lock for the life of this process
                except Exception:  # noqa: BLE001 - on a full disk cancel fails too (struct.error)
                    pass
                raise
            self.syncer.sync_new_files()
            self.commits += 1
        self.manifest.record_commit(self.handle.ix.latest_generation(), self._upserts,
                                    self._deleted, self._done_files, self._gone_files,
                                    self._copies,
                                    self.stories.take_pending() if self.stories else ())
        self._upserts, self._deleted, self._done_files, self._gone_files = [], [], [], []
        self._copies = []
        self._changes = 0

    def cancel(self) -> None:
        if self._w is not None:
            w, self._w = self._w, None
            try:
                w.cancel()
            except Exception:  # noqa: BLE001 - already failing; the lock dies with us anyway
                pass


class Run:
    """The state of one run; `execute` is the whole algorithm of the module docstring."""

    def __init__(self, handle: IndexHandle, manifest: Manifest, record: IndexRun,
                 settings: WriteSettings, ingest: IngestOptions, progress: Progress | None,
                 should_stop: ShouldStop | None):
        self.handle, self.manifest, self.record = handle, manifest, record
        self.settings, self.ingest = settings, ingest
        self.progress, self.should_stop = progress, should_stop
        self.writer = BatchWriter(handle, manifest, settings)
        self.seen_ids: dict[str, str] = {}
        self.seen_hashes: dict[str, str] = {}
        self.rereading: set[str] = set()
        self.present: dict[str, SourceFile] = {}  # every file found under the scanned roots
        self.lost_hashes: set[str] = set()  # content no longer indexed under its old id
        self.missing_roots: set[str] = set()
        self.stopped = False
        # Into an empty manifest (a first build, `reindex --full`) every row is this run's,
        # and this run's ids and hashes are in seen_ids/seen_hashes: no lookups needed.
        self.fresh = manifest.article_count() == 0
        self.stories = self.writer.stories = _story_clusters(handle, manifest)

    def _stop_requested(self) -> bool:
        return bool(self.should_stop and self.should_stop())

    def execute(self, roots: Sequence[str], delete_gone: bool) -> None:
        known = self.manifest.files()
        counts = self.manifest.article_counts_by_file()
        to_read: list[SourceFile] = []
        present = self.present
        missing_roots = self.missing_roots
        for item in discover(roots, self.ingest):
            if isinstance(item, Skip):
                self.record.skipped.append(item)
                if item.reason == MISSING_ROOT:
                    missing_roots.add(str(Path(item.path).absolute()))
                continue
            key = file_key(item.root, item.relpath)
            present[key] = item
            old = known.get(key)
            if old and old.size == item.size and old.mtime_ns == item.mtime_ns:
                self.record.unchanged += counts.get(key, 0)
                continue
            to_read.append(item)
            self.rereading.add(key)
        if delete_gone:
            scanned = {str(Path(r).absolute()) for r in roots} - missing_roots
            for key in sorted((set(known) | set(counts)) - set(present)):
                # A key with no `files` row is from a file whose reading was cut short
                # by a crash; its root is unknown, and it is not under any present root.
                if key in known and known[key].root == API_ROOT or \
                        key not in known and self._from_memory(key):
                    continue  # given from memory: no file to be gone
                if key not in known or known[key].root in scanned:
                    self.rereading.add(key)
                    self._delete(self.manifest.articles_of(key).values())
                    self.writer.file_gone(key)
        self._read_files(to_read)
        if not self.stopped:
            self._read_files(self._files_with_lost_copies())
        self.writer.commit(final=True)

    def _from_memory(self, key: str) -> bool:
        """A key with no `files` row (a crash between Whoosh's commit and the manifest's)
        is an in-memory article's if it is its id's pseudo-file."""
        return any(api_file_key(r.id) == key for r in self.manifest.articles_of(key).values())

    # -- articles given from memory (NewsIndex.add/upsert/delete, reindex --full's carry-over)
    def put(self, articles: Iterable[Article], replace: bool) -> None:
        """Index articles given from memory, each as its own pseudo-file (module docstring).

        Existing id: unchanged content is counted unchanged; other content replaces it only
        when `replace` (upsert), else it is skipped. An id that a corpus file produced is
        never taken over (the file would silently win at its next change)."""
        for a in articles:
            self._put_one(a, replace)
            if self.writer.full:
                self.writer.commit()

    def _put_one(self, a: Article, replace: bool) -> None:
        key = api_file_key(a.id)
        where = a.path or a.id
        if a.id in self.seen_ids:
            self.record.skipped.append(Skip(where, f"same id as {self.seen_ids[a.id]} "
                                                   "(given twice in one call)"))
            return
        self.seen_ids[a.id] = where
        old = None if self.fresh else self.manifest.article(a.id)
        if old is not None and old.file_key != key:
            self.record.skipped.append(Skip(where, f"id {a.id} is an article read from a "
                                                   "corpus file: give another id"))
            return
        if old is not None and old.content_hash == a.content_hash:
            self.seen_hashes.setdefault(a.content_hash, where)
            self.record.unchanged += 1
            return
        if old is not None and not replace:
            self.record.skipped.append(Skip(where, f"id {a.id} is already in the index "
                                                   "(upsert replaces it)"))
            return
        self.rereading.add(key)  # its old content is no duplicate source for itself
        dup = self._duplicate_of(a)
        if dup is not None:
            self.record.skipped.append(Skip(where, f"exact duplicate of {dup}"))
            if old is not None:  # upserted into a copy of another article: drop the old one
                self._delete([old])
                self.writer.file_gone(key)
            return
        self.seen_hashes[a.content_hash] = where
        doc = document_for(a)
        doc["file_key"] = key
        if self.stories is not None:
            doc["story"] = self.stories.assign(a.id, a.content_hash, a.body, a.published)
        if old is not None:
            self.lost_hashes.add(old.content_hash)
        self.writer.write(doc, IndexedArticle(a.id, key, a.content_hash, a.path),
                          replace=old is not None)
        self.writer.file_done(FileState(key, API_ROOT, a.id, 0, 0))
        if old is None:
            self.record.added += 1
        else:
            self.record.updated += 1
        self.record.changed_ids.append(a.id)

    def remove(self, ids: Iterable[str]) -> None:
        """Delete articles given from memory; an unknown id, or one a corpus file produced
        (it would come back from its file), is a skip with its reason."""
        for i in ids:
            row = self.manifest.article(i)
            if row is None:
                self.record.skipped.append(Skip(i, "no article with this id"))
            elif row.file_key != api_file_key(i):
                self.record.skipped.append(Skip(i, "read from a corpus file: delete or edit "
                                                   "the file, then reindex"))
            else:
                self.rereading.add(row.file_key)
                self._delete([row])
                self.writer.file_gone(row.file_key)
            if self.writer.full:
                self.writer.commit()

    def promote_copies(self) -> None:
        """After in-memory changes: re-read the unchanged files that hold a copy of content
        no longer indexed (the `copies` promotion of a scan, without scanning)."""
        known = self.manifest.files()
        keys = {c.file_key for h in self.lost_hashes for c in self.manifest.copies_with_hash(h)}
        for state in (known[k] for k in sorted(keys) if k in known):
            sf = _source_file(state)
            if sf is not None:
                self.present[state.file_key] = sf
        self._read_files(self._files_with_lost_copies())

    def _delete(self, rows: Iterable[IndexedArticle]) -> None:
        rows = list(rows)
        if self.stories is not None:
            for r in rows:
                self.stories.remove(r.id)
        self.lost_hashes.update(r.content_hash for r in rows)
        self.record.deleted += self.writer.delete(r.id for r in rows)

    def _files_with_lost_copies(self) -> list[SourceFile]:
        """Unchanged files holding a copy of content this run removed from the index."""
        keys: set[str] = set()
        for h in sorted(self.lost_hashes):
            if h in self.seen_hashes:
                continue  # indexed again under another id in this run
            keys.update(c.file_key for c in self.manifest.copies_with_hash(h)
                        if c.file_key not in self.rereading and c.file_key in self.present)
        self.rereading.update(keys)
        return [self.present[k] for k in sorted(keys)]

    def _read_files(self, files: list[SourceFile]) -> None:
        articles = 0
        bytes_total = sum(sf.size for sf in files)
        bytes_before = 0  # of the files finished
        previous: dict[str, IndexedArticle] = {}
        produced: set[str] = set()
        copies: list[IndexedArticle] = []
        started_unit = -1
        sign = self.stories.sign if self.stories is not None else None
        for chunk in parsed_chunks(files, self.ingest, self.settings.parse_workers, sign):
            sf = files[chunk.unit]
            key = file_key(sf.root, sf.relpath)
            if chunk.unit != started_unit:
                started_unit = chunk.unit
                previous = self.manifest.articles_of(key)
                produced = set()
                copies = []
            signatures = chunk.signatures or [NOT_SIGNED] * len(chunk.items)
            for item, signature in zip(chunk.items, signatures):
                articles += 1
                if isinstance(item, Skip):
                    self.record.skipped.append(item)
                else:
                    self._article(item, key, previous, produced, copies, signature)
                if self.writer.full:
                    self.writer.commit()
                    if self._stop_requested():
                        self.stopped = True
                        return
            if not chunk.last:
                if self.progress:
                    done = bytes_before + min(max(chunk.bytes_read, 0), sf.size)
                    self.progress(RunProgress(chunk.unit, len(files), articles, done, bytes_total))
                continue
            bytes_before += sf.size
            if chunk.error:
                self.record.errors.append(f"{sf.relpath}: reading failed: {chunk.error}")
            else:
                self._delete(row for i, row in previous.items() if i not in produced)
                self.writer.file_done(FileState(key, sf.root, sf.relpath, sf.size, sf.mtime_ns),
                                      copies)
            if self.progress:
                self.progress(RunProgress(chunk.unit + 1, len(files), articles, bytes_before,
                                          bytes_total))
            if self._stop_requested():
                self.stopped = True
                return

    def _duplicate_of(self, article: Article) -> str | None:
        first = self.seen_hashes.get(article.content_hash)
        if first is not None or self.fresh:
            return first
        for other in self.manifest.with_hash(article.content_hash):
            if other.id != article.id and other.file_key not in self.rereading:
                return other.path or other.id
        return None

    def _article(self, a: Article, key: str, previous: dict[str, IndexedArticle],
                 produced: set[str], copies: list[IndexedArticle],
                 signature: bytes | None = NOT_SIGNED) -> None:
        if a.id in self.seen_ids:
            self.record.skipped.append(Skip(a.path, f"same id as {self.seen_ids[a.id]} (two roots "
                                                    "with the same folder name?)"))
            return
        self.seen_ids[a.id] = a.path
        old = previous.get(a.id) or (None if self.fresh else self.manifest.article(a.id))
        # A plain-text file holds one article whose metadata (header block, sidecar) the
        # content hash does not cover: re-read means changed, and rewriting it costs one article.
        if old is not None and old.content_hash == a.content_hash and old.file_key == key \
                and a.provenance.get("format") != "text":
            produced.add(a.id)
            self.seen_hashes.setdefault(a.content_hash, a.path)
            self.record.unchanged += 1
            return
        dup = self._duplicate_of(a)
        if dup is not None:
            self.record.skipped.append(Skip(a.path, f"exact duplicate of {dup}"))
            copies.append(IndexedArticle(a.id, key, a.content_hash, a.path))
            return
        produced.add(a.id)
        self.seen_hashes[a.content_hash] = a.path
        doc = document_for(a)
        doc["file_key"] = key
        if self.stories is not None:
            doc["story"] = self.stories.assign(a.id, a.content_hash, a.body, a.published,
                                               signature)
        if old is not None and old.content_hash != a.content_hash:
            self.lost_hashes.add(old.content_hash)
        self.writer.write(doc, IndexedArticle(a.id, key, a.content_hash, a.path),
                          replace=old is not None)
        if old is None:
            self.record.added += 1
        else:
            self.record.updated += 1
        self.record.changed_ids.append(a.id)


def _close_stories(run: Run | None) -> None:
    """The run is over: its story state, frozen out of the garbage collector's sight while
    it ran (stories.py `StoryClusters._settle`), is collectable again."""
    if run is not None and run.stories is not None:
        run.stories.close()


def _story_clusters(handle: IndexHandle, manifest: Manifest):
    """The stories of the generation being written, or None for an index built before
    story clusters (its schema has no `story` field: `reindex --full` adds it)."""
    if "story" not in handle.ix.schema:
        return None
    from .stories import StoryClusters  # numpy: only for writing

    return StoryClusters(manifest.story_rows)


def _source_file(state: FileState) -> SourceFile | None:
    """The file a manifest row describes, as discovery would give it (with its metadata
    sidecar), if it still exists."""
    from ..ingest.discover import root_name, source_file

    root = Path(state.root)
    path = root if root.is_file() else root / state.relpath
    try:
        return source_file(state.root, root_name(root), state.relpath, str(path))
    except OSError:
        return None


def _absolute_roots(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    return [str(Path(p).absolute()) for p in paths]


def _merge_roots(old: list[str], new: list[str]) -> list[str]:
    return list(dict.fromkeys([*old, *new]))


def _open_for_write(index_dir: Path, create: bool) -> IndexHandle:
    if not (index_dir / META_FILE).exists():
        if not create:
            read_meta(index_dir)  # raises IndexNotFoundError with the how-to
        return create_index(index_dir)
    return open_index(index_dir)


def _finish(index_dir: Path, record: IndexRun, outcome: str) -> IndexRun:
    record.outcome = outcome
    record.finished = _now()
    try:
        append_run(index_dir, record.to_dict())
    except OSError as exc:
        record.errors.append(f"could not record the run in {index_dir}: {exc}")
    return record


def run_incremental(index_dir: str | os.PathLike[str], roots: list[str] | None, *, kind: str,
                    ingest: IngestOptions, wait: float, progress: Progress | None,
                    should_stop: ShouldStop | None, settings: WriteSettings) -> IndexRun:
    """`index PATH...` (roots given, added to the recorded ones) or `reindex` (roots=None)."""
    index_dir = Path(index_dir)
    if roots is None and not (index_dir / META_FILE).exists():
        read_meta(index_dir)
    with WriterLock(index_dir, wait):
        handle = _open_for_write(index_dir, create=roots is not None)
        meta = read_meta(index_dir)
        if roots is not None:
            set_roots(index_dir, _merge_roots(meta.get("roots", []), _absolute_roots(roots)))
            scan = _absolute_roots(roots)
        else:
            scan = list(meta.get("roots", []))
        record = IndexRun(started=_now(), kind=kind)
        run = _run_on_current(index_dir, handle, record, settings, ingest, progress, should_stop,
                              lambda run: run.execute(scan, delete_gone=roots is None))
        record.errors.extend(
            f"{r}: root is missing (an unmounted disk?); its articles were kept (mount it, "
            f"or remove them with `news-search reindex --full --drop-missing-roots`)"
            for r in sorted(run.missing_roots))
        return _finish(index_dir, record, "interrupted" if run.stopped else "ok")


def _run_on_current(index_dir: Path, handle: IndexHandle, record: IndexRun,
                    settings: WriteSettings, ingest: IngestOptions, progress: Progress | None,
                    should_stop: ShouldStop | None, work: Callable[[Run], None]) -> Run:
    """`work` on the current generation with its manifest brought up to date first; a
    failure cancels the writer (else Whoosh keeps its lock) and is recorded, then raised."""
    manifest = Manifest(manifest_path(index_dir, handle.generation))
    run = None
    try:
        manifest.reconcile(handle.ix)
        run = Run(handle, manifest, record, settings, ingest, progress, should_stop)
        work(run)
    except BaseException as exc:
        if run is not None:
            run.writer.cancel()
        record.errors.append(f"{type(exc).__name__}: {exc}")
        _finish(index_dir, record, "failed")
        raise
    finally:
        _close_stories(run)
        manifest.close()
    return run


def _storage_errors(fn: Callable[..., IndexRun]) -> Callable[..., IndexRun]:
    """A disk fault (full, read-only, not ours) is one documented error naming the path.

    Whoosh and SQLite raise plain OSError; the run has already been cancelled and
    recorded, and the index is as of its last commit."""

    @functools.wraps(fn)
    def wrapper(index_dir: str | os.PathLike[str], *args: object, **kwargs: object) -> IndexRun:
        doing = f"cannot write the index at {index_dir}"
        try:
            return fn(index_dir, *args, **kwargs)
        except OSError as exc:
            raise StorageError(describe_os_error(exc, doing)
                               + "; the index is as of its last commit") from exc
        except ManifestWriteError as exc:  # the manifest: SQLite names no errno
            raise StorageError(describe_sqlite_error(exc, doing)
                               + "; the index is as of its last commit") from exc

    return wrapper


run_incremental = _storage_errors(run_incremental)


@_storage_errors
def run_memory(index_dir: str | os.PathLike[str], *, articles: Iterable[Article] = (),
               delete: Iterable[str] = (), replace: bool, create: bool, kind: str,
               ingest: IngestOptions, wait: float, settings: WriteSettings) -> IndexRun:
    """Add (`replace=False`), upsert (`replace=True`) or delete articles given from memory,
    under the writer lock, in durable batches like any run (see `Run.put`)."""
    index_dir = Path(index_dir)
    with WriterLock(index_dir, wait):
        handle = _open_for_write(index_dir, create=create)
        record = IndexRun(started=_now(), kind=kind)

        def work(run: Run) -> None:
            run.remove(delete)
            run.put(articles, replace=replace)
            run.promote_copies()
            run.writer.commit(final=True)

        _run_on_current(index_dir, handle, record, settings, ingest, None, None, work)
        return _finish(index_dir, record, "ok")


def _has_memory_files(index_dir: Path, generation: str) -> bool:
    """Whether a generation's manifest records articles given from memory (True when it
    cannot tell: a rebuild that may have lost some must say so)."""
    path = manifest_path(index_dir, generation)
    if not path.exists():
        return False
    try:
        with Manifest(path, readonly=True) as manifest:
            return manifest.has_root(API_ROOT)
    except (ManifestError, OSError):
        return True


def _memory_articles(index_dir: Path, generation: str) -> Iterable[Article]:
    """The in-memory articles of a generation, rebuilt from its stored fields (for the
    carry-over of `reindex --full`): found by their pseudo-file key in the `file_key`
    column, so a stale manifest cannot hide one."""
    from .manifest import indexed_articles
    from .schema import article_from_stored

    if not generation or not (index_dir / generation).is_dir():
        return
    ix = open_generation(index_dir, generation)
    ids = [r.id for r in indexed_articles(ix) if r.file_key == api_file_key(r.id)]
    if not ids:
        return
    with ix.searcher() as searcher:
        for i in ids:
            fields = searcher.document(id=i)
            if fields:
                yield article_from_stored(fields)


def _article_count(index_dir: Path, generation: str) -> int | None:
    """Articles in a generation: its Whoosh index, else its manifest, else unknown."""
    if generation and (index_dir / generation).is_dir():
        try:
            return open_generation(index_dir, generation).doc_count()
        except Exception:  # noqa: BLE001 - damaged or older format: ask the manifest
            pass
    path = manifest_path(index_dir, generation) if generation else None
    if path is not None and path.exists():
        try:
            with Manifest(path, readonly=True) as manifest:
                return manifest.article_count()
        except ManifestError:  # a damaged manifest too: the count is unknown
            pass
    return None


def _refusal(index_dir: Path, run: Run, roots: list[str], before: int | None,
             allow_shrink: bool) -> str | None:
    """Why the new generation must not replace the current one, or None."""
    missing = sorted(run.missing_roots | {r for r in roots if not Path(r).exists()})
    if missing:
        return (f"corpus root {', '.join(missing)} is missing (an unmounted disk?): the rebuild "
                f"would lose its articles, so the current generation is kept; mount it and run "
                f"again, or remove it from the roots with `news-search reindex --full "
                f"--drop-missing-roots`")
    after = run.handle.ix.doc_count()
    if before and not allow_shrink and after < before * (1 - MAX_SHRINK):
        return (f"the rebuild holds {after:,} articles, the current generation {before:,} "
                f"({(before - after) / before:.0%} fewer): the current generation is kept; if "
                f"those articles are really gone, run again with --allow-shrink")
    return None


@_storage_errors
def run_full(index_dir: str | os.PathLike[str], *, ingest: IngestOptions, wait: float,
             progress: Progress | None, should_stop: ShouldStop | None,
             settings: WriteSettings, allow_shrink: bool = False,
             drop_missing_roots: bool = False) -> IndexRun:
    """Build the next generation from the recorded roots; switch to it only when complete
    and when it lost nothing (see the module docstring)."""
    index_dir = Path(index_dir)
    meta = read_meta(index_dir)  # works whatever the schema version: this is the way out
    with WriterLock(index_dir, wait):
        meta = read_meta(index_dir)
        current = meta.get("generation", "")
        for name in generations_on_disk(index_dir):  # leftovers of a killed --full
            if current and generation_number(name) > generation_number(current):
                remove_generation(index_dir, name)
        roots = list(meta.get("roots", []))
        record = IndexRun(started=_now(), kind="reindex --full")
        if drop_missing_roots:
            kept = [r for r in roots if Path(r).exists()]
            record.errors.extend(f"{r}: root is missing; removed from the corpus roots"
                                 for r in roots if r not in kept)
            roots = kept
        before = _article_count(index_dir, current)
        generation = next_generation(index_dir)
        handle = create_index(index_dir, generation)
        manifest = Manifest(manifest_path(index_dir, generation))
        run = None
        try:
            run = Run(handle, manifest, record, settings, ingest, progress, should_stop)
            carry_error = None
            try:  # first, so that a file's copy of one is a skipped duplicate as before
                run.put(_memory_articles(index_dir, current), replace=False)
            except Exception as exc:  # noqa: BLE001 - a damaged generation must still be rebuilt
                if _has_memory_files(index_dir, current):  # else nothing was lost: no noise
                    carry_error = (f"articles added from Python could not be carried over "
                                   f"from {current} ({type(exc).__name__}: {exc})")
            run.execute(roots, delete_gone=False)
        except BaseException as exc:
            if run is not None:
                run.writer.cancel()
            _close_stories(run)
            manifest.close()
            remove_generation(index_dir, generation)
            record.errors.append(f"{type(exc).__name__}: {exc}")
            _finish(index_dir, record, "failed")
            raise
        _close_stories(run)
        manifest.close()
        if run.stopped:
            remove_generation(index_dir, generation)
            record.errors.append("interrupted before the new generation was complete; "
                                 "the current one is still in use")
            return _finish(index_dir, record, "interrupted")
        refusal = _refusal(index_dir, run, roots, None if drop_missing_roots else before,
                           allow_shrink)
        if carry_error and not refusal:
            if not allow_shrink:  # they exist nowhere else: publishing would lose them
                refusal = (f"{carry_error}: the current generation is kept; to rebuild without "
                           f"them, run again with --allow-shrink")
            else:
                record.errors.append(f"{carry_error}: rebuilt without them (--allow-shrink)")
        if refusal:
            remove_generation(index_dir, generation)
            record.errors.append(refusal)
            _finish(index_dir, record, "refused")
            raise RebuildRefusedError(refusal)
        if drop_missing_roots:
            set_roots(index_dir, roots)
        switch_generation(index_dir, generation)
        return _finish(index_dir, record, "ok")


__all__ = ["WriteSettings", "RunProgress", "run_incremental", "run_full", "run_memory",
           "API_ROOT", "api_file_key"]
