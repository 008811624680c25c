"""Pure functions that turn extracted text into clean, comparable text.

Cleaning runs on every field of every format, so it is the one place that
decides what "the same text" means (NFC, one kind of space, no control
characters, entities decoded).
"""
from __future__ import annotations

import html
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\ufeff]")
_WS = "\t\u00a0\u2000-\u200a\u202f\u205f\u3000"
# Only runs that need changing match (not every single space): it is the hot loop.
_SPACES = re.compile(f"[ {_WS}]{{2,}}|[{_WS}]")
_MANY_BREAKS = re.compile(r"\n{3,}")
# AG News and other scraped exports keep entities whose "&" was lost: " #36;10 million".
_ORPHAN_ENTITY = re.compile(r"#(?<![&\w]#)(\d{2,5});")  # lookbehind after "#": fast scan
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")


def decode_entities(text: str) -> str:
    if "#" in text:
        text = _ORPHAN_ENTITY.sub(lambda m: f"&#{m.group(1)};", text)
    # Twice: exports often double-escape ("&amp;lt;b&amp;gt;").
    return html.unescape(html.unescape(text)) if "&" in text else text


def strip_tags(text: str) -> str:
    return _TAG.sub("", text)


def collapse_spaces(text: str) -> str:
    """Runs of spaces and odd whitespace (tabs, no-break spaces...) as one space.

    The regex scan costs ~35 ns a character even where nothing changes, and this runs
    on every article's body: in ASCII text the only odd whitespace is the tab, and
    str.replace does the same work in C (Reuters: 5x faster)."""
    if text.isascii():
        if "\t" in text:
            text = text.replace("\t", " ")
        while "  " in text:
            text = text.replace("  ", " ")
        return text
    return _SPACES.sub(" ", text)


def clean_line(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    return collapse_spaces(text).strip()


def clean_text(text: str, *, entities: bool = True) -> str:
    """Normalise a multi-line text; paragraphs are kept, separated by one blank line."""
    if entities:
        text = decode_entities(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    # Whole-text passes, then a cheap strip per line: far faster than clean_line per line.
    text = collapse_spaces(_CONTROL.sub("", unicodedata.normalize("NFC", text)))
    text = "\n".join(line.strip() for line in text.split("\n")).strip("\n")
    return _MANY_BREAKS.sub("\n\n", text) if "\n\n\n" in text else text


def clean_field(value: object) -> str | None:
    """One-line metadata (headline, author, source): None when empty."""
    if value is None:
        return None
    text = clean_line(decode_entities(str(value)).replace("\n", " "))
    return text or None
