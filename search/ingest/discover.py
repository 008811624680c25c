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

Metadata sidecars (`NAME.meta.json` beside the plain-text file `NAME.txt`, `NAME.text`
or `NAME`; formats/sidecar.py) are never articles of their own: each is attached to its
text file's `SourceFile`, and one with no text file beside it is reported. The text
file's size and mtime then cover both files (sizes added, the later mtime), so the
manifest's (size, mtime) check re-reads the article when its sidecar is added, edited
or removed.
"""
from __future__ import annotations

import dataclasses
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .formats import extension
from .formats import get as get_format
from .formats.sidecar import SIDECAR_SUFFIX
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
    size: int  # bytes of the file plus its sidecar's
    mtime_ns: int  # the later of the file's and its sidecar's
    sidecar: str | None = None  # absolute path of NAME.meta.json, when there is one
    sidecar_size: int = 0

    @property
    def folders(self) -> tuple[str, ...]:
        return tuple(self.relpath.split("/")[:-1])

    @property
    def own_size(self) -> int:
        """Bytes of the file alone (what --max-bytes bounds)."""
        return self.size - self.sidecar_size

    @property
    def sidecar_relpath(self) -> str | None:
        if self.sidecar is None:
            return None
        folder = self.relpath.rsplit("/", 1)[0] + "/" if "/" in self.relpath else ""
        return folder + readable_name(os.path.basename(self.sidecar))


def sidecar_name(filename: str) -> str | None:
    """`NAME.meta.json` for a plain-text file name (`NAME.txt`, `NAME.text`, `NAME`)."""
    ext = extension(filename)
    if filename.endswith(SIDECAR_SUFFIX) or ext not in get_format("text").extensions:
        return None
    return filename[: len(filename) - len(ext)] + SIDECAR_SUFFIX


def _text_names(sidecar: str) -> list[str]:
    """The plain-text file names a sidecar can belong to."""
    name = sidecar[: -len(SIDECAR_SUFFIX)]
    return [name + ext for ext in get_format("text").extensions]


def _orphan_reason(sidecar: str) -> str:
    name = sidecar[: -len(SIDECAR_SUFFIX)]
    return (f"metadata sidecar with no text file beside it: not read (it would describe "
            f"{name}.txt or {name})")


def source_file(root: str, root_name: str, relpath: str, abspath: str) -> SourceFile | None:
    """The `SourceFile` of a file, with its sidecar if it has one; None if it is not a
    regular file (a folder, a FIFO), OSError if it cannot be stat'ed. The indexer rebuilds
    files it re-reads through this, so they keep their sidecar."""
    st = os.stat(abspath)
    if not stat.S_ISREG(st.st_mode):
        return None
    sf = SourceFile(root, root_name, relpath, abspath, st.st_size, st.st_mtime_ns)
    name = sidecar_name(os.path.basename(abspath))
    if name is None:
        return sf
    path = os.path.join(os.path.dirname(abspath), name)
    try:
        side = os.stat(path)
    except OSError:
        return sf
    if not stat.S_ISREG(side.st_mode):
        return sf
    return dataclasses.replace(sf, size=sf.size + side.st_size,
                               mtime_ns=max(sf.mtime_ns, side.st_mtime_ns), sidecar=path,
                               sidecar_size=side.st_size)


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
            if root.name.endswith(SIDECAR_SUFFIX):
                yield Skip(readable_name(root.name), "metadata sidecar, not an article: it is "
                                                     "read with its text file (name that file)")
                continue
            sf = source_file(str(root), name, readable_name(root.name), str(root))
            if sf is not None:
                yield sf
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
            present = set(filenames)
            for fname in sorted(filenames):
                if fname.startswith("."):
                    continue
                full = os.path.join(dirpath, fname)
                if fname.endswith(SIDECAR_SUFFIX):
                    if not any(t in present for t in _text_names(fname)):
                        yield Skip(rel(full), _orphan_reason(fname))
                    continue
                if (not follow and os.path.islink(full)
                        and not _inside(os.path.realpath(full), real_root)):
                    yield Skip(rel(full), "symlink to a file outside the corpus root: "
                                          "not read (--follow-links to read it)")
                    continue
                try:
                    sf = source_file(str(root), name, rel(full), full)
                except OSError as exc:
                    yield Skip(rel(full), f"cannot stat: {exc.strerror or exc}")
                    continue
                if sf is not None:
                    yield sf
        for exc in errors:
            where = rel(exc.filename) if exc.filename else readable_name(str(root))
            yield Skip(where or ".", f"cannot read folder: {exc.strerror or exc}")
