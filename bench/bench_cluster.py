"""A sharded archive on Ray against one index: build throughput, query latency, overhead.

Reproduce (one run, ~10-15 minutes on 2 cores; needs `pip install -e '.[cluster]'`):

    python bench/bench_cluster.py [--corpora ../shared/corpora] [--shards 1,2,4]
        [--reps 3] [--files 22] [--address HOST:PORT] [--json]

What one run measures, on Reuters-21578 (its 22 SGML files, or the first `--files`, extracted to a temporary
folder so that Ray tasks read them in parallel):

- a local Ray cluster of 2 nodes (`ray.cluster_utils.Cluster`, 1 CPU each: the
  machine's 2 cores), unless `--address` names one already running;
- single: `NewsIndex.index` into one index (the usual path: a parse process and one
  writer process per core), then `NewsIndex.search` over the query mix;
- N shards (each of `--shards`): `news-search cluster create` + the distributed build
  (Ray tasks read, 4 shard actors analyse and write), then `ClusterIndex.search` over
  the same queries: three phases (statistics, search, fetch) per query;
- articles/s of each build, p50/p95 of each query set (warm: one pass first, then
  `--reps` passes), and "x single" = cluster p50 / single p50 (the cost of the cluster
  path); the shard actors' resident memory and the shards' size on disk.
Every result is checked equal to the single index's (ids and totals) while timed.
The load average is printed: other jobs on the machine slow every figure alike.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tarfile
import tempfile
import time
from pathlib import Path

QUERIES = [
    ("term", "oil", {}), ("term", "gold", {}), ("term", "dividend", {}),
    ("question", "oil prices opec", {}), ("question", "interest rates bundesbank", {}),
    ("boolean", "oil AND NOT opec", {}), ("boolean", "(wheat OR grain) AND exports", {}),
    ("phrase", '"crude oil"', {}), ("phrase", '"trade deficit"', {}),
    ("proximity", '"oil prices"~3', {}),
    ("facets", "oil", {"facets": ["source", "published:month", "tags"]}),
    ("dates", "oil", {"since": "1987-03-01", "until": "1987-03-31"}),
    ("newest", "gold", {"sort": "newest"}),
    ("page 5", "company", {"page": 5}),
    ("fields", "headline:oil AND tags:crude", {}),
]


def extract_reuters(corpora: Path, into: Path, files: int = 22) -> Path:
    folder = into / "reuters"
    folder.mkdir()
    with tarfile.open(corpora / "reuters21578" / "reuters21578.tar.gz") as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith(".sgm")),
                         key=lambda m: m.name)
        for member in members[:files]:
            (folder / Path(member.name).name).write_bytes(tar.extractfile(member).read())
    return folder


def timed_queries(ix, reps: int, reference: dict | None = None) -> tuple[list[float], dict]:
    """Milliseconds per query over `reps` passes (after one warm-up pass), and the
    (ids, total) each query gave, checked against `reference` when given."""
    answers = {}
    for kind, q, opts in QUERIES:  # warm-up: postings read, actors' imports done
        res = ix.search(q, **opts)
        answers[(kind, q)] = ([h.id for h in res.hits], res.total)
        if reference is not None:
            assert answers[(kind, q)] == reference[(kind, q)], (kind, q)
    times = []
    for _ in range(reps):
        for _kind, q, opts in QUERIES:
            t = time.perf_counter()
            ix.search(q, **opts)
            times.append((time.perf_counter() - t) * 1000)
    return times, answers


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", default="../shared/corpora")
    ap.add_argument("--shards", default="1,2,4")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--files", type=int, default=22, help="the first N of Reuters' 22 files (1,000 articles each)")
    ap.add_argument("--address", default=None, help="an existing Ray cluster (default: start 2 nodes)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import ray

    from search.api import NewsIndex
    from search.cluster import create_archive
    from search.cluster.client import ClusterIndex

    cluster = None
    if args.address:
        ray.init(address=args.address, log_to_driver=False, logging_level="ERROR")
    else:
        from ray.cluster_utils import Cluster

        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
        cluster.add_node(num_cpus=1)
        ray.init(address=cluster.address, log_to_driver=False, logging_level="ERROR")
        cluster.wait_for_nodes()
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
            work = Path(tmp)
            files = extract_reuters(Path(args.corpora), work, args.files)
            t = time.perf_counter()
            single = NewsIndex.create(work / "single")
            run = single.index([files], alerts=False)
            seconds = time.perf_counter() - t
            times, reference = timed_queries(single, args.reps)
            rows.append({"setup": "single index", "articles": run.added, "build_s": seconds,
                         "articles_per_s": run.added / seconds, "p50_ms": pct(times, 50),
                         "p95_ms": pct(times, 95), "disk_mb": du(work / "single") / 2**20})
            single_p50 = rows[0]["p50_ms"]
            for n in [int(x) for x in args.shards.split(",")]:
                create_archive(work / f"archive-{n}", n)
                ix = ClusterIndex.open(work / f"archive-{n}", shard_timeout=120)
                t = time.perf_counter()
                report = ix.index([files])
                seconds = time.perf_counter() - t
                times, _ = timed_queries(ix, args.reps, reference)
                status = ix.status()
                rows.append({"setup": f"{n} shard(s), 2 nodes", "articles": report.added,
                             "build_s": seconds, "articles_per_s": report.added / seconds,
                             "p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
                             "x_single": pct(times, 50) / single_p50,
                             "shard_rss_mb": [round(s.get("rss_mb") or 0) for s in status],
                             "disk_mb": du(work / f"archive-{n}") / 2**20})
                for s in status:  # stop this archive's actors before the next one
                    ray.kill(ix.actor(s["shard"]), no_restart=True)
    finally:
        ray.shutdown()
        if cluster is not None:
            cluster.shutdown()
    load = os.getloadavg()
    if args.json:
        print(json.dumps({"rows": rows, "load": load, "queries": len(QUERIES), "reps": args.reps}))
        return
    print(f"Reuters-21578, {len(QUERIES)} queries x {args.reps} reps (warm), load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"{'setup':<22} {'articles':>8} {'build s':>8} {'art/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'x single':>8} {'disk MB':>8}  shard RSS MB")
    for r in rows:
        print(f"{r['setup']:<22} {r['articles']:>8} {r['build_s']:>8.1f} {r['articles_per_s']:>7.0f} "
              f"{r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} {r.get('x_single', 1.0):>8.1f} "
              f"{r['disk_mb']:>8.1f}  {r.get('shard_rss_mb', '')}")


if __name__ == "__main__":
    sys.exit(main())
