"""Web archives: a WARC built here with warcio from saved pages, whole and damaged."""
from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from search.article import Article
from search.ingest import Skip, read_corpus
from search.ingest.options import IngestOptions

FORMATS = Path(__file__).parent / "data" / "formats"
ENCODINGS = Path(__file__).parent / "data" / "encodings"
ARTICLE_URL = "https://www.coastalherald.example/business/2023/03/14/felixstowe"
POLISH_URL = "http://wiersze.example.pl/pan-tadeusz"


def _polish_page() -> bytes:
    """No meta charset: only the HTTP header says ISO-8859-2."""
    title, *lines = (ENCODINGS / "pl.txt").read_text("utf-8").strip().split("\n")
    paras = "".join(f"<p>{' '.join(lines[i:i + 4])}</p>" for i in range(0, len(lines), 4))
    return (f"<!DOCTYPE html><html lang='pl'><head><title>{title}</title></head><body><article>"
            f"<h1>{title}</h1>{paras}</article></body></html>").encode("iso-8859-2")


def _response(w: WARCWriter, url: str, body: bytes, ctype: str, status: str = "200 OK",
              date: str = "2024-05-06T07:08:09Z"):
    http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
    return w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                warc_headers_dict={"WARC-Date": date})


def build_warc(gz: bool = True) -> bytes:
    """Records: 1 warcinfo, 2 request, 3 article, 4 index page, 5 Polish page, 6 JPEG,
    7 a 404 page, 8 revisit of the article, 9 metadata."""
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    w.write_record(w.create_warcinfo_record("crawl.warc.gz", {"software": "news-search tests"}))
    req = StatusAndHeaders("GET /business/2023/03/14/felixstowe HTTP/1.1",
                           [("Host", "www.coastalherald.example")], is_http_request=True)
    w.write_record(w.create_warc_record(ARTICLE_URL, "request", http_headers=req))
    article = _response(w, ARTICLE_URL, (FORMATS / "harbour-article.html").read_bytes(),
                        "text/html; charset=utf-8")
    w.write_record(article)
    w.write_record(_response(w, "https://www.coastalherald.example/business/",
                             (FORMATS / "section-index.html").read_bytes(), "text/html"))
    w.write_record(_response(w, POLISH_URL, _polish_page(), 'text/html; charset="ISO-8859-2"'))
    w.write_record(_response(w, "https://www.coastalherald.example/a.jpg", b"\xff\xd8\xff" + bytes(64),
                             "image/jpeg"))
    w.write_record(_response(w, "https://www.coastalherald.example/gone", b"<html>Not found</html>",
                             "text/html", status="404 Not Found"))
    w.write_record(w.create_revisit_record(
        ARTICLE_URL, digest=article.rec_headers.get_header("WARC-Payload-Digest"),
        refers_to_uri=ARTICLE_URL, refers_to_date="2024-05-06T07:08:09Z"))
    w.write_record(w.create_warc_record(ARTICLE_URL, "metadata", payload=io.BytesIO(b"via: test\n"),
                                        warc_content_type="application/warc-fields"))
    return buf.getvalue()


def _read(path: Path, **options) -> tuple[list[Article], list[Skip]]:
    items = list(read_corpus([str(path)], IngestOptions(**options)))
    return [a for a in items if isinstance(a, Article)], [s for s in items if isinstance(s, Skip)]


@pytest.mark.parametrize("name,gz", [("crawl.warc.gz", True), ("crawl.warc", False)])
def test_one_article_per_html_response_record(tmp_path, name, gz):
    (tmp_path / name).write_bytes(build_warc(gz))
    articles, skips = _read(tmp_path / name)
    by_path = {a.path: a for a in articles}
    assert sorted(by_path) == [f"{name}!record-3", f"{name}!record-5"]
    harbour = by_path[f"{name}!record-3"]
    assert harbour.headline == "Felixstowe dock strike called off after workers accept pay deal"
    assert (harbour.url, harbour.provenance["url"]) == (ARTICLE_URL, "WARC-Target-URI")
    # The crawl date is kept apart: the publication date is the page's own.
    assert harbour.published == datetime(2023, 3, 14, 9, 30, tzinfo=timezone.utc)
    assert harbour.provenance["crawled"] == "WARC-Date 2024-05-06T07:08:09Z"
    assert harbour.provenance["format"] == "html (WARC response record)"
    polish = by_path[f"{name}!record-5"]
    assert "Litwo! Ojczyzno moja!" in polish.body and "świątyń" in polish.body
    assert polish.provenance["encoding"] == "declared charset iso8859-2"  # from the HTTP header
    assert polish.url == POLISH_URL
    assert sorted((s.path, s.reason) for s in skips) == sorted([
        (f"{name}!record-4", "no article text found in HTML"),
        (f"{name}!record-8", f"WARC revisit record: a duplicate of the page at {ARTICLE_URL}"),
        (name, ("WARC records that are not HTML pages, not read: 1 metadata, 1 request, "
                "1 response HTTP 404, 1 response image/jpeg, 1 warcinfo")),
    ])


def test_truncated_warc_gz_keeps_the_records_before_the_cut_and_says_so(tmp_path):
    data = build_warc(gz=True)
    (tmp_path / "crawl.warc.gz").write_bytes(data[:-400])  # inside the revisit record (8)
    articles, skips = _read(tmp_path)
    assert [a.path for a in articles] == ["crawl.warc.gz!record-3", "crawl.warc.gz!record-5"]
    [cut] = [s for s in skips if s.path == "crawl.warc.gz" and "truncated" in s.reason]
    assert cut.reason.startswith("corrupt or truncated WARC after ")


def test_record_cut_short_in_a_plain_warc_is_reported(tmp_path):
    data = build_warc(gz=False)
    start = data.index(b"WARC/1.", data.index(b"WARC-Type: response"))  # the index page's record
    (tmp_path / "crawl.warc").write_bytes(data[: start + 700])
    articles, skips = _read(tmp_path)
    assert [a.path for a in articles] == ["crawl.warc!record-3"]
    assert any(s.path == "crawl.warc" and "cut short" in s.reason for s in skips), skips


def test_malformed_record_is_reported_not_raised(tmp_path):
    data = build_warc(gz=False)
    second = data.index(b"WARC/1.", 10)
    (tmp_path / "crawl.warc").write_bytes(data[:second] + b"GARBAGE HEADER LINE\r\n" + data[second + 8:])
    articles, skips = _read(tmp_path)
    assert articles == []
    assert any(s.path == "crawl.warc" and s.reason.startswith("malformed WARC record after 1 record(s)")
               for s in skips), skips


def test_archive_limits_apply_to_warc(tmp_path):
    (tmp_path / "crawl.warc.gz").write_bytes(build_warc(gz=True))
    articles, skips = _read(tmp_path, max_members=4)
    assert [a.path for a in articles] == ["crawl.warc.gz!record-3"]
    assert "--max-members" in skips[-1].reason and skips[-1].path == "crawl.warc.gz!record-5"


def test_warc_is_known_by_content_whatever_its_name(tmp_path):
    (tmp_path / "capture.dat").write_bytes(build_warc(gz=True))
    articles, _ = _read(tmp_path)
    assert len(articles) == 2
