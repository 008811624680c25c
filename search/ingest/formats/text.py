"""Plain-text articles as scrapers save them (the seeds, BBC's files).

Headline: the first real line once page chrome is dropped. An optional header
block of `Key: value` lines at the very top overrides what is inferred, so a
user can fix a file's metadata without touching its story; a sidecar
`NAME.meta.json` beside the file (sidecar.py) overrides both, without touching
the file at all.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from ..chrome import strip_chrome
from ..clean import clean_text
from ..options import IngestOptions
from ..records import Document, RawArticle, Skip
from .prose import MIN_PROSE_WORDS, has_words
from .sidecar import SidecarError, parse_sidecar

HEADER_KEYS = {
    "headline": "headline", "title": "headline", "source": "source", "publisher": "source",
    "date": "published", "published": "published", "url": "url", "link": "url",
    "author": "author", "by": "author", "language": "language", "lang": "language",
    "section": "section", "category": "section", "tags": "tags",
}
_HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z ]{0,20}):\s*(.*)$")
# A plain-text article has at least one line of prose; word lists and label
# files shipped beside corpora (AG News's classes.txt, Reuters' *-strings.lc.txt) have none.
# Words are counted per script (prose.py): Chinese has no spaces.
_HAS_LETTER = re.compile(r"[^\W\d_]")


def parse_header(lines: list[str]) -> tuple[dict[str, str], int]:
    """Header fields and the number of lines they take (0 when there is none)."""
    fields: dict[str, str] = {}
    n = 0
    for line in lines:
        if not line.strip():
            break
        m = _HEADER_LINE.match(line.strip())
        key = HEADER_KEYS.get(m.group(1).strip().lower()) if m else None
        if key is None:
            return ({}, 0) if not fields or n == 0 else (fields, n)
        fields[key] = m.group(2).strip()
        n += 1
    return fields, n


def read(text: str, doc: Document, options: IngestOptions) -> Iterator[RawArticle | Skip]:
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    header, used = parse_header(raw_lines)
    lines = clean_text("\n".join(raw_lines[used:])).split("\n")
    lines, removed = strip_chrome(lines)
    given, fault = _sidecar_fields(doc)
    if fault is not None:
        yield fault
    titled = "headline" in header or "headline" in given
    if not any(_HAS_LETTER.search(line) for line in lines) and not titled:
        yield Skip(doc.path, "no text: nothing but blank lines, digits or page chrome")
        return

    if not titled and not has_words(lines):
        yield Skip(doc.path, f"not an article: no line has {MIN_PROSE_WORDS} or more words "
                             "(a list or a label file?)")
        return

    prov: dict[str, str] = {}
    if removed:
        prov["chrome"] = "; ".join(removed)
    first = next(i for i, line in enumerate(lines) if line) if any(lines) else len(lines)
    if titled:
        # The whole text is body: its first line may be the headline the metadata corrects.
        headline, body_lines = header.get("headline", ""), lines[first:]
        prov["headline"] = "header 'Headline'"
    else:
        headline, body_lines = lines[first], lines[first + 1:]
        prov["headline"] = "first line that is not page chrome"
    prov["body"] = "the lines after the headline"
    for key in ("source", "published", "url", "author", "language", "section", "tags"):
        if header.get(key):
            prov[key] = f"header '{key}'"
    tags = tuple(t.strip() for t in header.get("tags", "").split(",") if t.strip())
    raw = RawArticle(
        headline=headline, body="\n".join(body_lines), source=header.get("source"),
        published=header.get("published"), url=header.get("url"), author=header.get("author"),
        language=header.get("language"), section=header.get("section"), tags=tags,
        line=1, provenance=prov,
    )
    if doc.sidecar is not None:
        for key, value in given.items():
            setattr(raw, key, value)
            prov[key] = f'sidecar {doc.sidecar.name} key "{key}"'
    yield raw


def _sidecar_fields(doc: Document) -> tuple[dict[str, str | tuple[str, ...]], Skip | None]:
    """The fields `doc`'s sidecar gives, or none and the Skip saying why."""
    if doc.sidecar is None:
        return {}, None
    try:
        return parse_sidecar(doc.sidecar.data), None
    except SidecarError as exc:
        return {}, Skip(doc.sidecar.path, f"metadata sidecar not applied: {exc}")
