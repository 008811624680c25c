"""Web archives (WARC, ISO 28500): `.warc` and `.warc.gz`, read in place.

The format of the Internet Archive, Common Crawl's CC-NEWS and newsroom crawlers.
warcio parses the records (headers, HTTP responses, chunked and gzip'd bodies);
the gzip layer is ours (`GzipMembers` through the archive budget's
`MeteredStream`), so every decompressed byte counts against the archive limits
of limits.py as a tar.gz's do, and a truncated file is reported instead of
ending quietly, as it does with warcio's own decompression. (`gzip.GzipFile`
cannot serve: its buffered read raises at a cut before returning the records
decompressed ahead of it.)

One page per HTML `response` record, named `crawl.warc.gz!record-17` (its
position among all records, from 1). The HTML reader does the rest. A record's
`WARC-Target-URI` is the page's URL, its HTTP `Content-Type` charset the declared
charset, its `WARC-Date` the crawl date: kept apart from the publication date (a
crawl date is not a publication date). `revisit` records (the crawler saw the same
payload again) are skipped as duplicates; other records are counted by type in one
Skip for the archive.
"""
from __future__ import annotations

import io
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from ..archives import READ_CHUNK, read_bounded
from ..limits import ArchiveBudget, MeteredStream
from ..options import IngestOptions
from ..records import Skip

_HTML_TYPES = ("text/html", "application/xhtml+xml")


class CutShort(Exception):
    """The file ends inside a gzip member. Not an EOFError: warcio takes that for
    the end of the archive and would stop without a word."""


class GzipMembers(io.RawIOBase):
    """Multi-member gzip (one member per WARC record) decompressed as it is read,
    at most `size` bytes per read; CutShort when the file ends inside a member."""

    def __init__(self, src):
        self.src = src
        self.dec = zlib.decompressobj(31)
        self.started = False  # the current member has had input
        self.pending = b""  # compressed input not yet given to the decompressor

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = READ_CHUNK if size is None or size < 0 else size
        while True:
            if self.dec.eof:
                self.pending = self.dec.unused_data + self.pending
                self.dec, self.started = zlib.decompressobj(31), False
            if not self.pending:
                self.pending = self.src.read(64 * 1024)
                if not self.pending:
                    if self.started:
                        raise CutShort("the file ends inside a gzip member")
                    return b""
            self.started = True
            out = self.dec.decompress(self.pending, size)
            self.pending = self.dec.unconsumed_tail
            if out:
                return out

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


@dataclass(frozen=True)
class WarcPage:
    name: str  # "record-17"
    data: bytes | None  # the HTTP payload; None when over the size limit
    url: str | None
    charset: str | None  # from the HTTP Content-Type header
    crawl_date: str | None  # WARC-Date


def is_warc(name: str, head: bytes) -> bool:
    """By content (`WARC/` at the start, once un-gzipped), then by extension."""
    if head.startswith(b"WARC/"):
        return True
    if head[:2] == b"\x1f\x8b":
        try:
            inner = zlib.decompressobj(31).decompress(head, 16)
        except zlib.error:
            inner = b""
        if inner.startswith(b"WARC/"):
            return True
    return name.lower().endswith((".warc", ".warc.gz"))


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip("\"'"):
            return value.strip().strip("\"'")
    return None


def iter_pages(path: str, src, budget: ArchiveBudget, options: IngestOptions
               ) -> Iterator[WarcPage | Skip]:
    """HTML pages of the WARC `path` read from the binary file `src`, then Skips for
    the rest: revisits one by one, other records counted by type, damage last."""
    # Imported here: warcio is loaded only when there is a WARC to read.
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    head = src.read(2)
    src.seek(0)
    compressed = head == b"\x1f\x8b"
    gz = GzipMembers(src) if compressed else None
    stream = MeteredStream(gz or src, budget, path, max(options.max_bytes, READ_CHUNK) + 65536,
                           charged=compressed)
    not_read: Counter[str] = Counter()
    n = 0
    damage = None
    try:
        for rec in ArchiveIterator(stream):
            n += 1
            name = f"record-{n}"
            where = f"{path}!{name}"
            stream.where = where
            budget.member(where)
            if rec.length is None:
                damage = f"record {n} has no Content-Length (malformed or cut short)"
                break
            kind = rec.rec_type
            if kind == "revisit":
                refers = rec.rec_headers.get_header("WARC-Refers-To-Target-URI") or \
                    rec.rec_headers.get_header("WARC-Target-URI")
                yield Skip(where, f"WARC revisit record: a duplicate of the page at {refers}")
                continue
            ctype = (rec.http_headers.get_header("Content-Type") or "") if rec.http_headers else ""
            if kind != "response" or not ctype.lower().startswith(_HTML_TYPES):
                label = kind if kind != "response" else f"response {ctype.split(';')[0].strip() or '(no type)'}"
                not_read[label] += 1
                continue
            status = rec.http_headers.get_statuscode() if rec.http_headers else None
            if status and not status.startswith("2"):
                not_read[f"response HTTP {status}"] += 1
                continue
            data = read_bounded(rec.content_stream(), options.max_bytes)
            if getattr(rec.raw_stream, "limit", 0) > 0:
                damage = f"record {n} is cut short ({rec.raw_stream.limit:,} bytes missing)"
                break
            yield WarcPage(name, data if len(data) <= options.max_bytes else None,
                           rec.rec_headers.get_header("WARC-Target-URI"), _charset(ctype),
                           rec.rec_headers.get_header("WARC-Date"))
    except ArchiveLoadFailed as exc:
        damage = f"malformed WARC record after {n} record(s): {' '.join(str(exc).split())[:200]}"
    except (CutShort, OSError, EOFError, zlib.error) as exc:
        damage = f"corrupt or truncated WARC after {n} record(s) read: {exc}"
    if not_read:
        counts = ", ".join(f"{c:,} {what}" for what, c in sorted(not_read.items()))
        yield Skip(path, f"WARC records that are not HTML pages, not read: {counts}")
    if damage:
        yield Skip(path, f"{damage}; the records before it were read" if "after" not in damage
                   else damage)
