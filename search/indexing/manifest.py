"""What the index holds per source file, so unchanged files are never re-read.

One SQLite file per generation (`gen-NNNN.manifest.sqlite` beside `gen-NNNN/`):

    files(file_key, root, relpath, size, mtime_ns)   a file fully indexed as it was then
    articles(id, file_key, content_hash, path)       every article in the index
    copies(id, file_key, content_hash, path)         exact duplicates read but not indexed
    state(synced_toc)                                Whoosh TOC generation this reflects
    stories(id, story, content_hash, signature, published)  each article's story, MinHash
                                                     (indexing/stories.py)

The Whoosh index is the truth; the manifest is a cache of it. Each batch is
committed to Whoosh first (and fsynced), then to the manifest with the new TOC
generation. If the process dies between the two, the generations differ on the
next open and `articles` is rebuilt from the index's `id`/`content_hash`/
`file_key` columns; rows of `files` are only written in the same transaction
as their articles, so a file whose batch was lost has a stale or missing row
and is simply read again (its already-indexed articles then compare unchanged).

`copies` remembers which unchanged files hold an exact duplicate of an indexed
article, so that when the indexed copy is deleted or edited a copy elsewhere is
read again and takes its place (syndicated news has many: Reuters-21578 257).
Its rows for a file are replaced in the same transaction as the file's `files`
row, so they are exactly as current as the record that the file was read.
"""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FileState:
    file_key: str
    root: str
    relpath: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class IndexedArticle:
    id: str
    file_key: str
    content_hash: str
    path: str


_SCHEMA = """
CREATE TABLE IF NOT EXISTS files(file_key TEXT PRIMARY KEY, root TEXT NOT NULL,
    relpath TEXT NOT NULL, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS articles(id TEXT PRIMARY KEY, file_key TEXT NOT NULL,
    content_hash TEXT NOT NULL, path TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS articles_by_file ON articles(file_key);
CREATE INDEX IF NOT EXISTS articles_by_hash ON articles(content_hash);
CREATE TABLE IF NOT EXISTS copies(id TEXT PRIMARY KEY, file_key TEXT NOT NULL,
    content_hash TEXT NOT NULL, path TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS copies_by_file ON copies(file_key);
CREATE INDEX IF NOT EXISTS copies_by_hash ON copies(content_hash);
CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value INTEGER);
CREATE TABLE IF NOT EXISTS stories(id TEXT PRIMARY KEY, story TEXT NOT NULL,
    content_hash TEXT NOT NULL, signature BLOB, published INTEGER);
CREATE INDEX IF NOT EXISTS stories_by_story ON stories(story);
"""


# What a manifest raises when it cannot be read or written: SQLite's own classes, named
# here so that the manifest stays the only module that knows it is SQLite.
ManifestError = sqlite3.Error
ManifestWriteError = sqlite3.OperationalError  # a full disk, a read-only folder, a lock


def manifest_path(index_dir: str | os.PathLike[str], generation: str) -> Path:
    return Path(index_dir) / f"{generation}.manifest.sqlite"


