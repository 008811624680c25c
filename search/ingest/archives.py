"""Archives and compressed files, read in place: members stream to the readers.

Nothing is extracted to disk. A member's path is "archive!member", nested
archives chain ("SaudiNewsNet.tar!dataset/2015-07-21.zip!2015-07-21.json").
A damaged archive yields the members read so far, then a Skip saying where it
broke: the rest of the corpus is never lost to one bad file.
"""
from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from .records import Skip


@dataclass(frozen=True)
class Member:
    name: str  # posix path inside the archive
    data: bytes | None  # None when the member is over the size limit
    size: int


def archive_kind(name: str, head: bytes) -> str | None:
    """'tar', 'zip', 'gz' or None, by content first and extension second."""
    lower = name.lower()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head[:2] == b"\x1f\x8b":
        return "tar" if lower.endswith((".tar.gz", ".tgz")) else "gz"
    if len(head) > 262 and head[257:262] == b"ustar":
        return "tar"
    if lower.endswith((".zip", ".tar", ".tar.gz", ".tgz", ".gz")):
        return {"zip": "zip", "gz": "gz"}.get(lower.rsplit(".", 1)[-1], "tar")
    return None


def iter_members(name: str, data: bytes | None, kind: str, max_bytes: int,
                 fileobj: io.BufferedIOBase | None = None) -> Iterator[Member | Skip]:
    """Members of an archive, from bytes or an open binary file."""
    src = fileobj if fileobj is not None else io.BytesIO(data or b"")
    if kind == "gz":
        yield from _gz_member(name, src, max_bytes)
    elif kind == "zip":
        yield from _zip_members(name, src, max_bytes)
    else:
        yield from _tar_members(name, src, max_bytes)


def _gz_member(name: str, src, max_bytes: int) -> Iterator[Member | Skip]:
    inner = name[:-3] if name.lower().endswith(".gz") else name + ".out"
    inner = inner.rsplit("/", 1)[-1]
    try:
        with gzip.GzipFile(fileobj=src) as gz:
            data = gz.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as exc:
        yield Skip(name, f"corrupt or truncated gzip: {exc}")
        return
    if len(data) > max_bytes:
        yield Member(inner, None, len(data))
    else:
        yield Member(inner, data, len(data))


def _zip_members(name: str, src, max_bytes: int) -> Iterator[Member | Skip]:
    try:
        zf = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        yield Skip(name, f"corrupt or truncated zip: {exc}")
        return
    with zf:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            if info.file_size > max_bytes:
                yield Member(info.filename, None, info.file_size)
                continue
            try:
                data = zf.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as exc:
                yield Skip(f"{name}!{info.filename}", f"unreadable zip member: {exc}")
                continue
            yield Member(info.filename, data, info.file_size)


def _tar_members(name: str, src, max_bytes: int) -> Iterator[Member | Skip]:
    count = 0
    try:
        # Stream mode: members in archive order, one pass, no seeking.
        with tarfile.open(fileobj=src, mode="r|*") as tf:
            for info in tf:
                if not info.isfile():
                    continue
                if info.size > max_bytes:
                    yield Member(info.name, None, info.size)
                    continue
                f = tf.extractfile(info)
                data = f.read() if f is not None else b""
                if len(data) != info.size:
                    raise EOFError(f"member {info.name} is cut short")
                count += 1
                yield Member(info.name, data, info.size)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        yield Skip(name, f"corrupt or truncated tar after {count} members: {exc}")
