"""Story clusters on Reuters-21578: quality of the merges, and what they cost, in one run.

    NEWS_SEARCH_CORPORA=../shared/corpora python bench/bench_stories.py [--rounds 3] [--reps 5] [--work DIR]

- Quality: precision and recall of story merges on the labelled pairs in
  tests/data/stories-reuters-labels.tsv (a pair is merged when both articles have one
  story id), overall and per sample; plus how many stories have several copies.
- Build cost: `index_paths` on the Reuters archive with stories and without (the same
  code with story assignment switched off), each in a fresh process, alternating, for
  `--rounds` rounds; the ratio of the medians (and of the least) of wall time and of CPU
  time (the build's process and its children: Whoosh's writer processes, parse workers;
  and the writer process's own, where the story work runs when there are no parse
  workers). On a machine others use at the same time the CPU ratio is the steadier
  figure (wall time waits for their processes too); each build's load average is
  reported beside it.
- Query cost: the query set of bench/bench_query.py on the built index, warm (one
  NewsIndex reused, each query run once first), median of `--reps` runs per query:
  plain, --collapse and --count-by story, and plain on the index built without stories;
  a process per index and round, the two indexes alternating (the median over rounds of
  each process's mean).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from index_corpora import corpus_path  # noqa: E402

LABELS = HERE.parent / "tests" / "data" / "stories-reuters-labels.tsv"


def _cpu_seconds(who: int) -> float:
    """CPU time of this process (RUSAGE_SELF) or of its children that have ended."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def build(index_dir: Path, stories: bool) -> dict:
    """Wall and CPU seconds to index Reuters into `index_dir` (run in a child process),
    and the load average (1 min) when it ended."""
    from search.indexing import WriteSettings, index_paths, indexer

    if not stories:
        indexer._story_clusters = lambda handle, manifest: None  # the same build, no stories
    shutil.rmtree(index_dir, ignore_errors=True)
    t = time.perf_counter()
    writer, children = _cpu_seconds(resource.RUSAGE_SELF), _cpu_seconds(resource.RUSAGE_CHILDREN)
    index_paths(index_dir, [corpus_path("reuters")], settings=WriteSettings())
    writer = _cpu_seconds(resource.RUSAGE_SELF) - writer
    children = _cpu_seconds(resource.RUSAGE_CHILDREN) - children
    return {"seconds": round(time.perf_counter() - t, 2), "cpu_seconds": round(writer + children, 2),
            "writer_cpu_seconds": round(writer, 2), "load": round(os.getloadavg()[0], 2)}


