"""`ARCHIVE/files.sqlite`: what each corpus file produced, so that `index` and `reindex` on
an archive skip the files that did not change, as one index skips them (its manifest's
file records, search/indexing/manifest.py).

One row per file (root, relpath): its size and mtime_ns when it was read, and the
articles it produced, in order, each [id, content hash, path, kept] (kept: routed to a
shard rather than skipped as a copy). A file whose size and mtime are unchanged is not
read again: its articles are replayed through the build's router (build.py), which
decides copies and ids exactly as reading the file would, and the shards are not called.

Crash safety: rows are written in one SQLite transaction after the run's batches are
committed by the shards, and only for a run that read every file it meant to (not an
interrupted one), so a row never claims what no shard holds. Still, a row is trusted
only if every article it kept is in its shard with that content hash (a shard rebuilt,
restored or damaged since): else the file is read again. And a row whose file's copy
would now be kept (the first copy's file was deleted) is read again, to write it.
"""
from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

RECORDS_FILE = "files.sqlite"

Recorded = list[tuple[str, str, str, bool]]  # [(id, content hash, path, kept)] in file order


class FileRecords:
    def __init__(self, archive_root: str | os.PathLike[str]):
        self.path = Path(archive_root) / RECORDS_FILE
        self.db = sqlite3.connect(self.path, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS files (root TEXT, relpath TEXT, size INTEGER, "
                        "mtime_ns INTEGER, articles TEXT, PRIMARY KEY (root, relpath))")

    def unchanged(self, sf: Any) -> Recorded | None:
        """The file's recorded articles if its size and mtime are those recorded, else None."""
        row = self.db.execute("SELECT size, mtime_ns, articles FROM files WHERE root = ? AND "
                              "relpath = ?", (sf.root, sf.relpath)).fetchone()
        if row is None or (row[0], row[1]) != (sf.size, sf.mtime_ns):
            return None
        return [(i, h, p, bool(k)) for i, h, p, k in json.loads(row[2])]

    def record(self, read: Iterable[tuple[Any, Recorded]], gone: Iterable[tuple[str, str]] = ()) -> None:
        """Replace the rows of the files read, and drop those of files gone (one transaction)."""
        with self.db:
            self.db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                [(sf.root, sf.relpath, sf.size, sf.mtime_ns, json.dumps(arts)) for sf, arts in read])
            self.db.executemany("DELETE FROM files WHERE root = ? AND relpath = ?", list(gone))

    def keys_under(self, roots: Iterable[str]) -> set[tuple[str, str]]:
        wanted = list(roots)
        return {(r, p) for r, p in self.db.execute("SELECT root, relpath FROM files")
                if r in wanted}

    def close(self) -> None:
        self.db.close()
