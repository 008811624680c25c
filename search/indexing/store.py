"""Where an index lives on disk, and opening it safely.

This module owns `news-search.json` (schema version, current generation, corpus
roots) and the generation folders `gen-NNNN/`; every entry of an index directory,
with the module that writes it, is in search/engine/FORMAT.md's table. Code outside
search/indexing/ reads an index through an `IndexHandle` (its version, content
hashes, ids) or `NewsIndex`, never through Whoosh or SQLite itself.

A full rebuild writes the next generation beside the current one and switches
by atomically replacing news-search.json, so readers never see a half-built index;
`GenerationWatch` is how a long-lived reader notices the switch.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

from whoosh import index as whoosh_index

from ..engine.mapped import NewsFileStorage
from ..errors import (
    IndexDamagedError,
    IndexNotFoundError,
    SchemaVersionError,
    StorageError,
    describe_os_error,
)
from .durable import replace_file
from .schema import SCHEMA_VERSION, build_schema

META_FILE = "news-search.json"
REBUILD_HINT = "run `news-search check --repair` to rebuild it from the corpus roots"
T = TypeVar("T")


@dataclass(frozen=True)
class IndexHandle:
    """An open Whoosh index plus which generation it is."""

    index_dir: Path
    generation: str
    ix: Any  # whoosh.index.FileIndex

    @property
    def path(self) -> Path:
        return self.index_dir / self.generation

    def version(self) -> str:
        """Changes whenever anything was committed: the generation and Whoosh's TOC number
        (one TOC read, no segment opened)."""
        return f"{self.generation}:{self.ix.latest_generation()}"

    def content_hashes(self) -> set[str]:
        """Content hashes in the `content_hash` lexicon: a term list, no stored document
        loaded. It may still hold deleted documents' hashes until a merge drops them."""
        with self.ix.reader() as reader:
            return {t.decode("utf-8") if isinstance(t, bytes) else t
                    for t in reader.lexicon("content_hash")}

    def ids_with_hashes(self, hashes: Iterable[str]) -> set[str]:
        """Ids of the live articles with these content hashes (deleted ones excluded)."""
        hashes = list(hashes)
        if not hashes:
            return set()
        ids = set()
        with self.ix.searcher() as searcher:
            for h in hashes:
                for docnum in searcher.document_numbers(content_hash=h):
                    ids.add(searcher.stored_fields(docnum)["id"])
        return ids

    def close(self) -> None:
        self.ix.close()

    def __enter__(self) -> IndexHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_meta(index_dir: str | os.PathLike[str]) -> dict[str, Any]:
    path = Path(index_dir) / META_FILE
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise IndexNotFoundError(
            f"no index at {index_dir}: build one with `news-search index PATH --index-dir {index_dir}`"
        ) from None
    except OSError as exc:
        raise StorageError(describe_os_error(exc, "cannot read the index metadata")) from None
    except ValueError as exc:
        raise IndexDamagedError(f"index at {index_dir} is damaged: {path.name} is not valid JSON "
                                f"({exc}); {REBUILD_HINT}") from None


def write_meta(index_dir: str | os.PathLike[str], meta: dict[str, Any]) -> None:
    """Atomic and durable (durable.py): readers see the old metadata or the new, whole."""
    replace_file(Path(index_dir) / META_FILE,
                 json.dumps(meta, indent=2, sort_keys=True).encode("utf-8"))


def current_generation(index_dir: str | os.PathLike[str]) -> str:
    return read_meta(index_dir)["generation"]


class GenerationWatch:
    """Tells a long-lived reader when `reindex --full` made another generation current.

    A switch rewrites news-search.json (`switch_generation`), so its mtime and size
    are stat-ed first and the file is read only when they changed."""

    def __init__(self, index_dir: str | os.PathLike[str]):
        self.index_dir = Path(index_dir)
        self._stamp = self._stat()

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.index_dir / META_FILE)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def switched_from(self, generation: str) -> bool:
        """True when the current generation is no longer `generation`."""
        stamp = self._stat()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        return read_meta(self.index_dir).get("generation") != generation


def check_version(index_dir: str | os.PathLike[str], meta: dict[str, Any]) -> None:
    found = meta.get("schema_version")
    if found != SCHEMA_VERSION:
        raise SchemaVersionError(
            f"the index at {index_dir} has schema version {found}, this news-search uses "
            f"{SCHEMA_VERSION}: rebuild it with `news-search reindex --full --index-dir {index_dir}`"
        )


# A writer's commit renames in a new TOC and deletes the old one (and any segments it
# merged away). A reader that listed the old TOC just before may then find it gone:
# reading again picks up the new commit. Whoosh's `FileIndex.reader()` (so every
# searcher) already retries like this; opening the index (`FileIndex.__init__` reads
# the TOC once) does not. Each attempt re-reads the directory, so a few are enough
# unless commits land back to back for the whole time.
OPEN_ATTEMPTS = 20


