"""Decoding real text in real encodings, and the files that fool chardet."""
from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from conftest import corpus_file
from search.ingest.decode import decode, declared_charset

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
    assert d.warning and "cp1252" in d.how


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
