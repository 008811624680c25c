"""A story's copies side by side: what `news-search story ID` and `NewsIndex.story` show.

Each copy is compared with the earliest one (undated copies last, then by article id)
word by word (difflib), and the difference is summarised in one short line: the words
removed and added, at most DIFF_CHARS characters, so that a story of 40 syndicated
copies reads as 40 lines.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DIFF_CHARS = 200
_CHANGE_CHARS = 60  # of one change, before "…"


@dataclass(frozen=True)
class StoryCopy:
    """One article of a story. `diff` is how its body differs from the earliest copy's
    ("" for the earliest copy itself, "same text" when the bodies are equal)."""

    id: str
    headline: str
    source: str | None
    published: datetime | None
    url: str | None
    path: str
    words: int
    similarity: float  # difflib's ratio of the words, against the earliest copy (1.0 = same)
    diff: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "headline": self.headline, "source": self.source,
                "published": self.published.isoformat() if self.published else None,
                "url": self.url, "path": self.path, "words": self.words,
                "similarity": round(self.similarity, 3), "diff": self.diff}


@dataclass(frozen=True)
class Story:
    """A story: its id and its copies, earliest first."""

    id: str
    copies: list[StoryCopy] = field(default_factory=list)

    @property
    def sources(self) -> list[str]:
        return sorted({c.source for c in self.copies if c.source})

    def to_dict(self) -> dict[str, Any]:
        return {"story": self.id, "copies": len(self.copies), "sources": self.sources,
                "articles": [c.to_dict() for c in self.copies]}


def _clip(words: list[str]) -> str:
    text = " ".join(words)
    return text if len(text) <= _CHANGE_CHARS else text[:_CHANGE_CHARS - 1] + "…"


def word_diff(earliest: str, other: str) -> tuple[float, str]:
    """(similarity, summary) of `other` against `earliest`: difflib's ratio over words,
    and the changes as `-removed +added` pieces, in order, clipped to DIFF_CHARS."""
    a, b = earliest.split(), other.split()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    pieces = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        piece = []
        if i2 > i1:
            piece.append(f"-[{_clip(a[i1:i2])}]")
        if j2 > j1:
            piece.append(f"+[{_clip(b[j1:j2])}]")
        pieces.append(" ".join(piece))
    if not pieces:
        return 1.0, "same text"
    summary = "; ".join(pieces)
    if len(summary) > DIFF_CHARS:
        summary = summary[:DIFF_CHARS - 1] + "…"
    return matcher.ratio(), summary


def earliest_first(copy: dict[str, Any]) -> tuple[bool, datetime | None, str]:
    """Sort key of stored articles: dated first by date, undated last, then by id."""
    published = copy.get("published")
    return (published is None, published, copy.get("id", ""))


def build_story(story_id: str, stored: list[dict[str, Any]], aware: Any) -> Story:
    """The story from its copies' stored fields (any order); `aware` makes a stored naive
    UTC date timezone-aware (results.utc_aware)."""
    ordered = sorted(stored, key=earliest_first)
    if not ordered:
        return Story(story_id)
    first_body = ordered[0].get("body", "")
    copies = []
    for k, fields in enumerate(ordered):
        body = fields.get("body", "")
        similarity, diff = (1.0, "") if k == 0 else word_diff(first_body, body)
        copies.append(StoryCopy(id=fields["id"], headline=fields.get("headline", ""),
                                source=fields.get("source"), published=aware(fields.get("published")),
                                url=fields.get("url"), path=fields.get("path", ""),
                                words=len(body.split()), similarity=similarity, diff=diff))
    return Story(story_id, copies)
