"""Bytes to text, in one documented order, never failing.

Order: BOM, strict UTF-8, chardet (when confident *and* its guess decodes),
the charset the file declares (HTML meta / XML prolog), then cp1252 and finally
latin-1, which cannot fail. The chosen route goes into provenance so a user can
see why a file looks the way it does.

chardet is consulted only when UTF-8 fails: most news files are UTF-8 (or
ASCII), and detection is the slowest step of ingestion.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import chardet

CHARDET_MIN_CONFIDENCE = 0.5
_DETECT_SAMPLE = 256 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED = re.compile(
    rb"""(?:<meta[^>]+charset\s*=\s*["']?|<\?xml[^>]+encoding\s*=\s*["'])([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec used
    how: str  # provenance, e.g. "chardet windows-1251 (0.87)"
    warning: str | None = None  # set when only the lossy fallback worked


def declared_charset(data: bytes) -> str | None:
    """The charset named in an HTML meta tag or XML prolog near the top."""
    m = _DECLARED.search(data[:4096])
    if not m:
        return None
    name = m.group(1).decode("ascii", "replace")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode(data: bytes) -> Decoded:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            text = _try(data, enc)
            if text is not None:
                return Decoded(text.lstrip("\ufeff"), enc, f"BOM {enc}")
    text = _try(data, "utf-8")
    if text is not None:
        return Decoded(text, "utf-8", "utf-8 (strict)")

    guess = chardet.detect(data[:_DETECT_SAMPLE])
    enc, conf = guess.get("encoding"), guess.get("confidence") or 0.0
    rejected = ""
    if enc and conf >= CHARDET_MIN_CONFIDENCE:
        text = _try(data, enc)
        if text is not None:
            return Decoded(text, enc.lower(), f"chardet {enc.lower()} ({conf:.2f})")
        rejected = f"chardet said {enc.lower()} ({conf:.2f}) but it does not decode; "
    elif enc:
        rejected = f"chardet {enc.lower()} too unsure ({conf:.2f}); "
    else:
        rejected = f"chardet found no text encoding ({guess.get('mime_type') or 'unknown'}); "

    declared = declared_charset(data)
    if declared:
        text = _try(data, declared)
        if text is not None:
            return Decoded(text, declared, f"{rejected}declared charset {declared}")

    text = _try(data, "cp1252")
    if text is not None:
        return Decoded(text, "cp1252", f"{rejected}fallback cp1252",
                       warning="encoding uncertain: decoded as cp1252")
    return Decoded(data.decode("latin-1"), "latin-1", f"{rejected}fallback latin-1",
                   warning="encoding uncertain: decoded as latin-1")
