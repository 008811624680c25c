"""Reuters-21578 SGML (`reut2-NNN.sgm`): one article per <REUTERS> element.

SGML, not XML (no root element, `&#N;` references to control characters that
XML parsers reject), so elements are found with regexes: all 22 files parse
in a couple of seconds.

Choices: tags carry every category list the element has (TOPICS, PLACES,
PEOPLE, ORGS, EXCHANGES, COMPANIES) as plain values ("cocoa", "el-salvador"),
without a "topic:" prefix: the lists do not overlap in practice and plain
values are what users type. Section stays empty: the topics are categories,
not a newspaper section, and 47% of the stories have none. `TYPE="UNPROC"`
stories have no TITLE/BODY: their first text line is the headline and the
rest the body. NEWID goes into provenance, so an article can be traced back to
the distribution's own numbering.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterator

from ..options import IngestOptions
from ..records import Document, RawArticle, Skip

SOURCE = "reuters"
CATEGORY_LISTS = ("TOPICS", "PLACES", "PEOPLE", "ORGS", "EXCHANGES", "COMPANIES")

_OPEN = re.compile(r"<REUTERS\b([^>]*)>", re.I)
_CLOSE = re.compile(r"</REUTERS\s*>", re.I)
_ATTR = re.compile(r'([A-Za-z-]+)\s*=\s*"([^"]*)"')
_D = re.compile(r"<D>(.*?)</D>", re.S | re.I)
_TEXT = re.compile(r"<TEXT\b([^>]*)>(.*?)</TEXT\s*>", re.S | re.I)
_BY = re.compile(r"^\s*by\s+", re.I)
_REUTERS_SUFFIX = re.compile(r",\s*Reuters\s*$", re.I)
_ELEMENTS = {name: re.compile(rf"<{name}>(.*?)</{name}\s*>", re.S | re.I)
             for name in ("DATE", "TITLE", "BODY", "AUTHOR", "DATELINE") + CATEGORY_LISTS}
_ANY_TAG = re.compile(r"</?[A-Z]+\b[^>]*>")
_DATE = re.compile(r"^\s*(\d{1,2}-[A-Za-z]{3}-\d{4})(?:\s+(\d{1,3}):(\d{2}):(\d{2})(\.\d+)?)?")
_PARAGRAPH = re.compile(r"\n[ \t]+(?=\S)")  # stories indent each new paragraph (and the sign-off)


def _element(name: str, text: str) -> str | None:
    m = _ELEMENTS[name].search(text)
    return m.group(1) if m else None


def _decode(text: str) -> str:
    """`&#N;` and `&lt;`-style references; the control characters go in build's cleaning."""
    return html.unescape(text) if "&" in text else text


def reuters_date(text: str | None) -> tuple[str | None, str]:
    """The timestamp part of a <DATE>, and what was dropped from it.

    A few dates carry teletype codes after the time ("&#5;&#5;&#5;V RM"), one
    an impossible hour ("605:12:19.12"), one a note that it is guesswork.
    """
    if not text or not text.strip():
        return None, ""
    m = _DATE.match(text)
    if not m:
        return text.strip(), ""
    day, hh, mm, ss, frac = m.groups()
    if hh is None or int(hh) > 23:
        value, note = day, " (time missing or invalid: day only)" if hh is not None else ""
    else:
        value, note = f"{day} {hh}:{mm}:{ss}{frac or ''}", ""
    rest = _decode(text[m.end():]).strip()
    if rest.strip("\x00\x01\x02\x03\x05\x16\x1e\x1f\x7f "):
        note += f" (ignored trailing {rest.lstrip(chr(5))[:40]!r})"
    return value, note


def unwrap(body: str) -> str:
    """Hard-wrapped teletype lines -> one line per paragraph, paragraphs kept."""
    paragraphs = _PARAGRAPH.split(body.strip("\n"))
    return "\n\n".join(" ".join(ln.strip() for ln in p.split("\n") if ln.strip()) for p in paragraphs)


def _author(text: str | None) -> str | None:
    """'    By Peter Torday, Reuters' -> 'Peter Torday'."""
    if not text:
        return None
    return _REUTERS_SUFFIX.sub("", _BY.sub("", _decode(text))).strip() or None


def parse_element(attrs: str, inner: str) -> RawArticle:
    """One complete <REUTERS ...>...</REUTERS> element's attributes and content."""
    attr = dict(_ATTR.findall(attrs))
    published, note = reuters_date(_element("DATE", inner))
    prov = {"source": "Reuters-21578 collection", "published": "<DATE>" + note}
    if "NEWID" in attr:
        prov["newid"] = attr["NEWID"]

    tags: list[str] = []
    tag_lists: list[str] = []
    for name in CATEGORY_LISTS:
        values = [_decode(d).strip() for d in _D.findall(_element(name, inner) or "")]
        if any(values):
            tags.extend(v for v in values if v)
            tag_lists.append(f"<{name}>")
    if tag_lists:
        prov["tags"] = ", ".join(tag_lists) + " values, unprefixed"

    text_m = _TEXT.search(inner)
    text_type = (dict(_ATTR.findall(text_m.group(1))).get("TYPE", "NORM") if text_m else "NONE").upper()
    text_inner = text_m.group(2) if text_m else ""
    headline = _element("TITLE", text_inner)
    body = _element("BODY", text_inner)
    if headline is not None:
        prov["headline"] = "<TITLE>"
    if body is not None:
        body = unwrap(body)
        prov["body"] = "<BODY>, wrapped lines joined"
    elif text_type == "UNPROC" or (headline is None and text_inner.strip()):
        # Control-character references decode to nothing, so blank-looking lines go.
        lines = [ln for ln in _decode(_ANY_TAG.sub("", text_inner)).split("\n") if ln.strip()]
        if headline is None and lines:
            headline, lines = lines[0], lines[1:]
            prov["headline"] = f'first line of <TEXT TYPE="{text_type}"> (no <TITLE>)'
        body = "\n".join(lines)
        prov["body"] = f'<TEXT TYPE="{text_type}">'
    elif text_type == "BRIEF":
        prov["body"] = 'none: <TEXT TYPE="BRIEF"> has a title only'

    author = _author(_element("AUTHOR", inner))
    if author:
        prov["author"] = "<AUTHOR> without 'By' and ', Reuters'"
    return RawArticle(
        headline=_decode(headline) if headline else None,
        body=_decode(body) if body else None,
        source=SOURCE,
        published=published,
        author=author,
        tags=tuple(tags),
        provenance=prov,
    )


def read(text: str, doc: Document, options: IngestOptions) -> Iterator[RawArticle | Skip]:
    starts = [m for m in _OPEN.finditer(text)]
    if not starts:
        yield Skip(doc.path, "no <REUTERS> element found")
        return
    line = 1
    counted_to = 0
    for record, m in enumerate(starts, 1):
        line += text.count("\n", counted_to, m.start())
        counted_to = m.start()
        end = starts[record].start() if record < len(starts) else len(text)
        close = _CLOSE.search(text, m.end(), end)
        if close is None:
            yield Skip(doc.path, "<REUTERS> element cut short: no </REUTERS> before "
                                 + ("the next element" if record < len(starts) else "the end of the file"),
                       line=line, record=record)
            continue
        raw = parse_element(m.group(1), text[m.end():close.start()])
        raw.record, raw.line = record, line
        yield raw
