"""Bytes to text, in one documented order that fails safe and never fails.

Order (the first rule that applies wins; its name goes into provenance so a user
can see why a file looks the way it does):

1. a byte-order mark: UTF-8, UTF-16 LE/BE, UTF-32 LE/BE;
2. UTF-16/32 without a BOM, recognised by their zero bytes (ASCII and Latin text
   in UTF-16 has a NUL in every other byte; any BMP text in UTF-32 has two per
   character) and only when the bytes decode strictly;
3. ISO-2022-JP/KR: 7-bit, so they pass as strict UTF-8 and would lose every
   Japanese/Korean character as escape sequences; their ESC sequences never occur
   in other text;
4. the charset the file declares (HTML meta, XML prolog, or the caller's, e.g. an
   HTTP header) when the bytes agree with it: they decode cleanly (strictly, no C1
   controls) and are not valid UTF-8 (bytes that are valid non-ASCII UTF-8 labelled
   with a legacy charset are the commonest mislabel on the web; for ASCII bytes
   every such charset gives the same text);
5. strict UTF-8;
6. UTF-8 with replacement when the text is overwhelmingly UTF-8 (at least
   UTF8_MIN_GOOD_PER_BAD good non-ASCII characters per bad sequence): one
   truncated character among 500 costs one U+FFFD, not the whole page as
   latin-1 mojibake. The bad sequences are counted in provenance;
7. chardet's best guess, whatever its confidence, when it decodes cleanly (strictly
   and without C1 control characters): on real EUC-JP, Shift_JIS, Johab and
   ISO-8859-2 text chardet is right at 0.29-0.49 confidence, and the fallback
   below is always wrong for them. Its confidence is recorded; under
   CHARDET_WARN_BELOW the article carries a warning;
8. cp1252, then latin-1, which cannot fail (with a warning).

chardet is consulted only when the earlier rules fail: most news files are UTF-8
(or ASCII), and detection is the slowest step of ingestion.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

import chardet

CHARDET_WARN_BELOW = 0.5
UTF8_MIN_GOOD_PER_BAD = 20
_DETECT_SAMPLE = 256 * 1024
_WIDE_SAMPLE = 4096

# UTF-32 before UTF-16: the UTF-32-LE mark starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED = re.compile(
    rb"""(?:<meta[^>]+charset\s*=\s*["']?|<\?xml[^>]+encoding\s*=\s*["'])([A-Za-z0-9._:-]+)""",
    re.IGNORECASE,
)
_ISO2022 = (
    (re.compile(rb"\x1b\$\)C"), "iso2022_kr"),
    (re.compile(rb"\x1b(\$[@B]|\$\(D|\(J|\(I)"), "iso2022_jp_2"),
)
_UNICODE = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
                      "utf-32-be", "utf-8-sig"})
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_C1 = re.compile(r"[\x80-\x9f]")
# Unicode categories no text has: controls, surrogates, private use, unassigned.
_NOT_TEXT = frozenset({"Cc", "Cs", "Co", "Cn"})


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec used
    how: str  # provenance, e.g. "chardet windows-1251 (0.87)"
    warning: str | None = None  # set when the result may be wrong (lossy or unsure)
    bad_sequences: int = 0  # UTF-8 sequences replaced by U+FFFD (rule 6)
    confidence: float | None = None  # chardet's, when it chose (rule 7)


def declared_charset(data: bytes) -> str | None:
    """The charset named in an HTML meta tag or XML prolog near the top."""
    m = _DECLARED.search(data[:4096])
    if not m:
        return None
    return _codec(m.group(1).decode("ascii", "replace"))


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def bom_encoding(data: bytes) -> tuple[bytes, str] | None:
    """The byte-order mark the data starts with and its codec, or None."""
    return next(((bom, enc) for bom, enc in _BOMS if data.startswith(bom)), None)


