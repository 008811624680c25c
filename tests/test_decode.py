"""Decoding real text in real encodings, and the files that fool chardet."""
from __future__ import annotations

import codecs
import struct
import tarfile
from pathlib import Path

import pytest
from conftest import corpus_file

from search.article import Article
from search.ingest.decode import (
    CHARDET_WARN_BELOW,
    declared_charset,
    decode,
    wide_unicode_encoding,
)
from search.ingest.options import IngestOptions
from search.ingest.read import binary_kind, read_document
from search.ingest.records import Document

DATA = Path(__file__).parent / "data" / "encodings"


def _text(name: str, encodable_in: str | None = None) -> str:
    text = (DATA / name).read_text("utf-8")
    if encodable_in == "koi8-r":  # KOI8-R has no guillemets
        text = text.replace("«", '"').replace("»", '"')
    return text


@pytest.mark.parametrize("name,encoding", [
    ("ru.txt", "windows-1251"),
    ("ru.txt", "koi8-r"),
    ("ja.txt", "shift_jis"),
    ("zh.txt", "gb18030"),
    ("fr.txt", "iso-8859-1"),
    ("fr.txt", "utf-16"),
    ("ru.txt", "utf-16"),
    ("zh.txt", "utf-8-sig"),
])
def test_real_text_round_trips_through_legacy_encodings(name, encoding):
    original = _text(name, encoding)
    decoded = decode(original.encode(encoding))
    assert decoded.text == original
    assert decoded.how  # provenance is always said


def test_utf8_is_taken_strictly_without_detection():
    d = decode("Erdoğan says “no” – £5".encode("utf-8"))
    assert (d.encoding, d.how) == ("utf-8", "utf-8 (strict)")


def test_provenance_names_chardet_and_confidence():
    d = decode(_text("ru.txt").encode("windows-1251"))
    assert d.how.startswith("chardet windows-1251 (")


def test_chardet_none_still_decodes():
    # BBC business files starting with "BMW" look like a BMP image to chardet; a
    # Latin-1 byte forces the detection path.
    d = decode("BMW sales rose by \xa35m in 2004".encode("latin-1"))
    assert d.text == "BMW sales rose by £5m in 2004"
    assert d.how == "chardet found no text encoding (image/bmp); fallback cp1252"


def test_ascii_verdict_with_a_high_byte_falls_back_sensibly():
    # reut2-017.sgm: chardet calls it ASCII (1.0) although it holds 0xFC.
    data = b"world economic growth.\xfc more text here " * 3
    d = decode(data)
    assert "ü" in d.text
    # chardet's guess is taken however unsure, as it decodes cleanly; the doubt is said.
    assert d.how.startswith("chardet windows-1252 (") and d.confidence < 0.5
    assert d.warning and "uncertain" in d.warning


def test_declared_charset_is_used_when_detection_fails():
    assert declared_charset(b'<html><head><meta charset="windows-1252">') == "cp1252"
    assert declared_charset(b'<?xml version="1.0" encoding="ISO-8859-1"?><rss>') == "iso8859-1"
    assert declared_charset(b"<html>") is None


def test_never_fails_on_arbitrary_bytes():
    d = decode(bytes(range(256)) * 4)
    assert isinstance(d.text, str) and d.warning


def test_bbc_sport_199_pound_sign_and_bmw_files():
    archive = corpus_file("bbc")
    wanted = {"bbc/sport/199.txt", "bbc/business/049.txt", "bbc/business/056.txt"}
    got = {}
    with tarfile.open(archive) as tf:
        for m in tf:
            if m.name in wanted:
                got[m.name] = tf.extractfile(m).read()
    assert set(got) == wanted
    sport = decode(got["bbc/sport/199.txt"])
    assert "£" in sport.text and "\ufffd" not in sport.text
    for name in ("bbc/business/049.txt", "bbc/business/056.txt"):
        d = decode(got[name])
        assert d.text.startswith("BMW")


# Round trips for every encoding issue 16 lists: the sources are in data/encodings/README.md.
_LEGACY = [("ja.txt", e) for e in ("euc-jp", "shift_jis", "iso-2022-jp")] + \
    [("ja-soseki.txt", e) for e in ("euc-jp", "shift_jis", "iso-2022-jp")] + \
    [("ko.txt", e) for e in ("euc-kr", "iso-2022-kr", "johab")] + \
    [(n, e) for n in ("pl.txt", "cs.txt") for e in ("windows-1250", "iso-8859-2")] + \
    [("tr.txt", e) for e in ("windows-1254", "iso-8859-9")]
