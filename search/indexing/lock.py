"""The single-writer lock of an index directory.

Whoosh's own lock covers one generation directory only, but `reindex --full`
builds a new generation beside the current one, so the rule "one writer at a
time" needs a lock over the whole index directory. `fcntl.flock` is released by
the kernel when its holder dies (kill -9 included), so a killed writer never
blocks the next one; the file's content only names the holder for the message.
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


def describe_holder(raw: str) -> str:
    """'pid 123 on host h since 2026-...' from the lock file's JSON, or a fallback."""
    try:
        info = json.loads(raw)
        return f"pid {info['pid']} on host {info['host']} since {info['since']}"
    except (ValueError, KeyError, TypeError):
        return "another process (it has not written its name yet)"


class WriterLock:
    """`with WriterLock(index_dir, wait=5):` - raises IndexLockedError after `wait` seconds."""

    def __init__(self, index_dir: str | os.PathLike[str], wait: float = 0.0):
        self.path = Path(index_dir) / LOCK_FILE
        self.wait = max(0.0, float(wait))
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = describe_holder(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
                    os.close(fd)
                    raise IndexLockedError(
                        f"the index at {self.path.parent} is being written by {holder}; "
                        f"waited {self.wait:g}s (use --wait SECONDS to wait longer)") from None
                time.sleep(POLL_SECONDS)
        me = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                         "since": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        os.ftruncate(fd, 0)
        os.pwrite(fd, me.encode("utf-8"), 0)
        self._fd = fd
        _held.add(fd)

    def release(self) -> None:
        if self._fd is not None:
            _held.discard(self._fd)
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
