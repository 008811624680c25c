"""The record that ingestion hands to indexing.

`Article` is the one contract between the two stages: readers never touch the
index, and the index never parses files. Everything here is plain data so that
articles can cross process boundaries (parallel parsing) and be compared in tests.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

# How much of a publication date the source gave, coarsest first (ingest/dates.py reads
# it). "year" and "month" are partial dates: the period, stored as its first instant.
PRECISIONS = ("year", "month", "day", "time")
PARTIAL_PRECISIONS = ("year", "month")


def format_published(when: datetime | None, precision: str | None) -> str | None:
    """How a stored date is shown: `2021-03` for a month, `2003` for a year, otherwise
    ISO 8601 in full (what `show` and JSON printed before precision was kept)."""
    if when is None:
        return None
    if precision == "year":
        return f"{when.year:04d}"
    if precision == "month":
        return f"{when.year:04d}-{when.month:02d}"
    return when.isoformat()


@dataclass(frozen=True)
class Article:
    """One news article, cleaned and with every field's origin recorded.

    `id` is derived from where the article lives (root name + path + record
    position), never from its content, so an edited article keeps its id and
    is *updated* rather than duplicated. `content_hash` is derived from the
    content, so unchanged articles can be skipped without re-analysis.
    """

    id: str
    headline: str
    body: str
    source: str | None = None
    published: datetime | None = None  # timezone-aware UTC, or None: never guessed
    url: str | None = None
    author: str | None = None
    language: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    path: str = ""  # relative to the corpus root; "a.tar.gz!member#3" inside files
    content_hash: str = ""
    provenance: dict[str, str] = field(default_factory=dict)
    # How much of `published` the source gave: "year" or "month" (then `published` is the
    # period's first instant, not a day), "day" or "time"; None: day or finer (indexes
    # written before precision was kept). Values: PRECISIONS.
    published_precision: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["published"] = format_published(self.published, self.published_precision)
        d["tags"] = list(self.tags)
        return d


def article_id(root_name: str, path: str) -> str:
    """Stable id for the article at `path` under a corpus root called `root_name`.

    The root's name is part of the key so that two corpora with the same
    layout (`a/x.txt` in two roots) do not collide.
    """
    import hashlib  # here: loading OpenSSL is ~2.5 ms of a cold query, which hashes nothing

    key = f"{root_name}/{path}".encode("utf-8")
    return hashlib.blake2b(key, digest_size=8).hexdigest()


def content_hash(headline: str, body: str) -> str:
    """Hash of what a reader sees; equal hashes mean exact duplicates."""
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    h.update(headline.encode("utf-8"))
    h.update(b"\x00")
    h.update(body.encode("utf-8"))
    return h.hexdigest()
