"""Saved news pages through the public ingestion path."""
from __future__ import annotations

import shutil
import tarfile
from datetime import datetime, timezone
from pathlib import Path

from search.article import Article
from search.ingest import Skip, read_corpus

DATA = Path(__file__).parent / "data" / "formats"


def read_all(path):
    items = list(read_corpus([path]))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Skip)]


def test_article_page_main_text_and_metadata(tmp_path):
    shutil.copy(DATA / "harbour-article.html", tmp_path)
    [a], skips = read_all(tmp_path)
    assert skips == []
    assert a.headline == "Felixstowe dock strike called off after workers accept pay deal"
    assert a.provenance["headline"] == "trafilatura (og:title)"
    assert a.body.startswith("Dock workers at the Port of Felixstowe")
    assert a.body.endswith("more than thirty years.")
    for chrome in ("Subscribe", "cookies", "ADVERTISEMENT", "Privacy policy", "Related stories",
                   "Compare mortgage", "Be the first to comment", a.headline):
        assert chrome not in a.body
    assert a.published == datetime(2023, 3, 14, 9, 30, tzinfo=timezone.utc)
    assert a.provenance["published"] == '<meta property="article:published_time">'
    assert (a.source, a.author, a.language, a.section) == ("The Coastal Herald", "Margaret Ellison", "en", "Business")
    assert a.url == "https://www.coastalherald.example/business/2023/03/14/felixstowe-strike-called-off"
    assert a.provenance["url"] == "trafilatura (canonical link)"
    assert a.tags == ("Ports", "Industrial action")


def test_index_page_and_empty_body_have_no_article(tmp_path):
    shutil.copy(DATA / "section-index.html", tmp_path)
    (tmp_path / "blank.html").write_text("<!DOCTYPE html><html><head><title>Loading</title></head><body></body></html>")
    arts, skips = read_all(tmp_path)
    assert arts == []
    assert sorted((s.path, s.reason) for s in skips) == [
        ("blank.html", "no article text found in HTML"),
        ("section-index.html", "no article text found in HTML")]


def test_page_in_a_tar_with_title_fallback_and_declared_charset(tmp_path):
    page = ("<html><head><meta charset='windows-1252'><title>Caf\u00e9 owners fear rent rises \u2013 Local News</title>"
            "</head><body><div id='story'><p>" + "Owners of the caf\u00e9s on the high street say the new rents "
            "will force several of them to close before the summer season begins. " * 3 + "</p></div></body></html>")
    src = tmp_path / "src"
    src.mkdir()
    (src / "cafe.htm").write_bytes(page.encode("cp1252"))
    out = tmp_path / "corpus"
    out.mkdir()
    with tarfile.open(out / "pages.tar.gz", "w:gz") as tf:
        tf.add(src / "cafe.htm", arcname="local/cafe.htm")
    [a], skips = read_all(out)
    assert skips == []
    assert "caf\u00e9s" in a.body and a.path == "pages.tar.gz!local/cafe.htm"
    assert a.headline.startswith("Caf\u00e9 owners fear rent rises")
    assert a.provenance["headline"].startswith("trafilatura (<title>")
    assert a.published is None  # nothing in the page says when: no guess
