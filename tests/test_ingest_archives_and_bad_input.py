"""Archives read in place, and every kind of bad input skipped with a reason."""
from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest
from helpers import tar_bytes

from search.ingest import IngestOptions, Skip, read_corpus

SEED = (Path(__file__).parent.parent / "corpus" / "eurasiantimes" / "001_95478d100e5dc48b.txt").read_bytes()
STORY = b"Ministers meet in Brussels\n\nEuropean ministers met on Monday to discuss the budget.\n"


def _read(*paths, **opts):
    items = list(read_corpus([str(p) for p in paths], IngestOptions(**opts)))
    return ([a for a in items if not isinstance(a, Skip)], [s for s in items if isinstance(s, Skip)])


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_tar_gz_members_are_named_and_sourced_from_their_folders(tmp_path):
    (tmp_path / "bbc-fulltext.tar.gz").write_bytes(tar_bytes({
        "bbc/sport/199.txt": "Pound sign \xa3 headline\n\nThe new stadium costs \xa35m.\n".encode("latin-1"),
        "bbc/README.TXT": b"Consists of 2225 documents from the BBC news website\n",
    }))
    articles, skips = _read(tmp_path)
    [a] = articles
    assert a.path == "bbc-fulltext.tar.gz!bbc/sport/199.txt"
    assert (a.source, a.section) == ("bbc", "sport")
    assert a.body == "The new stadium costs £5m." and "windows-1252" in a.provenance["encoding"]
    assert [(s.path, s.reason) for s in skips] == [
        ("bbc-fulltext.tar.gz!bbc/README.TXT", "documentation file, not an article")]


def test_nested_zip_in_tar_and_gz(tmp_path):
    inner = _zip_bytes({"day/2015-07-21.txt": STORY})
    (tmp_path / "feeds.tar").write_bytes(tar_bytes({"data/2015-07-21.zip": inner}, mode="w"))
    (tmp_path / "one.txt.gz").write_bytes(gzip.compress(SEED))
    articles, skips = _read(tmp_path)
    assert skips == []
    assert sorted(a.path for a in articles) == [
        "feeds.tar!data/2015-07-21.zip!day/2015-07-21.txt", "one.txt.gz!one.txt"]


@pytest.mark.parametrize("name,data,reason", [
    ("photo.txt", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not text: PNG image"),
    ("nul.txt", b"Headline\n\nbody with a \x00 byte in it", "not text: binary data (NUL byte at offset 22)"),
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"  \n\n \t\n", "empty file"),
    ("report.pdf", b"%PDF-1.4 ...", "not text: PDF document"),
    ("notes.docx.bak", b"Some words here\n", "unsupported file type .bak"),
    ("digits.txt", b"12 34\n\n56\n", "no text: nothing but blank lines, digits or page chrome"),
])
def test_bad_files_are_skipped_with_reason_and_the_rest_is_read(tmp_path, name, data, reason):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / name).write_bytes(data)
    (tmp_path / "src" / "good.txt").write_bytes(STORY)
    articles, skips = _read(tmp_path)
    assert [a.headline for a in articles] == ["Ministers meet in Brussels"]
    assert [(s.path, s.reason) for s in skips] == [(f"src/{name}", reason)]


def test_size_limit_applies_to_files_and_archive_members(tmp_path):
    big = b"Big headline\n\n" + b"word " * 400
    (tmp_path / "big.txt").write_bytes(big)
    (tmp_path / "arch.zip").write_bytes(_zip_bytes({"big.txt": big, "small.txt": STORY}))
    articles, skips = _read(tmp_path, max_bytes=1000)
    assert [a.path for a in articles] == ["arch.zip!small.txt"]
    reasons = {s.path: s.reason for s in skips}
    assert set(reasons) == {"big.txt", "arch.zip!big.txt"}
    assert all(r.startswith("too large: 2,014 bytes over the 1,000-byte limit") for r in reasons.values())


@pytest.mark.parametrize("name,make,expect", [
    ("cut.tar.gz", lambda: tar_bytes({f"a/{i}.txt": STORY.replace(b"Monday", str(i).encode()) for i in range(40)}),
     "corrupt or truncated tar"),
    ("cut.zip", lambda: _zip_bytes({f"{i}.txt": STORY for i in range(3)}), "corrupt or truncated zip"),
    ("cut.txt.gz", lambda: gzip.compress(SEED * 20), "corrupt or truncated gzip"),
])
def test_truncated_archives_are_reported_and_other_files_still_read(tmp_path, name, make, expect):
    data = make()
    (tmp_path / name).write_bytes(data[: len(data) * 2 // 3])
    (tmp_path / "good.txt").write_bytes(STORY)
    articles, skips = _read(tmp_path)
    assert "good.txt" in [a.path for a in articles]
    assert any(s.path == name and s.reason.startswith(expect) for s in skips), skips
    if name == "cut.tar.gz":  # members before the cut are still read
        assert sum(a.path.startswith("cut.tar.gz!") for a in articles) > 0


def test_missing_path_is_reported(tmp_path):
    articles, skips = _read(tmp_path / "nope")
    assert articles == [] and skips[0].reason == "no such file or directory"


def test_hidden_files_and_index_folders_are_not_corpus(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_bytes(STORY)
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "news-search.json").write_text("{}")
    (tmp_path / "index" / "notes.txt").write_bytes(STORY)
    (tmp_path / "a.txt").write_bytes(STORY)
    articles, skips = _read(tmp_path)
    assert [a.path for a in articles] == ["a.txt"] and skips == []
