"""From a file on disk to Articles: size limits, archives, sniffing, dispatch.

Every failure becomes a `Skip` with a location; no exception from a reader
escapes for bad input. A reader bug still surfaces as a Skip naming the
exception, so one odd file cannot stop a 30,000-article run.
"""
from __future__ import annotations

import dataclasses
import io
import os
import re
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..article import Article
from .archives import Member, archive_kind, iter_members
from .build import build_article
from .decode import bom_encoding, decode, wide_unicode_encoding
from .discover import SourceFile, discover, root_name
from .formats import choose_format
from .formats import get as get_format
from .formats.sidecar import MAX_SIDECAR_BYTES, SIDECAR_SUFFIX
from .formats.warc import WarcPage, is_warc, iter_pages
from .limits import ArchiveBudget, LimitExceeded, RunBudget, limit_reason
from .options import IngestOptions
from .records import Document, RawArticle, Sidecar, Skip, readable_name

_BINARY_MAGIC = (
    (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"), (b"\x7fELF", "executable"), (b"RIFF", "RIFF media"),
    (b"OggS", "Ogg media"), (b"ID3", "MP3 audio"), (b"\x00\x00\x00", "binary data"),
    (b"BZh", "bzip2 data (not supported)"), (b"\xfd7zXZ", "xz data (not supported)"),
    (b"7z\xbc\xaf", "7z archive (not supported)"), (b"Rar!", "RAR archive (not supported)"),
)
# Documentation shipped beside a corpus, by exact name with or without one extension
# (README, readme.txt, LICENSE.md): not a prefix, `changelog.blog.example.html` is a page.
_NOT_ARTICLES = frozenset({"readme", "license", "licence", "copying", "changelog", "authors",
                           "contributing"})
# Characters no article has: C0/C1 controls (tab, newlines, form feed aside), U+FFFD and
# private use. Random bytes decoded as latin-1 are ~20% of them; text scraped from the
# web well under 0.1%. Judged on the first GARBLED_SAMPLE_CHARS characters.
_GARBLED = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff]")
_ASCII_CONTROLS = bytes([*range(0x00, 0x09), *range(0x0e, 0x20), 0x7f])
GARBLED_SAMPLE_CHARS = 64 * 1024
MAX_GARBLED_SHARE = 0.05
# An archive member named like this would land outside the archive if extracted: it is
# reported and not read (nothing is ever extracted, but such a name is damage or an attack).
_UNSAFE_NAME = re.compile(r"(^|[\\/])\.\.([\\/]|$)|^[\\/]|^[A-Za-z]:[\\/]")


def binary_kind(data: bytes) -> str | None:
    """Why these bytes are not text, or None if they may be (UTF-16/32 text, with or
    without a BOM, is full of NUL bytes: decode.py recognises it first)."""
    if bom_encoding(data) or wide_unicode_encoding(data):
        return None
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            return what
    head = data[:8192]
    if b"\x00" in head:
        return f"binary data (NUL byte at offset {head.index(0)})"
    return None


def garbled_share(text: str) -> float:
    """Share of characters in the sample that no text has (see _GARBLED)."""
    sample = text[:GARBLED_SAMPLE_CHARS]
    if not sample:
        return 0.0
    if sample.isascii():  # most news text: bytes.translate is ~10x faster than the regex
        raw = sample.encode("ascii")
        return (len(raw) - len(raw.translate(None, _ASCII_CONTROLS))) / len(raw)
    return len(_GARBLED.findall(sample)) / len(sample)


def read_document(doc: Document, options: IngestOptions, budget: ArchiveBudget | None = None
                  ) -> Iterator[Article | Skip]:
    """Articles of one byte stream. `budget`: the enclosing archive's, for a member."""
    data = doc.data
    if not data.strip():
        yield Skip(doc.path, "empty file")
        return
    kind = "warc" if is_warc(doc.path, data[:512]) else archive_kind(doc.path, data[:512])
    if kind:
        if budget is None:
            yield from _read_top_archive(doc, kind, options, io.BytesIO(data), len(data), None)
        else:
            yield from _read_archive(doc, kind, options, io.BytesIO(data), budget)
        return
    yield from _read_text_document(doc, options)


