"""Ingestion throughput on real corpora: articles/s and MB/s.

Baseline, measured in the same run on the same archive: the I/O floor, i.e.
streaming the archive's members and decoding them as UTF-8 (latin-1 on
failure) with no parsing. Our figure is reported as a fraction of it, so the
cost of parsing, cleaning and provenance is visible on a noisy machine.

    python bench/bench_ingest.py [--corpora ../shared/corpora] [--repeat 3] [--only bbc,reuters,warc]

The `warc` row is a web archive (.warc.gz) made here with warcio from the first
WARC_ARTICLES BBC articles, each as the HTML page a crawler would have fetched
(an HTTP `response` record with `Content-Type: text/html; charset=utf-8`, a target
URI, a WARC-Date), so the WARC reader (record parsing, HTTP headers, trafilatura on
every page) is measured on real news text. Its floor streams the records with warcio
and decodes their payloads.
"""
from __future__ import annotations

import argparse
import html
import io
import json
import os
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

from search.ingest import IngestOptions, Skip, read_corpus

CORPORA = {
    "bbc": "bbc-fulltext/bbc-fulltext.tar.gz",
    "reuters": "reuters21578/reuters21578.tar.gz",
    "agnews": "ag-news/ag_news_csv-test.tar.gz",
    "saudinewsnet": "saudinewsnet/SaudiNewsNet.tar",
}
OPTIONS = {"agnews": IngestOptions(csv_columns=("section", "headline", "body"))}
WARC_SOURCE = "bbc"  # the corpus the WARC is made from
WARC_ARTICLES = 500  # pages in it: trafilatura reads each page in full (~10 ms a page)


def make_warc(source: Path, dest: Path, limit: int = WARC_ARTICLES) -> Path:
    """A .warc.gz of `limit` HTML pages made from the plain-text articles in `source` (BBC:
    headline on the first line, then paragraphs), one `response` record per page."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    written = 0
    with open(dest, "wb") as out, tarfile.open(source, mode="r|*") as tf:
        writer = WARCWriter(out, gzip=True)
        for member in tf:
            if written >= limit:
                break
            if not member.isfile() or not member.name.endswith(".txt"):
                continue
            text = tf.extractfile(member).read().decode("utf-8", "replace")
            lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
            if len(lines) < 2:
                continue
            title, paragraphs = html.escape(lines[0]), "".join(f"<p>{html.escape(p)}</p>" for p in lines[1:])
            page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
                    f"</head><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article>"
                    f"<h1>{title}</h1>{paragraphs}</article><footer>Archive copy</footer></body></html>")
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                       protocol="HTTP/1.1")
            uri = f"https://news.example/{member.name.replace('.txt', '.html')}"
            writer.write_record(writer.create_warc_record(
                uri, "response", payload=io.BytesIO(page.encode("utf-8")), http_headers=headers))
            written += 1
    return dest


def _floor(data: bytes, name: str) -> int:
    """Bytes of text decoded by plainly streaming the (nested) archive."""
    total = 0
    if name.endswith((".warc", ".warc.gz")):
        from warcio.archiveiterator import ArchiveIterator

        for record in ArchiveIterator(io.BytesIO(data)):
            if record.rec_type == "response":
                payload = record.content_stream().read()
                payload.decode("utf-8", "replace")
                total += len(payload)
        return total
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                total += _floor(zf.read(info), info.filename)
        return total
    if name.endswith((".tar", ".tar.gz", ".tgz")):
        with tarfile.open(fileobj=io.BytesIO(data), mode="r|*") as tf:
            for m in tf:
                if m.isfile():
                    total += _floor(tf.extractfile(m).read(), m.name)
        return total
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        data.decode("latin-1")
    return len(data)


def measure(name: str, path: Path, repeat: int) -> dict:
    best_floor = best_ours = float("inf")
    text_bytes = articles = skipped = 0
    for _ in range(repeat):
        t = time.perf_counter()
        text_bytes = _floor(path.read_bytes(), path.name)
        best_floor = min(best_floor, time.perf_counter() - t)
        t = time.perf_counter()
        articles = skipped = 0
        for item in read_corpus([path], OPTIONS.get(name, IngestOptions())):
            if isinstance(item, Skip):
                skipped += 1
            else:
                articles += 1
        best_ours = min(best_ours, time.perf_counter() - t)
    mb = text_bytes / 1e6
    return {
        "corpus": name, "articles": articles, "skipped": skipped, "text_mb": round(mb, 2),
        "seconds": round(best_ours, 3), "articles_per_s": round(articles / best_ours),
        "mb_per_s": round(mb / best_ours, 2),
        "floor_seconds": round(best_floor, 3), "floor_mb_per_s": round(mb / best_floor, 1),
        "ours_vs_floor": round(best_floor / best_ours, 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", default=os.environ.get("NEWS_SEARCH_CORPORA", "../shared/corpora"))
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs")
    ap.add_argument("--only", default="bbc,reuters,warc",
                    help="comma list of " + ",".join([*CORPORA, "warc"]))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        for name in args.only.split(","):
            path = Path(args.corpora) / CORPORA[WARC_SOURCE if name == "warc" else name]
            if not path.is_file():
                print(f"missing {path}", file=sys.stderr)
                return 2
            if name == "warc":
                path = make_warc(path, Path(tmp) / "news.warc.gz")
            rows.append(measure(name, path, args.repeat))
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'corpus':<13}{'articles':>9}{'skipped':>8}{'text MB':>9}{'s':>8}{'art/s':>8}"
          f"{'MB/s':>7}{'floor MB/s':>11}{'ours/floor':>11}")
    for r in rows:
        print(f"{r['corpus']:<13}{r['articles']:>9,}{r['skipped']:>8}{r['text_mb']:>9}{r['seconds']:>8}"
              f"{r['articles_per_s']:>8,}{r['mb_per_s']:>7}{r['floor_mb_per_s']:>11}{r['ours_vs_floor']:>11}")
    print(f"(best of {args.repeat}; single process; floor = stream archive + decode only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
