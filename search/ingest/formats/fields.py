"""Which record keys (JSON keys, CSV columns) feed which article field.

Kept in one place so that JSON, JSON Lines and CSV agree on names: a user who
exports the same data both ways gets the same articles. Keys match
case-insensitively; for each field the first key present with a non-empty value
wins, except the body, which takes the longest of text/body/content (exports
often carry a teaser in one and the story in another) and falls back to the
description only when none of those has text.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone

from ..records import RawArticle

HEADLINE_KEYS = ("title", "headline")
BODY_KEYS = ("text", "body", "content")
SUMMARY_KEYS = ("description",)
SOURCE_KEYS = ("source", "publisher", "site", "site_name", "domain")
PUBLISHED_KEYS = ("date", "published", "published_at", "date_publish", "pubdate",
                  "date_published", "datetime", "date_extracted")
URL_KEYS = ("url", "link")
AUTHOR_KEYS = ("author", "authors")
LANGUAGE_KEYS = ("language", "lang")
SECTION_KEYS = ("section", "category")
TAG_KEYS = ("tags", "keywords", "topics")
# Classification datasets (AG News, ...) name their category column like this.
LABEL_KEYS = ("class", "label")

ONE_VALUE_FIELDS: dict[str, tuple[str, ...]] = {
    "headline": HEADLINE_KEYS, "source": SOURCE_KEYS, "published": PUBLISHED_KEYS,
    "url": URL_KEYS, "author": AUTHOR_KEYS, "language": LANGUAGE_KEYS,
}
# Every key any field reads: a CSV first row holding one of these is a header.
KNOWN_KEYS = frozenset(
    HEADLINE_KEYS + BODY_KEYS + SUMMARY_KEYS + SOURCE_KEYS + PUBLISHED_KEYS + URL_KEYS
    + AUTHOR_KEYS + LANGUAGE_KEYS + SECTION_KEYS + TAG_KEYS + LABEL_KEYS
    # our own field names, so `--csv-columns section,headline,body` and headers
    # written by `news-search` exports map too
    + ("headline", "body", "published", "section")
)
# What the date key means, when it is not simply "the publication date".
DATE_KEY_NOTES = {
    "date_extracted": "crawl time, not necessarily publication (SaudiNewsNet's README)",
}
_NAME_KEYS = ("name", "title", "value", "@value", "term", "label")

Describe = Callable[[str], str]  # key -> provenance text, e.g. 'json key "title"'


def as_text(value: object) -> str | None:
    """A record value as one string: dicts give their name, lists are joined."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, Mapping):
        for k in _NAME_KEYS:
            text = as_text(value.get(k))
            if text:
                return text
        return None
    if isinstance(value, (list, tuple)):
        parts = [t for t in (as_text(v) for v in value) if t]
        return ", ".join(parts) if parts else None
    return None


def as_tags(value: object) -> tuple[str, ...]:
    """Tags from a list (of strings or named dicts) or a comma/semicolon string."""
    if isinstance(value, (list, tuple)):
        items = [as_text(v) for v in value]
        return tuple(t.strip() for t in items if t and t.strip())
    text = as_text(value)
    if not text:
        return ()
    sep = ";" if ";" in text and "," not in text else ","
    return tuple(t.strip() for t in text.split(sep) if t.strip())


def as_published(value: object) -> tuple[str | datetime | None, str]:
    """A date value for `parse_date`, plus a note for provenance.

    Bare numbers are taken as Unix time (seconds, or milliseconds when too large
    for seconds), the one numeric date convention exports share.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) >= 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc), " (Unix time)"
        except (OverflowError, OSError, ValueError):
            return None, ""
    return as_text(value), ""


def lower_keys(record: Mapping[str, object]) -> dict[str, str]:
    """Lower-cased key -> the record's own spelling; the first spelling wins."""
    out: dict[str, str] = {}
    for key in record:
        if isinstance(key, str):
            out.setdefault(key.strip().lower(), key)
    return out


def _first(record: Mapping[str, object], keys: dict[str, str], names: tuple[str, ...]
           ) -> tuple[str | None, object]:
    for name in names:
        own = keys.get(name)
        if own is not None and as_text(record[own]) is not None:
            return own, record[own]
    return None, None


def raw_article(record: Mapping[str, object], describe: Describe,
                section_keys: tuple[str, ...] = SECTION_KEYS) -> RawArticle:
    """Map one record to a RawArticle, saying in provenance which key gave what.

    `section_keys` lets CSV also take a classification `class`/`label` column.
    """
    keys = lower_keys(record)
    prov: dict[str, str] = {}
    raw = RawArticle(provenance=prov)

    for field, names in ONE_VALUE_FIELDS.items():
        own, value = _first(record, keys, names)
        if own is None:
            continue
        note = ""
        if field == "published":
            value, note = as_published(value)
            note += f": {DATE_KEY_NOTES[own.lower()]}" if own.lower() in DATE_KEY_NOTES else ""
        else:
            value = as_text(value)
        setattr(raw, field, value)
        prov[field] = describe(own) + note

    bodies = [(len(as_text(record[keys[n]]) or ""), keys[n]) for n in BODY_KEYS
              if n in keys and as_text(record[keys[n]])]
    if bodies:
        own = max(bodies, key=lambda b: b[0])[1]  # ties: the earlier key in BODY_KEYS
        raw.body = as_text(record[own])
        prov["body"] = describe(own) + (" (the longest text field)" if len(bodies) > 1 else "")
    else:
        own, value = _first(record, keys, SUMMARY_KEYS)
        if own is not None:
            raw.body = as_text(value)
            prov["body"] = describe(own) + " (no full-text field)"

    own, value = _first(record, keys, section_keys)
    if own is not None:
        raw.section = as_text(value)
        prov["section"] = describe(own)
    own, value = _first(record, keys, TAG_KEYS)
    if own is not None:
        raw.tags = as_tags(value)
        prov["tags"] = describe(own)
    return raw


def has_article_keys(record: Mapping[str, object]) -> bool:
    """Whether the record has any key that gives a headline or a body."""
    keys = lower_keys(record)
    return any(k in keys for k in HEADLINE_KEYS + BODY_KEYS + SUMMARY_KEYS + ("headline", "body"))