def _read_text_document(doc: Document, options: IngestOptions, page: WarcPage | None = None
                        ) -> Iterator[Article | Skip]:
    """`page`: the WARC record `doc` is the payload of (an HTML page, with its URL,
    declared charset and crawl date)."""
    base = doc.path.rsplit("!", 1)[-1].rsplit("/", 1)[-1].lower()
    if page is None and (base in _NOT_ARTICLES or base.rsplit(".", 1)[0] in _NOT_ARTICLES):
        yield Skip(doc.path, "documentation file, not an article")
        return
    why = binary_kind(doc.data)
    if why:
        yield Skip(doc.path, f"not text: {why}")
        return
    decoded = decode(doc.data, declared=page.charset if page else None)
    share = garbled_share(decoded.text)
    if share > MAX_GARBLED_SHARE:
        yield Skip(doc.path, f"not text: binary or garbled data ({share:.0%} control or "
                             f"undecodable characters, as {decoded.encoding})")
        return
    fmt = get_format("html") if page else choose_format(doc.path, decoded.text)
    if fmt is None:
        yield Skip(doc.path, f"unsupported file type {os.path.splitext(base)[1] or '(no extension)'}")
        return
    if doc.sidecar is not None and fmt.name != "text":
        yield Skip(doc.sidecar.path, f"metadata sidecar not applied: {doc.path} is read as "
                                     f"{fmt.name}, and sidecars describe plain-text files")
    how = decoded.how + (f" [{decoded.warning}]" if decoded.warning else "")
    try:
        for item in fmt.read(decoded.text, doc, options):
            if isinstance(item, Skip):
                yield item
            else:
                item.provenance.setdefault("format", fmt.name)
                if page is not None:
                    _from_warc(item, page)
                yield build_article(item, doc, how)
    except Exception as exc:  # noqa: BLE001 - a reader bug must not end the run
        yield Skip(doc.path, f"{fmt.name} reader failed: {type(exc).__name__}: {exc}")


def _from_warc(item: RawArticle, page: WarcPage) -> None:
    """The record's URL wins over the page's own (it is where the page was fetched);
    its WARC-Date is the crawl date, never the publication date."""
    item.provenance["format"] = "html (WARC response record)"
    if page.url:
        item.url = page.url
        item.provenance["url"] = "WARC-Target-URI"
    if page.crawl_date:
        item.provenance["crawled"] = f"WARC-Date {page.crawl_date}"


def _read_warc(doc: Document, options: IngestOptions, src, budget: ArchiveBudget, depth: int
               ) -> Iterator[Article | Skip]:
    for page in iter_pages(doc.path, src, budget, options):
        if isinstance(page, Skip):
            yield page
            continue
        where = f"{doc.path}!{page.name}"
        if page.data is None:
            yield Skip(where, f"too large: over the {options.max_bytes:,}-byte limit (--max-bytes)")
            continue
        yield from _read_text_document(Document(doc.root_name, where, page.data, doc.folders, depth),
                                       options, page)


def _read_top_archive(doc: Document, kind: str, options: IngestOptions, src, packed,
                      run: RunBudget | None) -> Iterator[Article | Skip]:
    """An archive that is not inside another: it gets its own budget, and a limit
    crossed anywhere inside it ends it with one Skip (the rest of the corpus goes on)."""
    budget = ArchiveBudget(options, run, packed)
    if budget.exhausted_run():
        yield Skip(doc.path, limit_reason(
            f"not read: archives in this run already expanded past {options.max_run_bytes:,} bytes",
            "max_run_bytes"))
        return
    try:
        yield from _read_archive(doc, kind, options, src, budget)
    except LimitExceeded as exc:
        yield Skip(exc.where, f"{exc.reason}; the rest of {doc.path} was not read "
                              f"({budget.members:,} member(s) seen)")


def _read_archive(doc: Document, kind: str, options: IngestOptions, src, budget: ArchiveBudget
                  ) -> Iterator[Article | Skip]:
    depth = doc.depth + 1
    if depth > options.max_depth:
        raise LimitExceeded(doc.path, limit_reason(
            f"archives nested more than {options.max_depth} deep", "max_depth"))
    if kind == "warc":
        yield from _read_warc(doc, options, src, budget, depth)
        return
    for m in iter_members(doc.path, kind, src, budget, options):
        if isinstance(m, Skip):
            yield m
            continue
        yield from _read_member(doc, m, options, budget, depth)


def _read_member(doc: Document, m: Member, options: IngestOptions, budget: ArchiveBudget,
                 depth: int) -> Iterator[Article | Skip]:
    if len(m.name) > options.max_name_chars:
        yield Skip(f"{doc.path}!{m.name[:200]}…", limit_reason(
            f"member name of {len(m.name):,} characters, over {options.max_name_chars:,}",
            "max_name_chars"))
        return
    path = f"{doc.path}!{m.name}"
    if _UNSAFE_NAME.search(m.name):
        yield Skip(path, "unsafe member name (absolute, or climbing out with '..'): not read")
        return
    if m.data is None:
        size = f"{m.size:,} bytes" if m.size >= 0 else "more than that once decompressed"
        yield Skip(path, f"too large: {size} over the {options.max_bytes:,}-byte limit (--max-bytes)")
        return
    inner_dirs = tuple(p for p in m.name.split("/")[:-1] if p not in ("", "."))
    if any(p.startswith(".") or p == "__MACOSX" for p in inner_dirs) or m.name.rsplit("/", 1)[-1].startswith("."):
        return  # hidden members (macOS resource forks...), as hidden files on disk
    if m.name.endswith(SIDECAR_SUFFIX):
        yield Skip(path, "metadata sidecar inside an archive: not read (sidecars are read "
                         "beside text files on disk)")
        return
    member_doc = Document(doc.root_name, path, m.data, doc.folders + inner_dirs, depth)
    yield from read_document(member_doc, options, budget)


