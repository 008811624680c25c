"""Metadata sidecars: NAME.meta.json beside a plain-text file gives its article fields.

Real files in temporary folders, real indexes; the bundled corpus's own sidecars too.
"""
from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from search import NewsIndex
from search.ingest import Skip, read_corpus
from search.ingest.discover import discover
from search.ingest.formats.sidecar import SidecarError, parse_sidecar

STORY = ("Harbour cranes stand idle\n\n"
         "Dock workers at the harbour stopped work on Monday over a pay dispute with the port.\n")


def _read(*paths):
    items = list(read_corpus([str(p) for p in paths]))
    return ([a for a in items if not isinstance(a, Skip)],
            [s for s in items if isinstance(s, Skip)])


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _later(path: Path) -> None:
    """A file system with coarse timestamps could leave an edit's mtime unchanged."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def _hit(ix: NewsIndex, query: str):
    res = ix.search(query)
    assert res.total == 1, res.total
    return res.hits[0]


def test_the_bundled_corpus_gets_its_urls_and_the_dates_known(sample_corpus):
    """EurAsian Times: the day its URL names. RFE/RL: its page shows no date line and its
    text says the flare-up "started on September 27": the month, never an invented day."""
    articles, skips = _read(sample_corpus)
    assert skips == []
    assert len(articles) == 2  # the sidecars are no articles of their own
    by_source = {a.source: a for a in articles}
    eurasian, rferl = by_source["eurasiantimes"], by_source["rferl"]
    assert eurasian.url == ("https://www.eurasiatimes.org/en/25/09/2021/russia-and-belarus-warn-"
                            "nato-to-avoid-military-expansion-in-ukraine/")
    assert eurasian.published == datetime(2021, 9, 25, tzinfo=timezone.utc)
    assert eurasian.provenance["published"] == \
        'sidecar 001_95478d100e5dc48b.meta.json key "published"'
    assert rferl.url == "https://www.rferl.org/a/kremlin-warning-nato-ukraine/31480612.html"
    assert (rferl.published, rferl.published_precision) == \
        (datetime(2021, 9, 1, tzinfo=timezone.utc), "month")
    assert rferl.provenance["url"] == 'sidecar 000_822f08bd34c5e195.meta.json key "url"'


def test_sidecar_fields_win_over_the_header_and_inference(tmp_path):
    _write(tmp_path / "wire", "a.txt", "Source: Header Wire\nDate: 2020-01-01\n\n" + STORY)
    _write(tmp_path / "wire", "a.meta.json", json.dumps({
        "published": "2021-09-25T08:30:00+02:00", "source": "Harbour Times",
        "author": "A. Writer", "section": "ports", "tags": ["strike", "port"],
        "language": "en", "url": "https://example.org/a", "headline": None}))
    [a], skips = _read(tmp_path)
    assert skips == []
    assert a.published == datetime(2021, 9, 25, 6, 30, tzinfo=timezone.utc)
    assert (a.source, a.author, a.section, a.tags, a.url) == \
        ("Harbour Times", "A. Writer", "ports", ("strike", "port"), "https://example.org/a")
    assert a.headline == "Harbour cranes stand idle"  # null: not given
    assert a.provenance["source"] == 'sidecar a.meta.json key "source"'


def test_a_sidecar_headline_keeps_the_whole_text_as_body(tmp_path):
    _write(tmp_path / "wire", "a.txt", STORY)
    _write(tmp_path / "wire", "a.meta.json", '{"headline": "Port strike halts harbour"}')
    [a], _ = _read(tmp_path)
    assert a.headline == "Port strike halts harbour"
    assert a.body.startswith("Harbour cranes stand idle")  # nothing of the text is lost


@pytest.mark.parametrize(("content", "reason"), [
    ('{"pubished": "2021-09-25"}', 'unknown key "pubished" (known: headline, source, published'),
    ('{"published": 20210925}', '"published" must be a string, not 20210925'),
    ('{"tags": "a, b"}', '"tags" must be a list of strings'),
    ('["2021-09-25"]', "a sidecar is a JSON object of fields, not a list"),
    ('{"published": "2021-09-25",}', "not JSON: "),
    (b'{"author": "\xff"}', "not UTF-8"),
])
def test_a_faulty_sidecar_is_reported_and_the_article_read_without_it(tmp_path, content, reason):
    _write(tmp_path / "wire", "a.txt", STORY)
    side = tmp_path / "wire" / "a.meta.json"
    side.write_bytes(content if isinstance(content, bytes) else content.encode())
    [a], [skip] = _read(tmp_path)
    assert (a.published, a.url, a.headline) == (None, None, "Harbour cranes stand idle")
    assert skip.path == "wire/a.meta.json"
    assert skip.reason.startswith("metadata sidecar not applied: " + reason), skip.reason


def test_parse_sidecar_leaves_out_empty_values():
    assert parse_sidecar(b'\xef\xbb\xbf{"url": "", "tags": [], "author": " Ann "}') == \
        {"author": "Ann"}
    with pytest.raises(SidecarError, match='unknown keys "a", "b"'):
        parse_sidecar(b'{"b": 1, "a": 2}')


def test_discovery_never_yields_a_sidecar_and_reports_one_without_its_text(tmp_path):
    _write(tmp_path / "wire", "a.txt", STORY)
    _write(tmp_path / "wire", "a.meta.json", '{"url": "https://example.org/a"}')
    _write(tmp_path / "wire", "notes", STORY.replace("Harbour", "River"))
    _write(tmp_path / "wire", "notes.meta.json", '{"url": "https://example.org/notes"}')
    _write(tmp_path / "wire", "gone.meta.json", '{"url": "https://example.org/gone"}')
    found = list(discover([tmp_path]))
    files = {f.relpath: f for f in found if not isinstance(f, Skip)}
    assert sorted(files) == ["wire/a.txt", "wire/notes"]
    assert files["wire/a.txt"].sidecar_relpath == "wire/a.meta.json"
    assert files["wire/notes"].sidecar_relpath == "wire/notes.meta.json"
    [orphan] = [f for f in found if isinstance(f, Skip)]
    assert orphan.path == "wire/gone.meta.json"
    assert orphan.reason.startswith("metadata sidecar with no text file beside it")
    assert "gone.txt" in orphan.reason
    articles, _ = _read(tmp_path)
    assert sorted(a.url for a in articles) == ["https://example.org/a", "https://example.org/notes"]
    # Named directly, a sidecar is no article either; its text file named directly keeps it.
    [named] = list(discover([tmp_path / "wire" / "a.meta.json"]))
    assert isinstance(named, Skip) and "metadata sidecar, not an article" in named.reason
    [single], _ = _read(tmp_path / "wire" / "a.txt")
    assert single.url == "https://example.org/a"


def test_a_sidecar_beside_a_file_read_as_html_is_reported(tmp_path):
    _write(tmp_path / "site", "page.txt",
           "<!DOCTYPE html><html><head><title>Cranes idle</title></head><body><article><p>"
           + "Dock workers at the harbour stopped work on Monday over pay. " * 5
           + "</p></article></body></html>")
    _write(tmp_path / "site", "page.meta.json", '{"url": "https://example.org/page"}')
    articles, skips = _read(tmp_path)
    assert [a.url for a in articles] == [None]
    assert [(s.path, s.reason.split(":")[0]) for s in skips] == \
        [("site/page.meta.json", "metadata sidecar not applied")]
    assert "read as html" in skips[0].reason


def test_a_sidecar_inside_an_archive_is_reported_not_read_as_json(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in (("wire/a.txt", STORY.encode()),
                           ("wire/a.meta.json", b'{"headline": "x", "url": "https://e.org"}')):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (tmp_path / "feed.tar.gz").write_bytes(buf.getvalue())
    articles, skips = _read(tmp_path)
    assert [a.headline for a in articles] == ["Harbour cranes stand idle"]
    assert [s.path for s in skips] == ["feed.tar.gz!wire/a.meta.json"]
    assert "inside an archive" in skips[0].reason


def test_adding_editing_and_removing_a_sidecar_reindexes_its_article(tmp_path):
    corpus = tmp_path / "corpus"
    _write(corpus / "wire", "a.txt", STORY)
    _write(corpus / "wire", "b.txt", STORY.replace("Harbour cranes", "Quay lights"))
    side = corpus / "wire" / "a.meta.json"
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        assert ix.index(corpus).added == 2
        assert _hit(ix, "headline:cranes").published is None

        side.write_text('{"published": "2021-09-25", "url": "https://example.org/a"}')
        run = ix.reindex()
        assert (run.updated, run.unchanged) == (1, 1)
        hit = _hit(ix, "headline:cranes")
        assert (hit.published.date().isoformat(), hit.url) == ("2021-09-25", "https://example.org/a")
        assert ix.search("cranes", since="2021-09-25", until="2021-09-25").total == 1

        side.write_text('{"published": "2021-09-26", "url": "https://example.org/a"}')
        _later(side)
        assert (ix.reindex().updated, _hit(ix, "headline:cranes").published.day) == (1, 26)

        again = ix.reindex()  # nothing changed: nothing read
        assert (again.updated, again.unchanged) == (0, 2)

        side.unlink()
        assert ix.reindex().updated == 1
        hit = _hit(ix, "headline:cranes")
        assert (hit.published, hit.url) == (None, None)


def test_an_edited_header_block_reindexes_its_article(tmp_path):
    """The content hash covers headline and body only: a changed `Date:` line once left
    the old date in the index."""
    corpus = tmp_path / "corpus"
    path = _write(corpus / "wire", "a.txt", "Date: 2021-09-25\n\n" + STORY)
    with NewsIndex.open(tmp_path / "ix", create=True) as ix:
        ix.index(corpus)
        path.write_text("Date: 2021-09-27\n\n" + STORY)
        _later(path)
        assert ix.reindex().updated == 1
        assert _hit(ix, "cranes").published.day == 27


def test_the_seed_corpus_sidecars_leave_the_seed_bytes_alone(sample_corpus, tmp_path):
    """The seeds stay byte for byte as received: the metadata lives beside them."""
    copy = shutil.copytree(sample_corpus, tmp_path / "corpus")
    texts = sorted(p.name for p in Path(copy).rglob("*.txt"))
    sidecars = sorted(p.name for p in Path(copy).rglob("*.meta.json"))
    assert texts == ["000_822f08bd34c5e195.txt", "001_95478d100e5dc48b.txt"]
    assert sidecars == ["000_822f08bd34c5e195.meta.json", "001_95478d100e5dc48b.meta.json"]
    for side in Path(copy).rglob("*.meta.json"):
        parse_sidecar(side.read_bytes())  # valid: no unknown key


def test_max_bytes_bounds_the_text_not_the_text_and_its_sidecar(tmp_path):
    from search.ingest import IngestOptions

    path = _write(tmp_path / "wire", "a.txt", STORY)
    _write(tmp_path / "wire", "a.meta.json", '{"url": "https://example.org/a"}')
    size = path.stat().st_size
    items = list(read_corpus([str(tmp_path)], IngestOptions(max_bytes=size)))
    assert [getattr(i, "url", None) for i in items] == ["https://example.org/a"]
    [skip] = list(read_corpus([str(tmp_path)], IngestOptions(max_bytes=size - 1)))
    assert isinstance(skip, Skip) and skip.reason.startswith(f"too large: {size:,} bytes")