class Manifest:
    def __init__(self, path: str | os.PathLike[str], readonly: bool = False):
        """`readonly`: for looking at a manifest without the writer lock (check, another
        generation's counts): nothing is created or written, not even its tables."""
        self.path = Path(path)
        if readonly:
            self.db = sqlite3.connect(f"{self.path.absolute().as_uri()}?mode=ro", uri=True)
            return
        self.db = sqlite3.connect(str(self.path), isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Manifest:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- consistency with the Whoosh index -------------------------------------------------
    def synced_toc(self) -> int | None:
        row = self.db.execute("SELECT value FROM state WHERE key='synced_toc'").fetchone()
        return row[0] if row else None

    def reconcile(self, ix) -> bool:
        """Rebuild `articles` from the index if the last commit was not recorded here."""
        toc = ix.latest_generation()
        if self.synced_toc() == toc:
            return False
        rows = list(indexed_articles(ix))
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("DELETE FROM articles")
            self.db.executemany("INSERT OR REPLACE INTO articles VALUES (?,?,?,?)",
                                [(a.id, a.file_key, a.content_hash, a.path) for a in rows])
            if "story" in ix.schema:  # story ids and MinHashes too (stories.py)
                from .stories import reconcile
                table = {r[0]: (r[1], r[2]) for r in
                         self.db.execute("SELECT id, story, content_hash FROM stories")}
                gone, stale = reconcile(ix, table)
                self.db.executemany("DELETE FROM stories WHERE id=?", [(i,) for i in gone])
                self.db.executemany("INSERT OR REPLACE INTO stories VALUES (?,?,?,?,?)", stale)
            self._set_toc(toc)
        return True

    def _set_toc(self, toc: int) -> None:
        self.db.execute("INSERT OR REPLACE INTO state VALUES ('synced_toc', ?)", (toc,))

    # -- reads ----------------------------------------------------------------------------
    def files(self) -> dict[str, FileState]:
        return {r[0]: FileState(*r) for r in self.db.execute(
            "SELECT file_key, root, relpath, size, mtime_ns FROM files")}

    def article(self, article_id: str) -> IndexedArticle | None:
        row = self.db.execute("SELECT id, file_key, content_hash, path FROM articles WHERE id=?",
                              (article_id,)).fetchone()
        return IndexedArticle(*row) if row else None

    def articles_of(self, file_key: str) -> dict[str, IndexedArticle]:
        return {r[0]: IndexedArticle(*r) for r in self.db.execute(
            "SELECT id, file_key, content_hash, path FROM articles WHERE file_key=?", (file_key,))}

    def with_hash(self, content_hash: str) -> list[IndexedArticle]:
        return [IndexedArticle(*r) for r in self.db.execute(
            "SELECT id, file_key, content_hash, path FROM articles WHERE content_hash=?",
            (content_hash,))]

    def copies_with_hash(self, content_hash: str) -> list[IndexedArticle]:
        return [IndexedArticle(*r) for r in self.db.execute(
            "SELECT id, file_key, content_hash, path FROM copies WHERE content_hash=?",
            (content_hash,))]

    def story_rows(self) -> Iterable[tuple[str, str, bytes | None, int | None]]:
        """(id, story, signature, published) of every article placed in a story."""
        return self.db.execute("SELECT id, story, signature, published FROM stories")

    def article_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def article_ids(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT id FROM articles")}

    def article_counts_by_file(self) -> dict[str, int]:
        """Articles indexed from each file (a file whose count changed is read again)."""
        return dict(self.db.execute("SELECT file_key, count(*) FROM articles GROUP BY file_key"))

    def roots(self) -> list[str]:
        """The corpus roots of the files recorded, sorted."""
        return [r[0] for r in self.db.execute("SELECT DISTINCT root FROM files ORDER BY root")]

    def has_root(self, root: str) -> bool:
        """Whether any file recorded lies under `root` (e.g. the pseudo-root of articles
        given from memory)."""
        return self.db.execute("SELECT 1 FROM files WHERE root=? LIMIT 1",
                               (root,)).fetchone() is not None

    # -- writes: one transaction per Whoosh commit --------------------------------------------
    def record_commit(self, toc: int, upserts: Iterable[IndexedArticle], deleted_ids: Iterable[str],
                      done_files: Iterable[FileState], gone_files: Iterable[str],
                      copies: Iterable[IndexedArticle] = (),
                      stories: Iterable[tuple[str, str, str, bytes | None, int | None]] = ()) -> None:
        """One batch: `copies` are the duplicates found in `done_files` (which replace the
        copies those files had before); a gone file's copies go with it. `stories`: the
        (id, story, content_hash, signature, published) of the articles written (stories.py); a
        deleted article's row goes with it."""
        deleted_ids = list(deleted_ids)
        done_files, gone_files = list(done_files), list(gone_files)
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("DELETE FROM articles WHERE id=?", [(i,) for i in deleted_ids])
            self.db.executemany("DELETE FROM stories WHERE id=?", [(i,) for i in deleted_ids])
            self.db.executemany("INSERT OR REPLACE INTO stories VALUES (?,?,?,?,?)", stories)
            self.db.executemany("INSERT OR REPLACE INTO articles VALUES (?,?,?,?)",
                                [(a.id, a.file_key, a.content_hash, a.path) for a in upserts])
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?)",
                                [(f.file_key, f.root, f.relpath, f.size, f.mtime_ns)
                                 for f in done_files])
            self.db.executemany("DELETE FROM files WHERE file_key=?", [(k,) for k in gone_files])
            self.db.executemany("DELETE FROM copies WHERE file_key=?",
                                [(k,) for k in [*(f.file_key for f in done_files), *gone_files]])
            self.db.executemany("INSERT OR REPLACE INTO copies VALUES (?,?,?,?)",
                                [(a.id, a.file_key, a.content_hash, a.path) for a in copies])
            self._set_toc(toc)


def indexed_articles(ix) -> Iterable[IndexedArticle]:
    """Every live document's id, hash and file, read from columns (no stored documents).

    Per segment, because Whoosh 2.7.4's multi-segment column reader is unreliable.
    """
    with ix.reader() as reader:
        for sub, _ in reader.leaf_readers():
            if sub.doc_count() == 0:
                continue
            ids = sub.column_reader("id")
            hashes = sub.column_reader("content_hash")
            files = sub.column_reader("file_key")
            for docnum in sub.all_doc_ids():
                yield IndexedArticle(_text(ids[docnum]), _text(files[docnum]),
                                     _text(hashes[docnum]), "")


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else (value or "")