class ReadPosition:
    """How far into its file on disk a `read_source` has read: for progress by bytes
    inside an archive (a 300 MB tar is one file, read for minutes)."""

    def __init__(self) -> None:
        self._file: Any = None

    def bytes_read(self) -> int:
        try:
            return self._file.tell() if self._file is not None else 0
        except (OSError, ValueError):  # closed: the caller knows the file's size
            return 0


def read_source(sf: SourceFile, options: IngestOptions | None = None, run: RunBudget | None = None,
                position: ReadPosition | None = None) -> Iterator[Article | Skip]:
    """Everything one file on disk holds. Archives are streamed, not loaded whole.

    `run` carries the bytes decompressed so far in this run (`max_run_bytes`); without
    one, each call is a run of its own. `position`, if given, follows the read.
    """
    options = options or IngestOptions()
    try:
        with open(sf.abspath, "rb") as f:
            if position is not None:
                position._file = f
            head = f.read(512)
            kind = "warc" if is_warc(sf.relpath, head) else archive_kind(sf.relpath, head)
            doc = Document(sf.root_name, sf.relpath, b"", sf.folders)
            if kind:
                f.seek(0)
                yield from _read_top_archive(doc, kind, options, f, sf.size, run)
                return
            if sf.own_size > options.max_bytes:
                yield Skip(sf.relpath, f"too large: {sf.own_size:,} bytes over the "
                                       f"{options.max_bytes:,}-byte limit (--max-bytes)")
                return
            data = head + f.read(options.max_bytes + 1 - len(head))
    except OSError as exc:
        yield Skip(sf.relpath, f"cannot read: {exc.strerror or exc}")
        return
    if len(data) > options.max_bytes:  # it grew since it was listed
        yield Skip(sf.relpath, f"too large: over the {options.max_bytes:,}-byte limit (--max-bytes)")
        return
    sidecar = None
    if sf.sidecar is not None:
        sidecar = yield from _read_sidecar(sf)
    yield from read_document(Document(sf.root_name, sf.relpath, data, sf.folders, sidecar=sidecar),
                             options)


def _read_sidecar(sf: SourceFile) -> Generator[Skip, None, Sidecar | None]:
    """The bytes of `sf`'s metadata sidecar, or a Skip saying why not (the article is
    then read from its text alone)."""
    where = sf.sidecar_relpath or sf.relpath
    try:
        with open(sf.sidecar, "rb") as f:
            data = f.read(MAX_SIDECAR_BYTES + 1)
    except OSError as exc:
        yield Skip(where, f"metadata sidecar not applied: cannot read: {exc.strerror or exc}")
        return None
    if len(data) > MAX_SIDECAR_BYTES:
        yield Skip(where, f"metadata sidecar not applied: over {MAX_SIDECAR_BYTES:,} bytes "
                          "(a sidecar holds a few fields)")
        return None
    return Sidecar(where, data)


def read_corpus(paths: Iterable[str | os.PathLike[str]], options: IngestOptions | None = None,
                roots: Iterable[str | os.PathLike[str]] = ()) -> Iterator[Article | Skip]:
    """Every article under `paths`, in a reproducible order, exact duplicates reported.

    An article whose content hash was already seen in this run is yielded as a
    Skip naming the first copy, so it is reported and not double-counted.

    `roots`: corpus roots the paths may lie inside (an index's recorded roots). A file
    inside one is read as that root's file, so its path, source and id are those the
    index gives it: `inspect corpus/rferl/x.txt` showed another id than `index corpus/`.
    """
    options = options or IngestOptions()
    seen: dict[str, str] = {}
    run = RunBudget()
    roots = [Path(r).absolute() for r in roots]
    for sf in discover(paths, options):
        if isinstance(sf, Skip):
            yield sf
            continue
        sf = as_file_of_root(sf, roots)
        for item in read_source(sf, options, run):
            if isinstance(item, Article):
                first = seen.setdefault(item.content_hash, item.path)
                if first != item.path:
                    yield Skip(item.path, f"exact duplicate of {first}")
                    continue
            yield item


def as_file_of_root(sf: SourceFile, roots: list[Path]) -> SourceFile:
    """`sf` as discovered under the innermost of `roots` that holds it, else unchanged."""
    path = Path(sf.abspath)
    holders = [r for r in roots if r != path and r in path.parents]
    if not holders:
        return sf
    root = max(holders, key=lambda r: len(r.parts))
    return dataclasses.replace(sf, root=str(root), root_name=root_name(root),
                               relpath=readable_name(path.relative_to(root).as_posix()))


__all__ = ["read_corpus", "read_source", "ReadPosition", "read_document", "RawArticle", "binary_kind", "garbled_share"]
