"""CSV and TSV exports: one article per row, columns named as in `fields.py`.

The first row is a header when one of its cells is a known column name.
Headerless files (AG News) need `--csv-columns`; without it the file is
skipped with a message saying so, because guessing which column is the
headline would silently index garbage.

Backslash escapes: some exports write a line break inside a field as a
backslash. AG News claims "\\n" but actually writes a lone backslash (the "n"
was lost: "a second\\team", "\\$10"), so the convention is decided per file:
when every backslash that precedes a letter precedes "n", "\\n" is the line
break; otherwise a lone backslash is, and "\\$" is an escaped "$". Files with
no backslash before a letter are left as they are (Windows paths survive).
Markup that entity decoding reveals ("&lt;b&gt;" -> "<b>") is stripped.
"""
from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator

from ..clean import decode_entities, strip_tags
from ..options import IngestOptions
from ..records import Document, RawArticle, Skip
from .fields import KNOWN_KEYS, LABEL_KEYS, SECTION_KEYS, raw_article

_BACKSLASH_LETTER = re.compile(r"\\([A-Za-z])")
_LONE_BACKSLASH = re.compile(r"\\(\$)|\\")
_TEXT_FIELDS = ("headline", "body")
_DELIMITERS = (",", "\t", ";", "|")


def backslash_convention(text: str) -> str | None:
    """'\\n', 'lone' or None: how this file writes a line break inside a field."""
    letters = set(_BACKSLASH_LETTER.findall(text[:2_000_000]))
    if not letters:
        return None
    return "\\n" if letters == {"n"} else "lone"


def unescape_breaks(value: str, convention: str | None) -> str:
    if convention == "\\n":
        return value.replace("\\n", "\n")
    if convention == "lone":
        return _LONE_BACKSLASH.sub(lambda m: m.group(1) or "\n", value)
    return value


def _delimiter(path: str, first_line: str) -> str:
    if path.lower().endswith(".tsv"):
        return "\t"
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    return "," if counts[","] else max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _is_header(row: list[str]) -> bool:
    return any(cell.strip().lower() in KNOWN_KEYS for cell in row)


def _clean_markup(value: str, convention: str | None) -> str:
    value = unescape_breaks(value, convention)
    if "&" in value or "#" in value or "<" in value:
        value = strip_tags(decode_entities(value))
    return value


def read(text: str, doc: Document, options: IngestOptions) -> Iterator[RawArticle | Skip]:
    # Fields may be as large as the document itself (long article bodies).
    csv.field_size_limit(max(csv.field_size_limit(), min(options.max_bytes + 1, sys.maxsize)))
    first_line = text.split("\n", 1)[0]
    delimiter = _delimiter(doc.path, first_line)
    kind = "TSV" if delimiter == "\t" else "CSV"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    convention = backslash_convention(text)

    columns: list[str] | None = None
    header_line = 0
    record = 0
    prev_line = 0
    try:
        for row in reader:
            line = prev_line + 1
            prev_line = reader.line_num
            if not row or not any(cell.strip() for cell in row):
                continue
            if columns is None:
                if _is_header(row):
                    columns, header_line = [c.strip() for c in row], line
                    if options.csv_columns:
                        columns = list(options.csv_columns)
                    continue
                if not options.csv_columns:
                    yield Skip(doc.path, f"{kind} has no header row (no cell of line {line} is a known "
                                         "column name such as title, text, date): pass --csv-columns "
                                         "to name the columns, e.g. --csv-columns section,headline,body",
                               line=line)
                    return
                columns = list(options.csv_columns)
            record += 1
            if len(row) != len(columns):
                origin = f"the header on line {header_line}" if header_line else "--csv-columns"
                yield Skip(doc.path, f"row has {len(row)} fields but {origin} names {len(columns)}",
                           line=line, record=record)
                continue
            raw = raw_article(dict(zip(columns, row)), _describe, SECTION_KEYS + LABEL_KEYS)
            for field in _TEXT_FIELDS:
                value = getattr(raw, field)
                if value:
                    setattr(raw, field, _clean_markup(value, convention))
            if convention and raw.body is not None:
                raw.provenance["body"] += f" (backslash line breaks: {convention!r} convention)"
            raw.record, raw.line = record, line
            yield raw
    except csv.Error as exc:
        yield Skip(doc.path, f"{kind} unreadable from here on: {exc}", line=prev_line + 1)
    if columns is not None and record == 0:
        yield Skip(doc.path, f"{kind} has a header row but no data rows", line=header_line)


def _describe(key: str) -> str:
    return f'csv column "{key}"'