def labelled_pairs() -> list[dict[str, str]]:
    lines = [line for line in LABELS.read_text("utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def story_ids(index_dir: Path) -> dict[str, str]:
    """article id -> story id, from the index's columns."""
    from search.indexing.store import open_index
    from search.indexing.stories import indexed_stories

    return {i: s for i, (s, _) in indexed_stories(open_index(index_dir).ix).items()}


def quality(index_dir: Path) -> dict:
    stories = story_ids(index_dir)
    out: dict = {}
    pairs = labelled_pairs()
    for name in ("all", *sorted({p["sample"] for p in pairs})):
        chosen = [p for p in pairs if name == "all" or p["sample"] == name]
        merged = [p for p in chosen if stories.get(p["id_a"]) == stories.get(p["id_b"]) is not None]
        same = [p for p in chosen if p["same_story"] == "1"]
        tp = sum(1 for p in merged if p["same_story"] == "1")
        out[name] = {"pairs": len(chosen), "merged": len(merged), "same_story": len(same),
                     "precision": round(tp / len(merged), 3) if merged else None,
                     "recall": round(tp / len(same), 3) if same else None,
                     "wrong_merges": [f"{p['id_a']} {p['id_b']}: {p['reason']}" for p in merged
                                      if p["same_story"] == "0"]}
    sizes: dict[str, int] = {}
    for s in stories.values():
        sizes[s] = sizes.get(s, 0) + 1
    out["articles"] = len(stories)
    out["stories"] = len(sizes)
    out["stories_with_copies"] = sum(1 for n in sizes.values() if n > 1)
    out["articles_in_them"] = sum(n for n in sizes.values() if n > 1)
    out["largest"] = max(sizes.values())
    return out


def query_latency(index_dir: Path, reps: int) -> dict:
    """Per query, the modes' runs interleaved (plain, collapse, count by story, plain,
    ...) so that a machine busy with other work slows them alike; the median of each."""
    from bench_query import LIMIT, cases_for

    from search import NewsIndex

    cases = cases_for("tags")
    modes = {"plain": {}, "collapse": {"collapse": True}, "count_by_story": {"count_by": "story"}}
    times: dict[str, list[float]] = {name: [] for name in modes}
    with NewsIndex.open(index_dir) as ix:
        for case in cases:
            kws = {name: dict(facets=case.facets, sort=case.sort, page=case.page, limit=LIMIT,
                              match="all", **extra)  # as bench_query.py asks
                   for name, extra in modes.items()}
            for kw in kws.values():
                ix.search(case.query, **kw)  # warm: postings and columns read once
            runs: dict[str, list[float]] = {name: [] for name in modes}
            for _ in range(reps):
                for name, kw in kws.items():
                    t = time.perf_counter()
                    ix.search(case.query, **kw)
                    runs[name].append(time.perf_counter() - t)
            for name in modes:
                times[name].append(statistics.median(runs[name]))
    return {**{name: {"median_ms": round(statistics.median(t) * 1000, 2),
                      "mean_ms": round(statistics.fmean(t) * 1000, 2), "queries": len(t)}
               for name, t in times.items()},
            "load": os.getloadavg()[0]}


def child(args: argparse.Namespace) -> None:
    if args.child == "build":
        print(json.dumps(build(Path(args.index), args.stories == "on")))
    elif args.child == "query":
        print(json.dumps(query_latency(Path(args.index), args.reps)))


def run_child(*argv: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, *argv], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "0"})
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3, help="builds with and without stories")
    ap.add_argument("--reps", type=int, default=5, help="timed runs per query")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the indexes and build times an earlier run left in --work")
    ap.add_argument("--child", choices=("build", "query"), help=argparse.SUPPRESS)
    ap.add_argument("--stories", choices=("on", "off"), default="on", help=argparse.SUPPRESS)
    ap.add_argument("--index", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-stories-"))
    with_dir, without_dir = work / "with-stories", work / "without-stories"
    builds: dict[str, list[dict]] = {"on": [], "off": []}
    saved = work / "builds.json"
    if args.reuse and saved.exists():
        builds = json.loads(saved.read_text("utf-8"))
    else:
        for _ in range(args.rounds):
            for mode, where in (("on", with_dir), ("off", without_dir)):
                builds[mode].append(run_child("--child", "build", "--stories", mode, "--index",
                                              str(where)))
        saved.write_text(json.dumps(builds), "utf-8")

    def ratio(kind: str, of=statistics.median) -> float:
        return round(of(b[kind] for b in builds["on"]) / of(b[kind] for b in builds["off"]), 3)

    report = {
        "build": {"with_stories": builds["on"], "without": builds["off"],
                  "median_ratio_wall": ratio("seconds"), "median_ratio_cpu": ratio("cpu_seconds"),
                  "median_ratio_writer_cpu": ratio("writer_cpu_seconds"),
                  # other processes only ever add to a build's time: the least is the
                  # closest to the build's own cost on a shared machine
                  "min_ratio_wall": ratio("seconds", min), "min_ratio_cpu": ratio("cpu_seconds", min)},
        "quality": quality(with_dir),
    }
    # Query processes on the two indexes alternate, in turn first, for at least two rounds:
    # run one after the other, whichever ran first (the machine still busy after the
    # builds) was ~15% slower, which read as a cost of the story column on plain queries.
    runs: dict[str, list[dict]] = {"with": [], "without": []}
    for k in range(max(2, args.rounds)):
        order = [("with", with_dir), ("without", without_dir)]
        for name, where in order if k % 2 == 0 else order[::-1]:
            runs[name].append(run_child("--child", "query", "--index", str(where),
                                        "--reps", str(args.reps)))
    for name, found in runs.items():
        report[f"query_{name}_stories_index"] = {
            mode: {"mean_ms": round(statistics.median(r[mode]["mean_ms"] for r in found), 2),
                   "mean_ms_per_run": [r[mode]["mean_ms"] for r in found]}
            for mode in ("plain", "collapse", "count_by_story")} | \
            {"load": [round(r["load"], 2) for r in found]}
    q = report["query_with_stories_index"]
    report["query_ratios"] = {
        "collapse_vs_plain": round(q["collapse"]["mean_ms"] / q["plain"]["mean_ms"], 3),
        "count_by_story_vs_plain": round(q["count_by_story"]["mean_ms"] / q["plain"]["mean_ms"], 3),
        "plain_vs_index_without_stories": round(
            q["plain"]["mean_ms"] / report["query_without_stories_index"]["plain"]["mean_ms"], 3),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
