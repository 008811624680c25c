"""Operating a sharded archive against one index: reindex with nothing changed, a cycle
that delivers alerts, stats, check and similar.

Reproduce (~2-4 minutes on 2 cores; needs `pip install -e '.[cluster]'`):

    python bench/bench_cluster_ops.py [--corpora ../shared/corpora] [--files 6]
        [--shards 4] [--reps 5] [--json]

On the first `--files` Reuters-21578 files (extracted to a temporary folder), built into
one index and into an archive of `--shards` shards on a local 2-node Ray cluster
(`ray.cluster_utils.Cluster`, 1 CPU per node: the machine's 2 cores), it times, best of
`--reps` (min: the machine is shared):
- `reindex` with no file changed: one index; the archive with its file records
  (files.sqlite: unchanged files are replayed, not read); the archive without them
  (records removed before each run: every file read again, as before the records);
- one file added then `reindex` + alert delivery (one saved search), both;
- `stats` and `check` (read-only, from the shard folders, no Ray);
- `similar` p50 over 30 articles (the archive: four scatter phases over the shards).
Every archive answer is checked against the index's (articles held; similar's scores).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path


def extract(corpora: Path, into: Path, files: int) -> Path:
    folder = into / "reuters"
    folder.mkdir()
    with tarfile.open(corpora / "reuters21578" / "reuters21578.tar.gz") as tar:
        members = sorted((m for m in tar.getmembers() if m.isfile() and m.name.endswith(".sgm")),
                         key=lambda m: m.name)
        for member in members[:files + 1]:
            (folder / Path(member.name).name).write_bytes(tar.extractfile(member).read())
    spare = sorted(folder.iterdir())[-1]  # added later, for the delivery cycle
    held = into / "spare.sgm"
    shutil.move(spare, held)
    return folder


def best(fn, reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", default=os.environ.get("NEWS_SEARCH_CORPORA", "../shared/corpora"))
    ap.add_argument("--files", type=int, default=6)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    import ray
    from ray.cluster_utils import Cluster

    from search.api import NewsIndex
    from search.cluster import create_archive
    from search.cluster.check import check_archive
    from search.cluster.client import ClusterIndex
    from search.cluster.filerecords import RECORDS_FILE
    from search.cluster.stats import archive_stats
    from search.indexing.check import check_index

    tmp = Path(tempfile.mkdtemp(prefix="bench-cluster-ops-"))
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False, logging_level="ERROR")
    cluster.wait_for_nodes()
    out: dict = {"files": args.files, "shards": args.shards, "load": os.getloadavg()[0]}
    try:
        corpus = extract(Path(args.corpora), tmp, args.files)
        single = NewsIndex.create(tmp / "single")
        single.index([corpus], alerts=False)
        create_archive(tmp / "archive", args.shards)
        archive = ClusterIndex.open(tmp / "archive", shard_timeout=120)
        archive.index([corpus], alerts=False)
        out["articles"] = single.doc_count

        def held() -> dict:
            got: dict = {}
            for part in archive.articles().values():
                got.update(part)
            return got

        out["reindex_unchanged_single_s"] = best(lambda: single.reindex(alerts=False), args.reps)
        out["reindex_unchanged_archive_s"] = best(lambda: archive.reindex(alerts=False), args.reps)

        def without_records() -> None:
            (tmp / "archive" / RECORDS_FILE).unlink()
            archive.reindex(alerts=False)

        out["reindex_unchanged_archive_no_records_s"] = best(without_records, args.reps)
        for ix in (single, archive):
            ix.alerts.add("oil", "oil OR crude")
        shutil.move(tmp / "spare.sgm", corpus / "spare.sgm")
        t = time.perf_counter()
        run_single = single.reindex()
        out["cycle_with_alerts_single_s"] = time.perf_counter() - t
        t = time.perf_counter()
        run_archive = archive.reindex()
        out["cycle_with_alerts_archive_s"] = time.perf_counter() - t
        assert [len(d.new) for d in run_archive.deliveries] == [len(d.new) for d in run_single.deliveries]
        out["alert_new"] = len(run_archive.deliveries[0].new)
        single_held = {}
        from search.indexing.manifest import indexed_articles
        from search.indexing.store import open_index
        with open_index(tmp / "single") as handle:
            single_held = {a.id: a.content_hash for a in indexed_articles(handle.ix)}
        assert held() == single_held
        out["stats_single_s"] = best(lambda: single.stats(), args.reps)
        out["stats_archive_s"] = best(lambda: archive_stats(tmp / "archive"), args.reps)
        out["check_single_s"] = best(lambda: check_index(tmp / "single"), 1)
        out["check_archive_s"] = best(lambda: check_archive(tmp / "archive"), 1)
        ids = sorted(single_held)[:: max(1, len(single_held) // 30)][:30]
        for i in ids:  # warm
            assert [round(h.score, 9) for h in archive.similar(i).hits] == \
                [round(h.score, 9) for h in single.similar(i).hits]
        for name, ix in (("single", single), ("archive", archive)):
            times = []
            for i in ids:
                t = time.perf_counter()
                ix.similar(i)
                times.append((time.perf_counter() - t) * 1000)
            out[f"similar_p50_{name}_ms"] = statistics.median(times)
        single.close()
        for shard in archive.archive.shards:
            ray.kill(archive.actor(shard), no_restart=True)
    finally:
        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{out['articles']:,} articles from {args.files} Reuters files, {args.shards} shards on "
          f"2 local Ray nodes (load {out['load']:.2f})")
    for key, value in out.items():
        if key.endswith("_s"):
            print(f"  {key[:-2]:<42}{value:8.2f} s")
        elif key.endswith("_ms"):
            print(f"  {key[:-3]:<42}{value:8.1f} ms")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
