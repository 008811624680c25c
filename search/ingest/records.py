"""What readers produce: raw fields with their provenance, or a reasoned skip.

Readers stay small and pure by returning `RawArticle`s; `build.py` applies the
shared rules (cleaning, dates, source inference, ids) in one place.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Sidecar:
    """A metadata sidecar's bytes as read beside its text file (formats/sidecar.py).
    `path`: relative to the corpus root, as skips name files."""

    path: str
    data: bytes

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Document:
    """One byte stream to read: a file, or a member of an archive."""

    root_name: str  # name of the corpus root (part of every id)
    path: str  # relative to the root; archive members as "a.tar.gz!dir/x.txt"
    data: bytes
    folders: tuple[str, ...] = ()  # folders between the root and the file (members included)
    depth: int = 0  # archives this document sits in (a file on disk: 0)
    sidecar: Sidecar | None = None  # NAME.meta.json beside a text file on disk


def readable_name(name: str) -> str:
    """A file or member name as valid text: bytes that are not UTF-8 as `\\xff`.

    Names on disk are bytes. Python hands undecodable ones over as lone surrogates
    (os.fsdecode), which nothing downstream can encode (ids, SQLite, JSON, a UTF-8
    terminal), so paths are carried in this form; the file is still opened by its
    real name. Valid names are returned unchanged, so their ids do not change.
    """
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        pass
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that os.fsdecode cannot have made
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass
class RawArticle:
    headline: str | None = None
    body: str | None = None
    source: str | None = None
    published: str | datetime | None = None
    url: str | None = None
    author: str | None = None
    language: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    record: int | None = None  # 1-based position inside a multi-article file
    line: int | None = None  # line where the record starts, when known
    provenance: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Skip:
    """Something not ingested, and why. `path` names the file and archive member."""

    path: str
    reason: str
    line: int | None = None
    record: int | None = None

    def location(self) -> str:
        loc = self.path
        if self.record is not None:
            loc += f"#{self.record}"
        if self.line is not None:
            loc += f":{self.line}"
        return loc

    def __str__(self) -> str:
        return f"{self.location()}: {self.reason}"

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "record": self.record, "reason": self.reason}
