"""Cold start of `news-search query` against the floor and a plain Whoosh script, in one run.

Reproduce (a quiet machine; ~1 minute with an existing index, +~1-2 minutes to build one):

    python bench/bench_startup.py --index-dir REUTERS_INDEX      # an index of Reuters-21578
    python bench/bench_startup.py --corpora CORPORA --reuse DIR  # build it into DIR first
        [--runs 40] [--query oil] [--json]

Each round runs, one after another (interleaved, so load from other processes hurts
all alike), whole processes whose output goes to /dev/null, with the OS page cache warm:
- floor:  `python -c pass` (the interpreter alone)
- whoosh: a plain Whoosh script that opens the same index directory and prints the
  top 10 headlines of the same query (MultifieldParser over headline and body); the
  index's pickled schema makes it import our analysis classes, as any reader must
- ours:   `python -m search query QUERY --index-dir DIR` (the console script `news-search`
  runs the same code: search/program.py)
- ours-import: `python -c "import search.api"`, to split import from work
Reported: median, p95 and fastest wall time per command (on a loaded machine the fastest
run is the closest to a quiet one), the median CPU time (user + system:
less sensitive to other processes than wall time), news-search's ratios to the floor and
to plain Whoosh (wall and CPU), the load average before and after and the CPU count.
The commands run with PYTHONDONTWRITEBYTECODE unset, so the warm-up round writes the
.pyc files an installed package has: with it set, every edited module is compiled again
in every run (~10 ms for search/library.py), which is not what a user's start-up costs. The target (issue 12) is ours < 150 ms on a quiet machine; ours minus
floor is what news-search itself costs. `python -X importtime -m search query x`
shows what the imports cost one by one.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLAIN_WHOOSH = """
import sys
from whoosh.index import open_dir
from whoosh.qparser import MultifieldParser
ix = open_dir(sys.argv[1])
with ix.searcher() as s:
    q = MultifieldParser(["headline", "body"], ix.schema).parse(sys.argv[2])
    for hit in s.search(q, limit=10):
        print(hit["headline"])
"""


def whoosh_dir(index_dir: Path) -> Path:
    meta = json.loads((index_dir / "news-search.json").read_text())
    return index_dir / meta["generation"]


def build(corpora: Path, into: Path) -> Path:
    from search.indexing import index_paths

    if not (into / "news-search.json").exists():
        run = index_paths(into, [corpora / "reuters21578" / "reuters21578.tar.gz"])
        assert run.outcome == "ok", run
    return into


CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one whole process. CPU time (user + system, from
    getrusage of children) moves far less than wall time when other processes load
    the machine, so it is reported beside it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=CHILD_ENV)
    took = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return took, cpu


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index-dir", type=Path, help="an existing news-search index of Reuters")
    ap.add_argument("--corpora", type=Path, default=os.environ.get("NEWS_SEARCH_CORPORA"))
    ap.add_argument("--reuse", type=Path, help="build the index here (kept), or reuse it")
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--query", default="oil")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--python", default=sys.executable,
                    help="the interpreter of the install to measure (default: this one). A "
                    "development install (`pip install -e .`) runs setuptools' editable finder "
                    "in every process, the floor included; compare with a venv made by "
                    "`pip install .`, as users install")
    args = ap.parse_args()
    index_dir = args.index_dir
    if index_dir is None:
        if not args.corpora:
            ap.error("give --index-dir, or --corpora (or NEWS_SEARCH_CORPORA) to build one")
        index_dir = build(args.corpora, args.reuse or Path(tempfile.mkdtemp()) / "reuters")
    py = args.python
    commands = {
        "floor (python -c pass)": [py, "-c", "pass"],
        "plain whoosh script": [py, "-c", PLAIN_WHOOSH, str(whoosh_dir(index_dir)), args.query],
        "import search.api": [py, "-c", "import search.api"],
        "news-search query": [py, "-m", "search", "query", args.query,
                              "--index-dir", str(index_dir)],
    }
    for cmd in commands.values():  # warm the page cache and .pyc files
        timed(cmd)
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, cmd in commands.items():
            wall, used = timed(cmd)
            times[name].append(wall)
            cpu[name].append(used)
    load_after = os.getloadavg()
    rows = {name: {"median_ms": round(statistics.median(t) * 1000, 1),
                   "p95_ms": round(p95(t) * 1000, 1), "min_ms": round(min(t) * 1000, 1),
                   "cpu_median_ms": round(statistics.median(cpu[name]) * 1000, 1)}
            for name, t in times.items()}
    ours = rows["news-search query"]
    ratios = {f"news-search / {base}": {
        "wall": round(ours["median_ms"] / rows[name]["median_ms"], 2),
        "cpu": round(ours["cpu_median_ms"] / rows[name]["cpu_median_ms"], 2)}
        for base, name in (("floor", "floor (python -c pass)"), ("plain whoosh", "plain whoosh script"))}
    report = {"runs": args.runs, "cpus": os.cpu_count(), "query": args.query, "python": py,
              "load_before": [round(x, 2) for x in load_before],
              "load_after": [round(x, 2) for x in load_after], "results": rows, "ratios": ratios}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"cold start ({py}), {args.runs} interleaved runs each, query {args.query!r}, "
          f"{os.cpu_count()} CPUs, load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after")
    print(f"{'command':<26}{'median ms':>11}{'p95 ms':>9}{'min ms':>9}{'CPU median ms':>15}")
    for name, row in rows.items():
        print(f"{name:<26}{row['median_ms']:>11}{row['p95_ms']:>9}{row['min_ms']:>9}"
              f"{row['cpu_median_ms']:>15}")
    floor = rows["floor (python -c pass)"]["median_ms"]
    print(f"news-search over the floor: {rows['news-search query']['median_ms'] - floor:.1f} ms; "
          f"plain whoosh over the floor: {rows['plain whoosh script']['median_ms'] - floor:.1f} ms")
    for name, r in ratios.items():
        print(f"{name}: {r['wall']}x wall, {r['cpu']}x CPU")


if __name__ == "__main__":
    main()
