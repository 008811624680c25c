"""From a file on disk to Articles: size limits, archives, sniffing, dispatch.

Every failure becomes a `Skip` with a location; no exception from a reader
escapes for bad input. A reader bug still surfaces as a Skip naming the
exception, so one odd file cannot stop a 30,000-article run.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

from ..article import Article
from .archives import Member, archive_kind, iter_members
from .build import build_article
from .decode import decode
from .discover import SourceFile, discover
from .formats import choose_format
from .options import IngestOptions
from .records import Document, RawArticle, Skip

_BINARY_MAGIC = (
    (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"), (b"\x7fELF", "executable"), (b"RIFF", "RIFF media"),
    (b"OggS", "Ogg media"), (b"ID3", "MP3 audio"), (b"\x00\x00\x00", "binary data"),
    (b"BZh", "bzip2 data (not supported)"), (b"\xfd7zXZ", "xz data (not supported)"),
    (b"7z\xbc\xaf", "7z archive (not supported)"), (b"Rar!", "RAR archive (not supported)"),
)
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_NOT_ARTICLES = ("readme", "license", "licence", "copying", "changelog")


def binary_kind(data: bytes) -> str | None:
    """Why these bytes are not text, or None if they may be."""
    if data.startswith(_TEXT_BOMS):
        return None
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            return what
    head = data[:8192]
    if b"\x00" in head:
        return f"binary data (NUL byte at offset {head.index(0)})"
    return None


def read_document(doc: Document, options: IngestOptions) -> Iterator[Article | Skip]:
    data = doc.data
    if not data.strip():
        yield Skip(doc.path, "empty file")
        return
    kind = archive_kind(doc.path, data[:512])
    if kind:
        yield from _read_archive(doc, kind, options, data=data)
        return
    yield from _read_text_document(doc, options)


def _read_text_document(doc: Document, options: IngestOptions) -> Iterator[Article | Skip]:
    base = doc.path.rsplit("!", 1)[-1].rsplit("/", 1)[-1].lower()
    if base.split(".", 1)[0] in _NOT_ARTICLES:
        yield Skip(doc.path, "documentation file, not an article")
        return
    why = binary_kind(doc.data)
    if why:
        yield Skip(doc.path, f"not text: {why}")
        return
    decoded = decode(doc.data)
    fmt = choose_format(doc.path, decoded.text)
    if fmt is None:
        yield Skip(doc.path, f"unsupported file type {os.path.splitext(base)[1] or '(no extension)'}")
        return
    how = decoded.how + (f" [{decoded.warning}]" if decoded.warning else "")
    try:
        for item in fmt.read(decoded.text, doc, options):
            if isinstance(item, Skip):
                yield item
            else:
                item.provenance.setdefault("format", fmt.name)
                yield build_article(item, doc, how)
    except Exception as exc:  # noqa: BLE001 - a reader bug must not end the run
        yield Skip(doc.path, f"{fmt.name} reader failed: {type(exc).__name__}: {exc}")


def _read_archive(doc: Document, kind: str, options: IngestOptions, data: bytes | None = None,
                  fileobj=None) -> Iterator[Article | Skip]:
    for m in iter_members(doc.path, data, kind, options.max_bytes, fileobj=fileobj):
        if isinstance(m, Skip):
            yield m
            continue
        yield from _read_member(doc, m, options)


def _read_member(doc: Document, m: Member, options: IngestOptions) -> Iterator[Article | Skip]:
    path = f"{doc.path}!{m.name}"
    if m.data is None:
        yield Skip(path, f"too large: {m.size:,} bytes over the {options.max_bytes:,}-byte limit")
        return
    inner_dirs = tuple(p for p in m.name.split("/")[:-1] if p not in ("", "."))
    if any(p.startswith(".") or p == "__MACOSX" for p in inner_dirs) or m.name.rsplit("/", 1)[-1].startswith("."):
        return  # hidden members (macOS resource forks...), as hidden files on disk
    member_doc = Document(doc.root_name, path, m.data, doc.folders + inner_dirs)
    yield from read_document(member_doc, options)


def read_source(sf: SourceFile, options: IngestOptions | None = None) -> Iterator[Article | Skip]:
    """Everything one file on disk holds. Archives are streamed, not loaded whole."""
    options = options or IngestOptions()
    try:
        with open(sf.abspath, "rb") as f:
            head = f.read(512)
            kind = archive_kind(sf.relpath, head)
            doc = Document(sf.root_name, sf.relpath, b"", sf.folders)
            if kind:
                f.seek(0)
                yield from _read_archive(doc, kind, options, fileobj=f)
                return
            if sf.size > options.max_bytes:
                yield Skip(sf.relpath, f"too large: {sf.size:,} bytes over the "
                                       f"{options.max_bytes:,}-byte limit (--max-bytes)")
                return
            data = head + f.read()
    except OSError as exc:
        yield Skip(sf.relpath, f"cannot read: {exc.strerror or exc}")
        return
    yield from read_document(Document(sf.root_name, sf.relpath, data, sf.folders), options)


def read_corpus(paths: Iterable[str | os.PathLike[str]], options: IngestOptions | None = None
                ) -> Iterator[Article | Skip]:
    """Every article under `paths`, in a reproducible order, exact duplicates reported.

    An article whose content hash was already seen in this run is yielded as a
    Skip naming the first copy, so it is reported and not double-counted.
    """
    options = options or IngestOptions()
    seen: dict[str, str] = {}
    for sf in discover(paths, options):
        if isinstance(sf, Skip):
            yield sf
            continue
        for item in read_source(sf, options):
            if isinstance(item, Article):
                first = seen.setdefault(item.content_hash, item.path)
                if first != item.path:
                    yield Skip(item.path, f"exact duplicate of {first}")
                    continue
            yield item


__all__ = ["read_corpus", "read_source", "read_document", "RawArticle", "binary_kind"]
