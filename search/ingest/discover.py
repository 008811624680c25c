"""Which files make up a corpus, and where each sits relative to its root.

A root is what the user named: a folder (walked recursively, in sorted order so
ids and reports are reproducible) or a single file. Hidden files and folders
are not corpus content and are passed over, as `git` and `rg` do.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .options import IngestOptions
from .records import Skip

# A folder holding one of these is a Whoosh index (ours), never corpus content.
INDEX_MARKERS = ("_MAIN_WRITELOCK", "MAIN_WRITELOCK", "news-search.json")


@dataclass(frozen=True)
class SourceFile:
    root: str  # absolute path of the root as given (a folder or a single file)
    root_name: str  # the folder's name; for a single file, its parent folder's name
    relpath: str  # posix path relative to the root folder (a file root: its name)
    abspath: str
    size: int
    mtime_ns: int

    @property
    def folders(self) -> tuple[str, ...]:
        return tuple(self.relpath.split("/")[:-1])


def root_name(root: Path) -> str:
    return (root if root.is_dir() else root.parent).name or "corpus"


def _is_index_dir(names: Iterable[str]) -> bool:
    return any(m in names for m in INDEX_MARKERS)


def discover(paths: Iterable[str | os.PathLike[str]], options: IngestOptions | None = None
             ) -> Iterator[SourceFile | Skip]:
    options = options or IngestOptions()
    for given in paths:
        root = Path(given).absolute()
        name = root_name(root)
        if root.is_file():
            st = root.stat()
            yield SourceFile(str(root), name, root.name, str(root), st.st_size, st.st_mtime_ns)
            continue
        if not root.is_dir():
            yield Skip(str(given), "no such file or directory")
            continue
        errors: list[OSError] = []
        for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append):
            if _is_index_dir(filenames):
                dirnames[:] = []
                continue
            dirnames[:] = sorted(d for d in dirnames
                                 if not d.startswith(".") and d not in options.ignore_dirs)
            for fname in sorted(filenames):
                if fname.startswith("."):
                    continue
                full = os.path.join(dirpath, fname)
                rel = Path(full).relative_to(root).as_posix()
                try:
                    st = os.stat(full)
                except OSError as exc:
                    yield Skip(rel, f"cannot stat: {exc.strerror or exc}")
                    continue
                if not os.path.isfile(full):
                    continue
                yield SourceFile(str(root), name, rel, full, st.st_size, st.st_mtime_ns)
        for exc in errors:
            where = Path(exc.filename).relative_to(root).as_posix() if exc.filename else str(root)
            yield Skip(where or ".", f"cannot read folder: {exc.strerror or exc}")
