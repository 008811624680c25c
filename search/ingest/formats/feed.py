"""RSS 0.9x/1.0/2.0 and Atom feeds (feedparser): one article per item/entry.

feedparser is lenient on purpose: a feed with XML errors that still yields
entries is read (the error goes into provenance); only one that yields
nothing is skipped. Dates are passed on as the feed wrote them so that our
own date parser decides, the same way for every format.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping

import feedparser
import lxml.html
from lxml import etree

from ..options import IngestOptions
from ..records import Document, RawArticle, Skip

_BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "pre")


def html_to_text(markup: str) -> str:
    """Feed HTML to text, one paragraph per block element."""
    if "<" not in markup:
        return markup
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return markup
    etree.strip_elements(root, "script", "style", with_tail=False)
    for el in root.iter(*_BLOCKS):
        el.tail = "\n\n" + (el.tail or "")
    return root.text_content()


def _text(value: object, detail: object) -> str:
    """A feed string as text: markup stripped only when the feed says it is HTML."""
    kind = detail.get("type", "") if isinstance(detail, Mapping) else ""
    return html_to_text(str(value)) if "html" in kind else str(value)


def _content(entry: Mapping[str, object]) -> tuple[str | None, str]:
    """The fullest text an entry has: <content:encoded>/<content> over the summary."""
    best, how, detail = None, "", None
    for c in entry.get("content") or []:
        value = c.get("value") or ""
        if value.strip() and (best is None or len(value) > len(best)):
            best, how, detail = value, f"entry content ({c.get('type') or 'text'})", c
    summary = entry.get("summary") or ""
    if best is None and summary.strip():
        best, how, detail = summary, "entry summary/description", entry.get("summary_detail")
    if best is None:
        return None, ""
    return _text(best, detail), how


def _published(entry: Mapping[str, object]) -> tuple[str | None, str]:
    for key in ("published", "updated", "created"):
        if entry.get(key):
            return str(entry[key]), f"entry {key}"
    return None, ""


def _entry(entry: Mapping[str, object], feed_title: str | None, record: int) -> RawArticle:
    prov: dict[str, str] = {}
    raw = RawArticle(record=record, provenance=prov)
    if entry.get("title"):
        raw.headline = _text(entry["title"], entry.get("title_detail"))
        prov["headline"] = "entry title"
    raw.body, how = _content(entry)
    if how:
        prov["body"] = how + ", HTML stripped"
    if entry.get("link"):
        raw.url, prov["url"] = str(entry["link"]), "entry link"
    raw.published, how = _published(entry)
    if how:
        prov["published"] = how
    if entry.get("author"):
        raw.author, prov["author"] = str(entry["author"]), "entry author"
    item_source = entry.get("source")
    if isinstance(item_source, Mapping) and item_source.get("title"):
        raw.source, prov["source"] = str(item_source["title"]), "entry <source>"
    elif feed_title:
        raw.source, prov["source"] = feed_title, "feed title"
    tags = [t.get("term") or t.get("label") for t in entry.get("tags") or [] if isinstance(t, Mapping)]
    raw.tags = tuple(t.strip() for t in tags if t and t.strip())
    if raw.tags:
        prov["tags"] = "entry categories"
    if entry.get("language"):
        raw.language, prov["language"] = str(entry["language"]), "entry xml:lang"
    return raw


def read(text: str, doc: Document, options: IngestOptions) -> Iterator[RawArticle | Skip]:
    # Bytes with a declared charset: feedparser must not re-guess what decode.py decided,
    # nor take a string for a URL or file name.
    parsed = feedparser.parse(text.encode("utf-8"),
                              response_headers={"content-type": "application/xml; charset=utf-8"})
    entries = parsed.get("entries") or []
    if not entries:
        if parsed.get("bozo") and parsed.get("bozo_exception") is not None:
            yield Skip(doc.path, f"not a readable feed: {parsed['bozo_exception']}")
        else:
            yield Skip(doc.path, "feed has no items")
        return
    feed = parsed.get("feed") or {}
    feed_title = _text(feed["title"], feed.get("title_detail")).strip() if feed.get("title") else None
    feed_language = feed.get("language")
    problem = parsed.get("bozo_exception")
    # The charset note is about our re-encoding to UTF-8, not about the feed.
    warning = f"feed is not well-formed ({problem}); read leniently" \
        if problem is not None and not isinstance(problem, feedparser.CharacterEncodingOverride) else None
    for record, entry in enumerate(entries, 1):
        raw = _entry(entry, feed_title, record)
        if not (raw.headline or "").strip() and not (raw.body or "").strip():
            yield Skip(doc.path, "feed item has no title and no text"
                       + (f" ({warning})" if warning else ""), record=record)
            continue
        if raw.language is None and feed_language:
            raw.language, raw.provenance["language"] = str(feed_language), "feed language"
        if warning:
            raw.provenance["feed"] = warning
        yield raw
