"""The one file lock: the index directory's single-writer lock, the scheduler's and the alerts'.

Whoosh's own lock covers one generation directory only, but `reindex --full`
builds a new generation beside the current one, so the rule "one writer at a
time" needs a lock over the whole index directory (`WriterLock`). The scheduler
(`schedule.lock`: one scheduler per index) and the alerts (`alerts/.lock`: edits
and deliveries take turns) use the same `FileLock`. `fcntl.flock` is released by
the kernel when its holder dies (kill -9 included), so a killed holder never
blocks the next one; the file's content only names the holder for messages.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import IndexLockedError

LOCK_FILE = "writer.lock"
POLL_SECONDS = 0.05
PR_SET_PDEATHSIG = 1

# Lock fds held by this process. A forked child (Whoosh's writer processes, our
# parsers) inherits them, and flock is only released when *every* copy is closed:
# after a kill -9 of the writer, an orphaned child would keep the index locked.
# So children close their copies, and die with the writer (PR_SET_PDEATHSIG),
# which also frees Whoosh's own MAIN_WRITELOCK that they inherit the same way.
_held: set[int] = set()


def _after_fork_in_child() -> None:
    if not _held:
        return
    for fd in list(_held):
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() == 1:  # the writer died between fork and prctl
            os._exit(1)
    except (OSError, AttributeError):
        pass


os.register_at_fork(after_in_child=_after_fork_in_child)


def describe_holder(info: dict[str, Any]) -> str:
    """'pid 123 on host h since 2026-...' from a holder record, or a fallback."""
    try:
        return f"pid {info['pid']} on host {info['host']} since {info['since']}"
    except (KeyError, TypeError):
        return "another process (it has not written its name yet)"


def _holder_record() -> bytes:
    return json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                       "since": datetime.now(timezone.utc).isoformat(timespec="seconds")}
                      ).encode("utf-8")


class FileLock:
    """An exclusive `flock` on `path`, whose content names the holder while it is held.

    `with FileLock(path):` waits as long as it takes; `try_acquire(wait)` gives up
    after `wait` seconds. Held fds are closed in forked children (see `_held`)."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._fd: int | None = None

    def try_acquire(self, wait: float = 0.0) -> bool:
        """Take the lock, polling every POLL_SECONDS for up to `wait` seconds."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(POLL_SECONDS)
        self._took(fd)
        return True

    def acquire_blocking(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        self._took(fd)

    def _took(self, fd: int) -> None:
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder_record(), 0)
        self._fd = fd
        _held.add(fd)

    def release(self) -> None:
        if self._fd is not None:
            _held.discard(self._fd)
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def holder(self) -> dict[str, Any]:
        """Who holds the lock, as its holder wrote it ({} when unknown)."""
        try:
            info = json.loads(self.path.read_text("utf-8") or "{}")
        except (OSError, ValueError):
            return {}
        return info if isinstance(info, dict) else {}

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

    def __enter__(self) -> FileLock:
        self.acquire_blocking()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class WriterLock(FileLock):
    """`with WriterLock(index_dir, wait=5):` - raises IndexLockedError after `wait` seconds."""

    def __init__(self, index_dir: str | os.PathLike[str], wait: float = 0.0):
        super().__init__(Path(index_dir) / LOCK_FILE)
        self.wait = max(0.0, float(wait))

    def acquire(self) -> None:
        if not self.try_acquire(self.wait):
            raise IndexLockedError(
                f"the index at {self.path.parent} is being written by "
                f"{describe_holder(self.holder())}; waited {self.wait:g}s "
                f"(use --wait SECONDS to wait longer)") from None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self