def wide_unicode_encoding(data: bytes) -> str | None:
    """UTF-16/32 (LE or BE) recognised from zero bytes, without a BOM, or None.

    UTF-32: of each 4 bytes, the two high ones are zero for every BMP character (we
    ask for 95% of units). UTF-16: the high byte is zero for every character below
    U+0100, so Latin text has zeros in ~90% of one parity, and Cyrillic or CJK text
    still at its spaces, digits and newlines (2-20%); the other parity almost never.
    We ask for zeros in at least 1% of one parity and over twice as many as in the
    other (a CJK character such as U+8A00 has a zero low byte), and then that the sample decodes to plausible text: binary data with
    this pattern decodes to control, private-use or unassigned code points.
    """
    head = data[:_WIDE_SAMPLE]
    if len(head) < 8 or b"\x00" not in head:  # most files: one scan, no more
        return None
    candidates = []
    units = len(head) // 4
    body = head[: units * 4]
    for enc, hi in (("utf-32-le", (2, 3)), ("utf-32-be", (0, 1))):
        if min(body[hi[0]::4].count(0), body[hi[1]::4].count(0)) >= 0.95 * units:
            candidates.append(enc)
    pairs = len(head) // 2
    even, odd = head[0:pairs * 2:2].count(0), head[1:pairs * 2:2].count(0)
    if max(even, odd) >= max(2, 0.01 * pairs) and max(even, odd) > 2 * min(even, odd):
        candidates.append("utf-16-le" if odd > even else "utf-16-be")
    for enc in candidates:
        try:
            sample = codecs.getincrementaldecoder(enc)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if sample and not any(unicodedata.category(ch) in _NOT_TEXT for ch in sample
                              if ch not in "\t\n\r\f"):
            return enc
    return None


def _utf8_with_replacement(data: bytes) -> Decoded | None:
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    good = len(_NON_ASCII.findall(text)) - text.count("\ufffd")
    if bad <= 0 or good < UTF8_MIN_GOOD_PER_BAD * bad:
        return None
    return Decoded(text, "utf-8", f"utf-8 with {bad} bad byte sequence(s) replaced by U+FFFD "
                                  f"({good} good non-ASCII characters)",
                   warning=f"{bad} undecodable UTF-8 sequence(s) replaced", bad_sequences=bad)


def _decodes_cleanly(data: bytes, encoding: str) -> str | None:
    text = _try(data, encoding)
    if text is None or _C1.search(text[:_DETECT_SAMPLE]):
        return None
    return text


def decode(data: bytes, declared: str | None = None) -> Decoded:
    """`declared`: a charset named outside the bytes (an HTTP Content-Type header);
    without it, the one in an HTML meta tag or XML prolog is used."""
    marked = bom_encoding(data)
    if marked:
        bom, enc = marked
        text = _try(data[len(bom):], enc)
        if text is not None:
            return Decoded(text, enc, f"BOM {enc}")
    enc = wide_unicode_encoding(data)
    if enc:
        text = _try(data, enc)
        if text is not None:
            return Decoded(text, enc, f"{enc} without BOM (zero-byte pattern)")
    if b"\x1b" in data[:_DETECT_SAMPLE] and data.isascii():
        for pattern, enc in _ISO2022:
            if pattern.search(data[:_DETECT_SAMPLE]):
                text = _try(data, enc)
                if text is not None:
                    return Decoded(text, enc, f"{enc} (escape sequences)")

    named = _codec(declared) or declared_charset(data)
    utf8 = _try(data, "utf-8")
    if named and named not in _UNICODE and utf8 is None:
        text = _decodes_cleanly(data, named)
        if text is not None:
            return Decoded(text, named, f"declared charset {named}")
    if utf8 is not None:
        return Decoded(utf8, "utf-8", "utf-8 (strict)")
    replaced = _utf8_with_replacement(data)
    if replaced is not None:
        return replaced

    guess = chardet.detect(data[:_DETECT_SAMPLE])
    conf = guess.get("confidence") or 0.0
    enc = (guess.get("encoding") or "").lower() if _codec(guess.get("encoding")) else None
    if enc:
        text = _decodes_cleanly(data, enc)
        if text is not None:
            unsure = (f"encoding uncertain: chardet's guess {enc} at {conf:.2f} confidence"
                      if conf < CHARDET_WARN_BELOW else None)
            return Decoded(text, enc, f"chardet {enc} ({conf:.2f})", warning=unsure,
                           confidence=conf)
        rejected = f"chardet said {enc} ({conf:.2f}) but it does not decode cleanly; "
    else:
        rejected = f"chardet found no text encoding ({guess.get('mime_type') or 'unknown'}); "

    text = _try(data, "cp1252")
    if text is not None:
        return Decoded(text, "cp1252", f"{rejected}fallback cp1252",
                       warning="encoding uncertain: decoded as cp1252")
    return Decoded(data.decode("latin-1"), "latin-1", f"{rejected}fallback latin-1",
                   warning="encoding uncertain: decoded as latin-1")
