"""Which files make up a corpus, and where each sits relative to its root.

A root is what the user named: a folder (walked recursively, in sorted order so
ids and reports are reproducible) or a single file. Hidden files and folders
are not corpus content and are passed over, as `git` and `rg` do.

Symbolic links: one that resolves inside the root is read (a folder link is not
walked: its files are reached by their real path). One that leads outside the
root is reported and not read, unless `follow_links` (--follow-links): a corpus
folder should not pull in whatever a link points at. Following links, a folder
already walked (a link loop) is reported and not walked again.

Names that are not UTF-8 are carried in readable form (`bad\\xffname.txt`,
`records.readable_name`) in `relpath` and `root_name`; `abspath` keeps the real
name to open the file by.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .options import IngestOptions
from .records import Skip, readable_name

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
    return readable_name((root if root.is_dir() else root.parent).name or "corpus")


def _inside(path: str, real_root: str) -> bool:
    return path == real_root or path.startswith(real_root.rstrip(os.sep) + os.sep)


def _is_index_dir(names: Iterable[str]) -> bool:
    return any(m in names for m in INDEX_MARKERS)


def discover(paths: Iterable[str | os.PathLike[str]], options: IngestOptions | None = None
             ) -> Iterator[SourceFile | Skip]:
    options = options or IngestOptions()
    follow = options.follow_links
    for given in paths:
        root = Path(given).absolute()
        name = root_name(root)
        if root.is_file():
            st = root.stat()
            yield SourceFile(str(root), name, readable_name(root.name), str(root), st.st_size,
                             st.st_mtime_ns)
            continue
        if not root.is_dir():
            yield Skip(str(given), "no such file or directory")
            continue
        real_root = os.path.realpath(root)

        def rel(full: str) -> str:
            return readable_name(Path(full).relative_to(root).as_posix())

        errors: list[OSError] = []
        walked: set[tuple[int, int]] = set()
        for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append, followlinks=follow):
            if follow:
                try:
                    st = os.stat(dirpath)
                except OSError:
                    st = None
                if st is not None and (st.st_dev, st.st_ino) in walked:
                    dirnames[:] = []
                    yield Skip(rel(dirpath), "symlink loop: this folder was already read")
                    continue
                if st is not None:
                    walked.add((st.st_dev, st.st_ino))
            if _is_index_dir(filenames):
                dirnames[:] = []
                continue
            keep = []
            for d in sorted(dirnames):
                if d.startswith(".") or d in options.ignore_dirs:
                    continue
                full = os.path.join(dirpath, d)
                if not follow and os.path.islink(full):
                    if not _inside(os.path.realpath(full), real_root):
                        yield Skip(rel(full), "symlink to a folder outside the corpus root: "
                                              "not followed (--follow-links to follow it)")
                    continue
                keep.append(d)
            dirnames[:] = keep
            for fname in sorted(filenames):
                if fname.startswith("."):
                    continue
                full = os.path.join(dirpath, fname)
                if (not follow and os.path.islink(full)
                        and not _inside(os.path.realpath(full), real_root)):
                    yield Skip(rel(full), "symlink to a file outside the corpus root: "
                                          "not read (--follow-links to read it)")
                    continue
                try:
                    st = os.stat(full)
                except OSError as exc:
                    yield Skip(rel(full), f"cannot stat: {exc.strerror or exc}")
                    continue
                if not os.path.isfile(full):
                    continue
                yield SourceFile(str(root), name, rel(full), full, st.st_size, st.st_mtime_ns)
        for exc in errors:
            where = rel(exc.filename) if exc.filename else readable_name(str(root))
            yield Skip(where or ".", f"cannot read folder: {exc.strerror or exc}")
