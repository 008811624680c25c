"""Files that survive kill -9 and power loss: the one place that writes them.

Everything an index directory keeps beside Whoosh's own files (news-search.json,
runs.jsonl, the scheduler's schedule.json, alerts.json, the alerts' ledgers and
seen.txt) is written by these functions, and Whoosh's commits are made durable by
`DirectorySyncer`. Whoosh itself never calls fsync.

Crash windows and what covers each:

1. `replace_file` (a whole file replaced): the new bytes go to a temp file in the
   same folder, which is fsynced, renamed over the old one, then the folder is
   fsynced. A crash before the rename leaves the old file whole; after the
   rename but before the folder's fsync, a power loss may bring back the old
   file, never a torn one. Readers see the old or the new file, nothing between.
   A crash before the rename leaves a `.NAME.PID.tmp` behind: never read, and
   overwritten by the next replacement from a process with the same pid.
2. `append_lines` (an append-only ledger): the lines are written and fsynced
   before the call returns, so a caller treats them as done only once they are
   on disk. A crash mid-append leaves a torn last line: `read_jsonl` never
   returns it, and the next append cuts it off first, so every line in the file
   is a complete record. A new file's folder is fsynced too (its name is data).
3. A Whoosh commit: the TOC rename is Whoosh's commit point. After `commit()`
   returns, `DirectorySyncer` fsyncs every file that appeared in the generation
   directory since the last sync (new segment files and the new TOC), then the
   directory itself (so the rename and the deletions of merged-away segments are
   on disk). Only then is a batch reported as committed or recorded in the
   manifest (manifest.py has the windows between the two).
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def fsync_path(path: str | os.PathLike[str]) -> None:
    """fsync a file or a folder (a folder's fsync makes renames and new names in it durable)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_file(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace `path` with `data` atomically and durably (window 1 of the module docstring)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_path(path.parent)


def replace_json(path: str | os.PathLike[str], value: Any) -> None:
    """`replace_file` with `value` as indented JSON (sorted keys, UTF-8, a final newline)."""
    replace_file(path, (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
                        + "\n").encode("utf-8"))


def read_json(path: str | os.PathLike[str], default: Any = None) -> Any:
    """A JSON file written by `replace_json`, or `default` when there is none."""
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        return default


def append_lines(path: str | os.PathLike[str], lines: list[str]) -> None:
    """Append whole lines and fsync: after this returns they survive a crash (window 2).

    A torn last line left by an earlier crash mid-append is cut off first, so
    that every line in the file is a complete record.
    """
    if not lines:
        return
    path = Path(path)
    new = not path.exists()
    with open(path, "ab+") as f:
        size = f.seek(0, os.SEEK_END)
        if size:
            f.seek(size - 1)
            if f.read(1) != b"\n":
                f.truncate(_last_newline_end(f, size))
                f.seek(0, os.SEEK_END)
        f.write("".join(line + "\n" for line in lines).encode("utf-8"))
        f.flush()
        os.fsync(f.fileno())
    if new:
        fsync_path(path.parent)


def _last_newline_end(f, size: int) -> int:
    """Offset just after the last b'\\n' in the file (0 if none)."""
    pos = size
    while pos > 0:
        step = min(65536, pos)
        pos -= step
        f.seek(pos)
        chunk = f.read(step)
        idx = chunk.rfind(b"\n")
        if idx >= 0:
            return pos + idx + 1
    return 0


def read_jsonl(path: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Complete records only: a torn last line (crash mid-append) is not a record."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return
    for raw in data.split(b"\n")[:-1]:  # the part after the last newline is incomplete
        if raw.strip():
            try:
                yield json.loads(raw)
            except ValueError:
                continue


class DirectorySyncer:
    """Makes each Whoosh commit durable (window 3); remembers which files were already
    synced so that each commit syncs only its own."""

    def __init__(self, directory: str | os.PathLike[str], enabled: bool = True):
        self.directory = Path(directory)
        self.enabled = enabled
        self._synced = set(os.listdir(self.directory)) if self.directory.exists() else set()

    def sync_new_files(self) -> int:
        """fsync new files, then the directory; returns how many files were synced."""
        if not self.enabled:
            return 0
        names = set(os.listdir(self.directory))
        fresh = sorted(names - self._synced)
        for name in fresh:
            path = self.directory / name
            if path.is_file():
                fsync_path(path)
        fsync_path(self.directory)
        self._synced = names
        return len(fresh)
