"""Archives and compressed files, read in place: members stream to the readers.

Nothing is extracted to disk. A member's path is "archive!member", nested
archives chain ("SaudiNewsNet.tar!dataset/2015-07-21.zip!2015-07-21.json").
A damaged or truncated archive yields the members read so far, then a Skip
saying where it broke and how many members were read: the rest of the corpus
is never lost to one bad file, and no cut goes unreported.

Every byte decompressed is charged to an `ArchiveBudget` (limits.py); no read
asks for more than a member may hold (`max_bytes` + 1), and a member over that
size is passed over without being kept: a tar on disk seeks past it, a
compressed stream is read through in 1 MiB pieces that are thrown away.
"""
from __future__ import annotations

import gzip
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from .limits import ArchiveBudget, MeteredStream
from .options import IngestOptions
from .records import Skip, readable_name

READ_CHUNK = 1024 * 1024
_TAR_END = bytes(tarfile.BLOCKSIZE)


@dataclass(frozen=True)
class Member:
    name: str  # posix path inside the archive
    data: bytes | None  # None when the member is over the size limit
    size: int  # -1: over the limit, true size unknown (a gzip stream is not read to its end)


def archive_kind(name: str, head: bytes) -> str | None:
    """'tar', 'tar.gz', 'zip', 'gz' or None, by content first and extension second."""
    lower = name.lower()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head[:2] == b"\x1f\x8b":
        return "tar.gz" if lower.endswith((".tar.gz", ".tgz")) else "gz"
    if len(head) > 262 and head[257:262] == b"ustar":
        return "tar"
    if lower.endswith((".tar.gz", ".tgz")):
        return "tar.gz"
    if lower.endswith((".zip", ".tar", ".gz")):
        return lower.rsplit(".", 1)[-1]
    return None


def iter_members(path: str, kind: str, src, budget: ArchiveBudget, options: IngestOptions
                 ) -> Iterator[Member | Skip]:
    """Members of the archive `path`, read from the binary file `src` (at its start)."""
    if kind == "gz":
        yield from _gz_member(path, src, budget, options)
    elif kind == "zip":
        yield from _zip_members(path, src, budget, options)
    else:
        yield from _tar_members(path, src, budget, options, compressed=kind == "tar.gz")


def _max_read(options: IngestOptions) -> int:
    """The largest single read a reader may ask of a stream: a member plus its header."""
    return max(options.max_bytes, READ_CHUNK) + 4 * tarfile.BLOCKSIZE


def read_bounded(stream, limit: int) -> bytes:
    """At most `limit` + 1 bytes of `stream`, in pieces (each one charged as it arrives)."""
    parts: list[bytes] = []
    got = 0
    while got <= limit:
        data = stream.read(min(READ_CHUNK, limit + 1 - got))
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def gz_inner_name(path: str) -> str:
    """The name of what a .gz holds, from the last component of its path only
    (rebuilding it from the whole chained path doubled its length at every level)."""
    base = path.rsplit("!", 1)[-1].rsplit("/", 1)[-1]
    lower = base.lower()
    if lower.endswith(".tgz"):
        return base[:-4] + ".tar"
    if lower.endswith(".gz") and len(base) > 3:
        return base[:-3]
    return base


def _gz_member(path: str, src, budget: ArchiveBudget, options: IngestOptions
               ) -> Iterator[Member | Skip]:
    inner = gz_inner_name(path)
    try:
        with gzip.GzipFile(fileobj=src) as gz:
            stream = MeteredStream(gz, budget, f"{path}!{inner}", _max_read(options))
            data = read_bounded(stream, options.max_bytes)
    except (OSError, EOFError, zlib.error) as exc:
        yield Skip(path, f"corrupt or truncated gzip (0 members read): {exc}")
        return
    budget.member(f"{path}!{inner}")
    if len(data) > options.max_bytes:
        yield Member(inner, None, -1)
    else:
        yield Member(inner, data, len(data))


def _declared_zip_members(src) -> int | None:
    """How many members the zip's end record announces, read before its directory is loaded."""
    try:
        end = zipfile._EndRecData(src)  # the stdlib's own end-record reader (zip64 aware)
    except (OSError, EOFError, ValueError, AttributeError):
        return None
    finally:
        src.seek(0)
    return end[zipfile._ECD_ENTRIES_TOTAL] if end else None


def _zip_members(path: str, src, budget: ArchiveBudget, options: IngestOptions
                 ) -> Iterator[Member | Skip]:
    declared = _declared_zip_members(src)
    if declared is not None:
        budget.declared_members(declared, path)
    try:
        zf = zipfile.ZipFile(src)
        infos = sorted((i for i in zf.infolist() if not i.is_dir()), key=lambda i: i.filename)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        # ValueError: a name not in the encoding its flag claims (UnicodeDecodeError).
        yield Skip(path, f"corrupt or truncated zip (0 members read): {exc}")
        return
    if declared is None or len(infos) > declared:  # the end record understated it
        budget.declared_members(len(infos), path)
    read = 0
    with zf:
        for info in infos:
            where = f"{path}!{info.filename}"
            budget.member(where)
            if info.file_size > options.max_bytes:
                yield Member(info.filename, None, info.file_size)
                continue
            try:
                with zf.open(info) as f:
                    data = read_bounded(MeteredStream(f, budget, where, _max_read(options)),
                                        options.max_bytes)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError,
                    RuntimeError) as exc:  # RuntimeError: encrypted
                yield Skip(where, f"unreadable zip member ({read} members of {path} read): {exc}")
                continue
            read += 1
            yield Member(info.filename, data, len(data))


def _tar_members(path: str, src, budget: ArchiveBudget, options: IngestOptions, compressed: bool
                 ) -> Iterator[Member | Skip]:
    """A tar's members in archive order, one pass.

    Read through `tarfile` one header at a time (`next()`, its list of every header
    emptied as it goes, so a million-member tar costs one member's memory). tarfile
    takes an empty or partial header where the next one should be as the end of the
    archive; here that is a truncation, as is a gzip stream without its trailer.
    """
    label = "tar.gz" if compressed else "tar"
    count = 0
    gz = None
    try:
        gz = gzip.GzipFile(fileobj=src) if compressed else None
        stream = MeteredStream(gz or src, budget, path, _max_read(options), charged=compressed)
        tf = tarfile.open(fileobj=stream, mode="r:")
        while True:
            info = tf.next()
            tf.members.clear()
            if info is None:
                break
            name = readable_name(info.name)
            stream.where = f"{path}!{name}"
            if not info.isfile():
                continue
            budget.member(stream.where)
            if info.size > options.max_bytes:
                yield Member(name, None, info.size)
                continue
            f = tf.extractfile(info)
            data = f.read(info.size) if f is not None else b""
            if len(data) != info.size:
                raise EOFError(f"member {name} is cut short")
            count += 1
            yield Member(name, data, info.size)
        if stream.last != _TAR_END:
            raise EOFError("no end-of-archive marker where the next header should be")
        if gz is not None:  # the gzip trailer (CRC and length) must be there too
            stream.where = path
            while stream.read(READ_CHUNK):
                pass
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        yield Skip(path, f"corrupt or truncated {label} after {count} member(s) read: {exc}")
    finally:
        if gz is not None:
            gz.close()
