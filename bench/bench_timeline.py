"""Coverage timeline latency (`NewsIndex.timeline`, query/timeline.py) beside a plain search.

A timeline evaluates the query once (as `search` does), then counts every match and
every live article into periods from the date column. The first call on a searcher also
reads the date, precision (and split) columns; later calls reuse them (facets.ColumnCache).
Reported per query and period: the first call on a fresh index handle ("cold": columns
read, postings not cached) and the median / p95 of warm calls, with a search of the same
query (limit 10, no snippets) for scale.

    python bench/bench_timeline.py [--corpora ../shared/corpora] [--index DIR] [--repeat 20]

Without --index, Reuters-21578 is indexed into a temporary folder first (~1 min). Any
index works with --index, e.g. the 200k scale set that `bench_index.py --scale 200000
--work W` leaves in W/scale-200000.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from search.api import NewsIndex

QUERIES = ["oil", "coffee AND brazil", "interest rates", "opec"]
PERIODS = ("day", "week", "month", "year")
REUTERS = "reuters21578/reuters21578.tar.gz"


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench(index_dir: Path, repeat: int) -> list[dict]:
    rows = []
    for query in QUERIES:
        for by in PERIODS:
            with NewsIndex.open(index_dir) as ix:
                cold = _timed(lambda: ix.timeline(query, by=by))
                warm = sorted(_timed(lambda: ix.timeline(query, by=by)) for _ in range(repeat))
                split = sorted(_timed(lambda: ix.timeline(query, by=by, split="source"))
                               for _ in range(repeat))
                search = sorted(_timed(lambda: ix.search(query, snippets=False, suggest=False))
                                for _ in range(repeat))
                tl = ix.timeline(query, by=by)
            rows.append({"query": query, "by": by, "matches": tl.total, "periods": len(tl.periods),
                         "cold_ms": _ms(cold), "warm_median_ms": _ms(statistics.median(warm)),
                         "warm_p95_ms": _ms(warm[int(0.95 * (len(warm) - 1))]),
                         "split_median_ms": _ms(statistics.median(split)),
                         "search_median_ms": _ms(statistics.median(search))})
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", default=os.environ.get("NEWS_SEARCH_CORPORA", "../shared/corpora"))
    ap.add_argument("--index", type=Path, help="an existing index (default: index Reuters now)")
    ap.add_argument("--repeat", type=int, default=20, help="warm calls per query and period")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-timeline-") as tmp:
        index_dir = args.index
        if index_dir is None:
            from search.indexing import index_paths

            source = Path(args.corpora) / REUTERS
            if not source.is_file():
                print(f"missing {source}", file=sys.stderr)
                return 2
            index_dir = Path(tmp) / "index"
            t = time.perf_counter()
            index_paths(index_dir, [source])
            print(f"# indexed Reuters in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        with NewsIndex.open(index_dir) as ix:
            articles = ix.doc_count
        rows = bench(index_dir, args.repeat)
    print(f"index: {articles:,} articles; cold = the first call on a fresh handle, "
          f"warm = median/p95 of {args.repeat}")
    print(f"{'query':<20}{'by':<7}{'matches':>8}{'periods':>8}{'cold ms':>9}{'warm ms':>9}"
          f"{'p95 ms':>8}{'split ms':>9}{'search ms':>10}")
    for r in rows:
        print(f"{r['query']:<20}{r['by']:<7}{r['matches']:>8,}{r['periods']:>8}{r['cold_ms']:>9}"
              f"{r['warm_median_ms']:>9}{r['warm_p95_ms']:>8}{r['split_median_ms']:>9}"
              f"{r['search_median_ms']:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
