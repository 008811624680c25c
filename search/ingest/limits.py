"""The accounting behind the resource limits of `IngestOptions`, for archives.

A `RunBudget` lives for one run (one `read_corpus`, or one parse process of an
index run); an `ArchiveBudget` for one archive file on disk, nested archives
included. Readers report every decompressed byte to it; the first limit crossed
raises `LimitExceeded`, which stops the whole archive (a bomb has nothing else
worth reading) and becomes one Skip naming the limit and its option.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from .options import OPTION_OF, RATIO_AFTER_BYTES, IngestOptions


class LimitExceeded(Exception):
    """Reading stopped at a resource limit. `where` is the member it stopped in."""

    def __init__(self, where: str, reason: str):
        super().__init__(reason)
        self.where, self.reason = where, reason


def limit_reason(what: str, option: str) -> str:
    return f"{what} (the {OPTION_OF[option]} limit)"


@dataclass
class RunBudget:
    """Bytes decompressed in this run, over all archives."""

    expanded: int = 0


class ArchiveBudget:
    """What one archive on disk (and everything nested in it) may cost."""

    def __init__(self, options: IngestOptions, run: RunBudget | None, packed: int):
        self.options = options
        self.run = run if run is not None else RunBudget()
        self.packed = max(packed, 1)  # the archive's size on disk (or in its parent)
        self.expanded = 0
        self.members = 0

    def expand(self, n: int, where: str) -> None:
        """`n` more bytes were decompressed while reading `where`."""
        self.expanded += n
        self.run.expanded += n
        o = self.options
        if self.expanded > o.max_archive_bytes:
            raise LimitExceeded(where, limit_reason(
                f"archive expands past {o.max_archive_bytes:,} bytes", "max_archive_bytes"))
        if self.run.expanded > o.max_run_bytes:
            raise LimitExceeded(where, limit_reason(
                f"archives in this run expand past {o.max_run_bytes:,} bytes", "max_run_bytes"))
        if self.expanded > RATIO_AFTER_BYTES and self.expanded > o.max_ratio * self.packed:
            raise LimitExceeded(where, limit_reason(
                f"archive expands over {o.max_ratio}x ({self.expanded:,} bytes from "
                f"{self.packed:,})", "max_ratio"))

    def member(self, where: str) -> None:
        """One more member (at any nesting level)."""
        self.members += 1
        if self.members > self.options.max_members:
            raise LimitExceeded(where, limit_reason(
                f"archive holds over {self.options.max_members:,} members", "max_members"))

    def declared_members(self, n: int, where: str) -> None:
        """A directory (zip's) announces `n` members: refuse before loading it."""
        if self.members + n > self.options.max_members:
            raise LimitExceeded(where, limit_reason(
                f"archive declares {n:,} members, over {self.options.max_members:,}", "max_members"))

    def exhausted_run(self) -> bool:
        return self.run.expanded > self.options.max_run_bytes


class MeteredStream(io.RawIOBase):
    """A forward-only view of a (decompressing) stream that charges every byte to a budget.

    tarfile reads headers and members through it and skips a member by seeking forward:
    the skip is done in 1 MiB reads that are thrown away (a compressed stream cannot jump),
    charged to the budget, so a 5 GB member stops at the archive limit or the ratio limit.
    One read larger than `max_read` (a tar header claiming gigabytes of long name or pax
    data) is refused: memory never holds more than a member may.
    """

    SKIP_CHUNK = 1024 * 1024

    def __init__(self, src, budget: ArchiveBudget, where: str, max_read: int, charged: bool = True):
        self.src, self.budget, self.where = src, budget, where
        self.max_read, self.charged = max_read, charged
        self.pos = 0
        self.last = b""  # the last block read: how a tar's end marker is checked

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # forward only; tarfile only seeks forward on a stream it reads in order

    def tell(self) -> int:
        return self.pos

    def _charge(self, n: int) -> None:
        if self.charged and n:
            self.budget.expand(n, self.where)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > self.max_read:
            raise LimitExceeded(self.where, limit_reason(
                f"a single read of {size:,} bytes asked by the archive's headers", "max_bytes"))
        data = self.src.read(size)
        self.pos += len(data)
        self.last = data
        self._charge(len(data))
        return data

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def seek(self, pos: int, whence: int = 0) -> int:
        if whence == io.SEEK_CUR:
            pos += self.pos
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("forward seeks only")
        if pos < self.pos:
            raise io.UnsupportedOperation(f"cannot seek back from {self.pos} to {pos}")
        if not self.charged and self.src.seekable():
            self.src.seek(pos - self.pos, io.SEEK_CUR)  # stored bytes: jump over them
            self.pos = pos
            return pos
        while self.pos < pos:
            data = self.src.read(min(self.SKIP_CHUNK, pos - self.pos))
            if not data:
                break  # tarfile finds the end when its next read comes back empty
            self.pos += len(data)
            self._charge(len(data))
        return self.pos