def read_latest(read: Callable[[], T]) -> T:
    """`read()` (open an index), again if a commit removed its files meanwhile."""
    for attempt in range(OPEN_ATTEMPTS):
        try:
            return read()
        except FileNotFoundError:
            if attempt == OPEN_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def open_index(index_dir: str | os.PathLike[str]) -> IndexHandle:
    index_dir = Path(index_dir)
    meta = read_meta(index_dir)
    check_version(index_dir, meta)
    gen = meta.get("generation")
    if not isinstance(gen, str) or not (index_dir / gen).is_dir():
        raise IndexDamagedError(f"index at {index_dir} is damaged: its current generation "
                                f"{gen!r} is missing; {REBUILD_HINT}")
    return IndexHandle(index_dir, gen, open_generation(index_dir, gen))


def open_generation(index_dir: Path, gen: str) -> Any:
    """Whoosh's index of one generation; any failure to read it is one documented error.

    A truncated table of contents raises EOFError or UnpicklingError, a garbage one
    Whoosh's IndexError, a missing segment file FileNotFoundError: all of them mean
    the files on disk are not a readable index (measured: 44-line tracebacks before)."""
    try:
        return read_latest(NewsFileStorage(str(index_dir / gen)).open_index)
    except whoosh_index.EmptyIndexError:
        raise IndexDamagedError(f"index at {index_dir} is damaged: {gen} has no table of "
                                f"contents; {REBUILD_HINT}") from None
    except Exception as exc:  # noqa: BLE001 - unpickling runs arbitrary code paths
        raise reading_error(index_dir, gen, exc) from None


def reading_error(index_dir: Path, gen: str, exc: Exception) -> StorageError | IndexDamagedError:
    """What a failure to read a generation's files means: the disk refused (permission),
    or the files are not a readable index (cut, overwritten, missing)."""
    if isinstance(exc, (PermissionError, IsADirectoryError)):
        return StorageError(describe_os_error(exc, "cannot read the index"))
    return IndexDamagedError(f"index at {index_dir} is damaged: {gen} cannot be read "
                             f"({type(exc).__name__}: {exc}); {REBUILD_HINT}")


def create_index(index_dir: str | os.PathLike[str], generation: str = "gen-0001") -> IndexHandle:
    """A new, empty index (or a new generation directory inside an existing one).

    The metadata is only written when there is none yet: a new generation
    becomes current later, by `switch_generation`, once it is complete.
    """
    index_dir = Path(index_dir)
    (index_dir / generation).mkdir(parents=True, exist_ok=True)
    ix = NewsFileStorage(str(index_dir / generation)).create_index(build_schema())
    if not (index_dir / META_FILE).exists():
        write_meta(index_dir, {"schema_version": SCHEMA_VERSION, "generation": generation,
                               "roots": []})
    return IndexHandle(index_dir, generation, ix)


def generation_name(number: int) -> str:
    return f"gen-{number:04d}"


def generation_number(name: str) -> int:
    return int(name.split("-", 1)[1])


def generations_on_disk(index_dir: str | os.PathLike[str]) -> list[str]:
    index_dir = Path(index_dir)
    return sorted(p.name for p in index_dir.glob("gen-[0-9][0-9][0-9][0-9]") if p.is_dir())


def next_generation(index_dir: str | os.PathLike[str]) -> str:
    """A generation number never used before in this directory.

    Above every generation folder, every manifest left beside one, and the current
    generation of the metadata: when the current folder was deleted, reusing its
    number would pick up its stale manifest, which then claimed every file unchanged
    and the rebuild published an empty index (measured: "2,127 unchanged", 0 articles)."""
    index_dir = Path(index_dir)
    numbers = [generation_number(n) for n in generations_on_disk(index_dir)]
    numbers += [generation_number(p.name.split(".", 1)[0])
                for p in index_dir.glob("gen-[0-9][0-9][0-9][0-9].manifest.sqlite")]
    try:
        current = read_meta(index_dir).get("generation")
        if isinstance(current, str) and current.startswith("gen-"):
            numbers.append(generation_number(current))
    except (IndexNotFoundError, IndexDamagedError, StorageError, ValueError):
        pass
    return generation_name(max(numbers, default=0) + 1)


def remove_generation(index_dir: str | os.PathLike[str], generation: str) -> None:
    import shutil  # here: with its archive modules ~3 ms of a cold query, which removes nothing

    index_dir = Path(index_dir)
    shutil.rmtree(index_dir / generation, ignore_errors=True)
    for suffix in ("", "-wal", "-shm"):
        try:
            os.unlink(index_dir / f"{generation}.manifest.sqlite{suffix}")
        except FileNotFoundError:
            pass


def switch_generation(index_dir: str | os.PathLike[str], generation: str) -> str | None:
    """Make `generation` current (one atomic rename); returns the previous one.

    Generations older than the previous one are removed. The previous one is
    kept until the next switch so that a process which read the metadata just
    before the switch can still open it.
    """
    meta = read_meta(index_dir)
    previous = meta.get("generation")
    meta.update({"generation": generation, "schema_version": SCHEMA_VERSION})
    write_meta(index_dir, meta)
    for name in generations_on_disk(index_dir):
        if name not in (generation, previous):
            remove_generation(index_dir, name)
    return previous


def set_roots(index_dir: str | os.PathLike[str], roots: list[str]) -> None:
    meta = read_meta(index_dir)
    if meta.get("roots") != roots:
        meta["roots"] = roots
        write_meta(index_dir, meta)


def size_on_disk(path: str | os.PathLike[str]) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(dirpath, name))
            except OSError:
                pass
    return total