_WIDE = ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
_BOM = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE, "utf-32-be": codecs.BOM_UTF32_BE}


def _read_one(data: bytes) -> Article:
    items = list(read_document(Document("enc", "story.txt", data), IngestOptions()))
    assert len(items) == 1 and isinstance(items[0], Article), items
    return items[0]


@pytest.mark.parametrize("name,encoding", _LEGACY)
def test_cjk_and_central_european_text_round_trips(name, encoding):
    original = _text(name)
    decoded = decode(original.encode(encoding))
    assert decoded.text == original, decoded.how


@pytest.mark.parametrize("name", ["fr.txt", "ru.txt", "zh.txt", "ko.txt"])
@pytest.mark.parametrize("encoding", _WIDE)
@pytest.mark.parametrize("with_bom", [True, False])
def test_utf16_and_utf32_round_trip_with_and_without_bom_through_the_reader(name, encoding, with_bom):
    original = _text(name)
    data = (_BOM[encoding] if with_bom else b"") + original.encode(encoding)
    decoded = decode(data)
    assert (decoded.text, decoded.encoding) == (original, encoding)
    assert decoded.how == (f"BOM {encoding}" if with_bom else f"{encoding} without BOM (zero-byte pattern)")
    article = _read_one(data)  # not rejected as "binary data" for its NUL bytes
    assert article.headline == original.split("\n", 1)[0]


def test_iso2022_escapes_are_recognised_before_utf8_swallows_them():
    d = decode(_text("ja.txt").encode("iso-2022-jp"))
    assert d.how == "iso2022_jp_2 (escape sequences)"
    d = decode(_text("ko.txt").encode("iso-2022-kr"))
    assert d.how == "iso2022_kr (escape sequences)"


def test_unsure_chardet_guess_is_kept_with_its_confidence_and_a_warning():
    d = decode(_text("pl.txt").encode("iso-8859-2"))
    assert d.text == _text("pl.txt")
    assert d.confidence is not None and d.confidence < CHARDET_WARN_BELOW
    assert d.how == f"chardet iso-8859-2 ({d.confidence:.2f})" and "uncertain" in d.warning


def test_one_bad_byte_in_utf8_costs_one_replacement_character_not_the_page():
    original = _text("pl.txt") * 3
    data = original.encode("utf-8")
    cut = data.index("ł".encode()) + 1  # drop the second byte of one "ł"
    d = decode(data[:cut] + data[cut + 1:])
    assert d.encoding == "utf-8" and d.bad_sequences == 1
    assert d.text.count("\ufffd") == 1 and "Ojczyzno" in d.text and "świątyń" in d.text
    assert d.how.startswith("utf-8 with 1 bad byte sequence(s) replaced") and d.warning
    assert "1 bad byte sequence" in _read_one(data[:cut] + data[cut + 1:]).provenance["encoding"]


def test_mostly_latin1_bytes_are_not_taken_for_damaged_utf8():
    # "Æ" + one valid UTF-8 "é": 1 good character against 3 bad bytes, not UTF-8.
    d = decode("Café Æsop für".encode("latin-1") + "é".encode())
    assert d.encoding != "utf-8" and d.bad_sequences == 0


def test_declared_charset_wins_when_the_bytes_agree():
    page = '<html><head><meta charset="windows-1250"></head><body>Żółć</body></html>'
    d = decode(page.encode("cp1250"))
    assert (d.text, d.how) == (page, "declared charset cp1250")
    # An outside declaration (an HTTP Content-Type header) counts the same.
    d = decode("Łódź, środa".encode("iso-8859-2"), declared="ISO-8859-2")
    assert (d.text, d.how) == ("Łódź, środa", "declared charset iso8859-2")


def test_declared_legacy_charset_is_not_believed_over_valid_utf8():
    page = '<html><head><meta charset="iso-8859-1"></head><body>Łódź – “quoted”</body></html>'
    d = decode(page.encode("utf-8"))
    assert (d.text, d.how) == (page, "utf-8 (strict)")


def test_binary_with_a_zero_byte_pattern_is_not_taken_for_utf16():
    samples = struct.pack("<600h", *range(600))  # 16-bit integers: high bytes are zero
    assert wide_unicode_encoding(samples) is None
    assert binary_kind(samples) is not None
