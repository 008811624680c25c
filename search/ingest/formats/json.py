"""JSON and JSON Lines exports: one article, an array of them, or one per line.

The content decides, not the extension: `.json` files are often JSON Lines
and vice versa. A text that parses as one JSON value is JSON: an object is one
article (or a wrapper holding an array under "articles", "items", "data"...),
an array is many. Anything else is read as JSON Lines, where a broken line
costs only that line. Key names map to fields in `fields.py`.
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from ..options import IngestOptions
from ..records import Document, RawArticle, Skip
from .fields import has_article_keys, lower_keys, raw_article

# Keys under which API dumps and scrapers wrap their list of articles.
CONTAINER_KEYS = ("articles", "items", "data", "results", "entries", "posts", "documents",
                  "docs", "news", "stories", "records", "hits")


def _describe(key: str) -> str:
    return f'json key "{key}"'


def _kind(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")


def _record(value: object, doc: Document, record: int, line: int | None,
            where: str = "") -> RawArticle | Skip:
    if not isinstance(value, Mapping):
        return Skip(doc.path, f"{where}is {_kind(value)}, not an article object", line=line, record=record)
    if not has_article_keys(value):
        keys = ", ".join(list(value)[:8]) or "none"
        return Skip(doc.path, f"{where}has no title, headline, text, body, content or description key "
                              f"(keys: {keys})", line=line, record=record)
    raw = raw_article(value, _describe)
    raw.record, raw.line = record, line
    return raw


def _container(obj: Mapping[str, object]) -> tuple[str, list[object]] | None:
    keys = lower_keys(obj)
    for name in CONTAINER_KEYS:
        own = keys.get(name)
        if own is not None and isinstance(obj[own], list):
            return own, obj[own]
    return None


def _read_value(value: object, doc: Document) -> Iterator[RawArticle | Skip]:
    if isinstance(value, Mapping) and not has_article_keys(value):
        found = _container(value)
        if found is not None:
            key, items = found
            for i, item in enumerate(items, 1):
                yield _record(item, doc, i, None, f'item {i} of "{key}" ')
            if not items:
                yield Skip(doc.path, f'JSON array "{key}" is empty')
            return
    if isinstance(value, list):
        for i, item in enumerate(value, 1):
            yield _record(item, doc, i, None, f"array item {i} ")
        if not value:
            yield Skip(doc.path, "JSON array is empty")
        return
    yield _record(value, doc, None, 1, "the JSON value ")


def _read_lines(text: str, doc: Document, whole_error: json.JSONDecodeError
                ) -> Iterator[RawArticle | Skip]:
    decoded: list[tuple[int, int, object | json.JSONDecodeError]] = []
    record = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        record += 1
        try:
            decoded.append((lineno, record, json.loads(line)))
        except json.JSONDecodeError as exc:
            decoded.append((lineno, record, exc))
    if decoded and all(isinstance(v, json.JSONDecodeError) for _, _, v in decoded):
        # Not JSON Lines either: one message about the file beats one per line.
        yield Skip(doc.path, f"invalid JSON: {whole_error.msg} (line {whole_error.lineno}, "
                             f"column {whole_error.colno})", line=whole_error.lineno)
        return
    for lineno, record, value in decoded:
        if isinstance(value, json.JSONDecodeError):
            yield Skip(doc.path, f"malformed JSON line: {value.msg} (column {value.colno})",
                       line=lineno, record=record)
        else:
            yield _record(value, doc, record, lineno, "the line ")


def read(text: str, doc: Document, options: IngestOptions) -> Iterator[RawArticle | Skip]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        yield from _read_lines(text, doc, exc)
        return
    yield from _read_value(value, doc)
