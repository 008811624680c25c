"""Small durable-file helpers shared by the scheduler and alerts.

Everything the scheduler keeps must survive kill -9 and power loss: whole files
are replaced atomically (temp + fsync + rename + fsync of the folder), appends
are fsynced before anyone treats them as done, and locks are `fcntl.flock`, so
a killed holder never leaves a lock behind.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def atomic_write_json(path: Path, value: Any) -> None:
    atomic_write_bytes(path, (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
                              + "\n").encode("utf-8"))


def read_json(path: Path, default: Any = None) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return default


def append_lines(path: Path, lines: list[str]) -> None:
    """Append whole lines and fsync: after this returns they survive a crash.

    A torn last line left by an earlier crash mid-append is cut off first, so
    that every line in the file is a complete record.
    """
    if not lines:
        return
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
        fsync_dir(path.parent)


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


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Complete records only: a torn last line (crash mid-append) is not a record."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    for raw in data.split(b"\n")[:-1]:  # the part after the last newline is incomplete
        if raw.strip():
            try:
                yield json.loads(raw)
            except ValueError:
                continue


class FileLock:
    """An exclusive `flock` on a file whose content names the holder.

    The content is only for messages ("held by pid 123 on host since ..."); the
    lock itself is the flock, released by the kernel when the holder dies.
    """

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        holder = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "since": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode("utf-8"), 0)
        self._fd = fd
        return True

    def acquire_blocking(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def holder(self) -> dict[str, Any]:
        try:
            return json.loads(self.path.read_text("utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    def is_held_by_other(self) -> bool:
        """True when some live process holds the lock (checked without taking it for long)."""
        if self._fd is not None:
            return False
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops a lock we may have got
        return False

    def __enter__(self) -> "FileLock":
        self.acquire_blocking()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
