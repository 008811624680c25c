"""Ingestion throughput on real corpora: articles/s and MB/s.

Baseline, measured in the same run on the same archive: the I/O floor, i.e.
streaming the archive's members and decoding them as UTF-8 (latin-1 on
failure) with no parsing. Our figure is reported as a fraction of it, so the
cost of parsing, cleaning and provenance is visible on a noisy machine.

    python bench/bench_ingest.py [--corpora ../shared/corpora] [--repeat 3] [--only bbc,reuters]
"""
from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tarfile
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


def _floor(data: bytes, name: str) -> int:
    """Bytes of text decoded by plainly streaming the (nested) archive."""
    total = 0
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
    ap.add_argument("--only", default="bbc,reuters", help="comma list of " + ",".join(CORPORA))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = []
    for name in args.only.split(","):
        path = Path(args.corpora) / CORPORA[name]
        if not path.is_file():
            print(f"missing {path}", file=sys.stderr)
            return 2
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
