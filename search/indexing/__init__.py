"""Indexing: corpus files -> a Whoosh index that stays correct under change, crashes and concurrency.

Programs use `search.NewsIndex` (`ix.index`, `ix.reindex`, `ix.add`...: search/library.py),
which adds alert delivery and articles from memory; these functions are the layer below:

    run = index_paths("index", ["corpus/"])          # add new, update changed
    run = reindex("index")                            # + delete what is gone
    run = reindex("index", full=True)                 # new generation, atomic switch
    stats = index_stats("index")

Every writer takes the index directory's lock (IndexLockedError after `wait`
seconds); `should_stop()` is checked between batches: when True the run
commits what it has and returns with outcome "interrupted".

The writer machinery (multiprocessing, ingestion, SQLite) loads on first use:
searching imports `search.indexing.schema` and `.store` and must not pay for it
(nor for the ingest options' dataclass: `ingest=None` means the defaults).
"""
from __future__ import annotations

import os
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..ingest import IngestOptions
    from .indexer import Progress, ShouldStop, WriteSettings
    from .report import IndexRun


def index_paths(index_dir: str | os.PathLike[str], paths: list[str | os.PathLike[str]], *,
                ingest: IngestOptions | None = None, wait: float = 0.0,
                progress: Progress | None = None, should_stop: ShouldStop | None = None,
                settings: WriteSettings | None = None) -> IndexRun:
    """Add new and update changed articles under `paths` (recorded as corpus roots)."""
    from ..ingest import IngestOptions
    from .indexer import WriteSettings, run_incremental
    return run_incremental(index_dir, [str(p) for p in paths], kind="index",
                           ingest=ingest or IngestOptions(),
                           wait=wait, progress=progress, should_stop=should_stop,
                           settings=settings or WriteSettings())


def reindex(index_dir: str | os.PathLike[str], *, full: bool = False,
            ingest: IngestOptions | None = None, wait: float = 0.0,
            progress: Progress | None = None, should_stop: ShouldStop | None = None,
            settings: WriteSettings | None = None, allow_shrink: bool = False,
            drop_missing_roots: bool = False) -> IndexRun:
    """Rescan the recorded roots: add, update, delete. `full`: rebuild into a new generation.

    A full rebuild is published only if every root is present and it keeps at least
    90% of the current articles (RebuildRefusedError otherwise): `allow_shrink` accepts
    a smaller archive, `drop_missing_roots` forgets roots that are gone."""
    from ..ingest import IngestOptions
    from .indexer import WriteSettings, run_full, run_incremental
    settings, ingest = settings or WriteSettings(), ingest or IngestOptions()
    if full:
        return run_full(index_dir, ingest=ingest, wait=wait, progress=progress,
                        should_stop=should_stop, settings=settings, allow_shrink=allow_shrink,
                        drop_missing_roots=drop_missing_roots)
    return run_incremental(index_dir, None, kind="reindex", ingest=ingest, wait=wait,
                           progress=progress, should_stop=should_stop, settings=settings)


_LAZY = {"index_stats": ".stats", "IndexRun": ".report", "WriteSettings": ".indexer",
         "RunProgress": ".indexer", "IndexHandle": ".store", "open_index": ".store",
         "current_generation": ".store", "read_meta": ".store"}

__all__ = ["index_paths", "reindex", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
