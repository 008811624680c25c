"""Query latency: warm API per query type, against plain Whoosh and SQLite FTS5, plus cold start.

Reproduce (one run, ~3-5 minutes on 2 cores, most of it building the Reuters index):

    python bench/bench_query.py [--corpora ../shared/corpora]
        [--reuse REUTERS_INDEX_DIR] [--index-dir BIGGER_INDEX] [--json]
        [--optimized-copy] [--profile "phrase+bool"]

`--suggest-cost` measures only what "did you mean" costs per query type, the current
suggester against the one before issue 11, in the same run (bench/suggest_cost.py).
`--optimized-copy` adds the Reuters index merged into one segment (+~1.5 min);
each `--index-dir` adds ~2-5 min (53,819 articles: ~5 min with --reps 12).

What one run measures, on the Reuters-21578 index (built with `index_paths`, or
reused with `--reuse DIR`, which builds into DIR when it holds no index yet) and on
any `--index-dir` given (e.g. the largest index of bench_index.py's scale series):

- ours: `NewsIndex.search` with one open, warm `NewsIndex` (a warm-up pass first),
  default options (snippets on, as the CLI prints them); p50/p95 per query type over
  every query of the type x `--reps`. "no-snip" is the same with `snippets=False`,
  to show what highlighting costs; "uncached" the same right after
  `NewsIndex.drop_caches()`, so each query reads its postings afresh (the warm
  figures reuse the term postings that earlier queries read, as a long-lived
  process does).
- baseline: what plain Whoosh code does: per query a NEW searcher and a NEW
  `MultifieldParser(["headline", "body"])` on the same Whoosh directory; total via
  `len(results)`, highlights of the page's hits, facets by iterating all hits' stored
  fields, date sort via `sortedby="published"`, deep pages via `search_page`.
  "x base" = baseline p50 / ours p50 (target >= 3).
- FTS5: SQLite FTS5 (stdlib sqlite3) over the same articles (read from the index's
  stored fields): bm25 ranking with the headline boost, snippet(), count(*), facets by
  GROUP BY, date sort by ORDER BY. "x fts5" = FTS5 p50 / ours p50 (< 1: we are slower).
- cold: wall time of whole processes doing one query, output to /dev/null (the OS
  page cache is warm: this is interpreter + imports + open + query): `python -m
  search.cli query`, the installed `news-search`, a plain Whoosh script, an FTS5
  script, and `python -c pass` as the floor. Median of `--cold-runs`, interleaved.

Runs are interleaved (ours, FTS5, baseline per round) so that load from other
processes hurts all three alike; the load average is printed with the results.
Targets (issue 4, on Reuters): warm p50 < 5 ms and p95 < 20 ms for every type,
warm >= 3x the baseline, cold `news-search query` < 250 ms.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))  # query_sqlite_fts beside us

import query_sqlite_fts as fts  # noqa: E402
import suggest_cost  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
REUTERS = "reuters21578/reuters21578.tar.gz"
LIMIT = 10
DEEP_PAGE = 50
TARGET_P50_MS = 5.0
TARGET_P95_MS = 20.0
TARGET_SPEEDUP = 3.0
TARGET_COLD_MS = 250.0
COLD_QUERY = "oil AND prices"


@dataclass(frozen=True)
class Case:
    """One benchmark query: the text is valid in our syntax and Whoosh's (FTS5 via fts_query)."""

    kind: str
    query: str
    facets: tuple[str, ...] = ()
    sort: str = "relevance"
    page: int = 1


# Realistic questions for a 1987 business newswire; every one matches (deep-page ones
# more than 500 articles). Kinds are reported in this order.
KINDS = ("term", "AND", "OR", "NOT", "phrase", "phrase+bool", "2 facets", "by date", "page 50")
TEXTS = {
    "term": ["oil", "dollar", "wheat", "merger", "Japan"],
    "AND": ["oil AND prices", "bank rates", "wheat AND export", "dollar AND yen", "coffee AND brazil"],
    "OR": ["wheat OR corn", "gold OR silver", "coffee OR cocoa", "Fed OR Bundesbank",
           "takeover OR merger"],
    "NOT": ["oil AND NOT opec", "bank AND NOT interest", "dollar AND NOT yen",
            "shares AND NOT dividend", "trade AND NOT japan"],
    "phrase": ['"interest rates"', '"trade deficit"', '"crude oil"', '"net profit"', '"central bank"'],
    "phrase+bool": ['"interest rates" AND (fed OR bundesbank)', '"crude oil" AND NOT opec',
                    '"trade deficit" AND (japan OR washington)', '"central bank" AND dollar',
                    '"net profit" OR "net loss"'],
    "2 facets": ["oil", "dollar AND yen", '"interest rates"', "wheat", "shares"],
    "by date": ["oil", "merger", '"trade deficit"', "coffee OR cocoa", "shares"],
    "page 50": ["shares", "company", "market", "prices", "oil"],
}


def cases_for(first_facet: str) -> list[Case]:
    """The query set; `first_facet` is `tags` on Reuters (one source) and `source` elsewhere."""
    out = []
    for kind in KINDS:
        for text in TEXTS[kind]:
            if kind == "2 facets":
                out.append(Case(kind, text, facets=(first_facet, "published:month")))
            elif kind == "by date":
                out.append(Case(kind, text, sort="newest"))
            elif kind == "page 50":
                out.append(Case(kind, text, page=DEEP_PAGE))
            else:
                out.append(Case(kind, text))
    return out


# -- the three engines, each answering a Case with (total, hits, facets)

def run_ours(ix: Any, case: Case, snippets: bool = True) -> int:
    # match="all": juxtaposed words ("bank rates") mean AND here, as in Whoosh's and FTS5's
    # syntax (our default mode ranks them as a question: any word, all words first). Code
    # from before issue 11 (no `match`; all words was its only mode) runs without it, so
    # this script can measure an older checkout put first on PYTHONPATH.
    options = {"match": "all"} if _has_match(ix) else {}
    res = ix.search(case.query, facets=case.facets, sort=case.sort, page=case.page, limit=LIMIT,
                    snippets=snippets, **options)
    return res.total


def _has_match(ix: Any) -> bool:
    import inspect

    return "match" in inspect.signature(ix.search).parameters


class PlainWhoosh:
    """The baseline: what straightforward Whoosh code does for the same result page."""

    def __init__(self, whoosh_dir: Path):
        from whoosh import index

        self.ix = index.open_dir(str(whoosh_dir))

    def run(self, case: Case) -> int:
        from whoosh.qparser import MultifieldParser

        with self.ix.searcher() as searcher:
            q = MultifieldParser(["headline", "body"], self.ix.schema).parse(case.query)
            start = (case.page - 1) * LIMIT
            if case.sort != "relevance":
                results = searcher.search(q, sortedby="published", reverse=case.sort == "newest",
                                          limit=LIMIT)
                page = list(results)
            elif case.facets:
                results = searcher.search(q, limit=None)
                page = list(results[start:start + LIMIT])
            elif case.page > 1:
                results = searcher.search_page(q, case.page, pagelen=LIMIT)
                page = list(results)
            else:
                results = searcher.search(q, limit=LIMIT)
                page = list(results)
            total = results.total if hasattr(results, "total") else len(results)
            _hits = [(h["id"], h.get("headline"), h.get("source"), h.get("published"),
                      h.highlights("body", text=h.get("body", ""), top=2)) for h in page]
            if case.facets:
                _facets = _count_stored(results, case.facets)
            return total


def _count_stored(results: Any, facets: tuple[str, ...]) -> dict[str, Counter]:
    counts = {name: Counter() for name in facets}
    for hit in results:
        stored = hit.fields()
        for name in facets:
            if name == "published:month":
                published = stored.get("published")
                counts[name][published.strftime("%Y-%m") if published else None] += 1
            elif name == "tags":
                tags = [t for t in (stored.get("tags") or "").split(",") if t]
                counts[name].update(tags or [None])
            else:
                counts[name][stored.get(name)] += 1
    return counts


def run_fts(con: sqlite3.Connection, case: Case) -> int:
    return fts.run_query(con, case.query, facets=case.facets, sort=case.sort, limit=LIMIT,
                         page=case.page).total


# -- measuring

@dataclass
class Series:
    samples: dict[str, list[float]] = field(default_factory=dict)  # kind -> ms

    def add(self, kind: str, ms: float) -> None:
        self.samples.setdefault(kind, []).append(ms)

    def p50(self, kind: str) -> float:
        return statistics.median(self.samples[kind])

    def p95(self, kind: str) -> float:
        values = sorted(self.samples[kind])
        return values[max(0, math.ceil(0.95 * len(values)) - 1)]


def _timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall ms, CPU ms of this thread): CPU time is what other processes' load cannot inflate."""
    c, t = time.thread_time(), time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000, (time.thread_time() - c) * 1000


def measure_warm(index_dir: Path, whoosh_dir: Path, db: Path, cases: list[Case], reps: int,
                 base_reps: int) -> dict[str, Any]:
    """Interleaved rounds of ours, ours without snippets, FTS5 and (fewer) baseline."""
    from search.api import NewsIndex

    ours, nosnip, first, base, fts_s = Series(), Series(), Series(), Series(), Series()
    # thread CPU time as well: on a shared machine it moves far less with other processes'
    # load than wall time does (load 15-20 on 2 CPUs: wall p50 5x, CPU p50 1.2x)
    cpu = {"ours": Series(), "nosnip": Series(), "baseline": Series(), "fts5": Series()}

    def timed(series: Series, name: str | None, kind: str, fn: Callable[[], Any]) -> None:
        wall, used = _timed(fn)
        series.add(kind, wall)
        if name:
            cpu[name].add(kind, used)

    totals: dict[str, dict[str, int]] = {}
    plain = PlainWhoosh(whoosh_dir)
    con = sqlite3.connect(db)
    with NewsIndex.open(index_dir) as ix:
        for case in cases:  # warm-up pass: loads columns, caches, page cache; records totals
            totals[case.query + f" [{case.kind}]"] = {
                "ours": run_ours(ix, case), "baseline": plain.run(case), "fts5": run_fts(con, case)}
        for rnd in range(reps):
            for case in cases:
                timed(ours, "ours", case.kind, lambda: run_ours(ix, case))
                timed(nosnip, "nosnip", case.kind, lambda: run_ours(ix, case, snippets=False))
                timed(fts_s, "fts5", case.kind, lambda: run_fts(con, case))
                if rnd < base_reps:
                    timed(base, "baseline", case.kind, lambda: plain.run(case))
            print(f"  round {rnd + 1}/{reps}", file=sys.stderr, end="\r")
        print(file=sys.stderr)
        for _ in range(reps):  # after the warm rounds, so that dropping caches cannot touch them
            for case in cases:
                ix.drop_caches()  # the same query with its postings read afresh
                timed(first, None, case.kind, lambda: run_ours(ix, case))
    con.close()
    rows = []
    for kind in KINDS:
        rows.append({
            "type": kind,
            "queries": sorted({c.query for c in cases if c.kind == kind}),
            "samples": len(ours.samples[kind]), "baseline_samples": len(base.samples[kind]),
            "ours_p50_ms": ours.p50(kind), "ours_p95_ms": ours.p95(kind),
            "no_snippets_p50_ms": nosnip.p50(kind), "no_snippets_p95_ms": nosnip.p95(kind),
            "uncached_p50_ms": first.p50(kind), "uncached_p95_ms": first.p95(kind),
            "baseline_p50_ms": base.p50(kind), "baseline_p95_ms": base.p95(kind),
            "fts5_p50_ms": fts_s.p50(kind), "fts5_p95_ms": fts_s.p95(kind),
            "ours_cpu_p50_ms": cpu["ours"].p50(kind), "ours_cpu_p95_ms": cpu["ours"].p95(kind),
            "no_snippets_cpu_p50_ms": cpu["nosnip"].p50(kind),
            "no_snippets_cpu_p95_ms": cpu["nosnip"].p95(kind),
            "baseline_cpu_p50_ms": cpu["baseline"].p50(kind),
            "fts5_cpu_p50_ms": cpu["fts5"].p50(kind),
            "speedup_vs_baseline": base.p50(kind) / ours.p50(kind),
            "cpu_speedup_vs_baseline": cpu["baseline"].p50(kind) / cpu["ours"].p50(kind),
            "speed_vs_fts5": fts_s.p50(kind) / ours.p50(kind),
            "cpu_speed_vs_fts5": cpu["fts5"].p50(kind) / cpu["ours"].p50(kind),
        })
    return {"types": rows, "totals": totals}


COLD_WHOOSH_SCRIPT = """\
import sys
from whoosh import index
from whoosh.qparser import MultifieldParser
ix = index.open_dir(sys.argv[1])
with ix.searcher() as s:
    q = MultifieldParser(["headline", "body"], ix.schema).parse(sys.argv[2])
    r = s.search(q, limit=10)
    for h in r:
        print(h["headline"]); print(h.get("source"), h.get("published"))
        print(h.highlights("body", text=h.get("body", ""), top=2)); print()
    print(len(r), "matches", file=sys.stderr)
"""


def measure_cold(index_dir: Path, whoosh_dir: Path, db: Path, work: Path, runs: int) -> dict[str, Any]:
    """Whole processes doing one query each; interleaved; median and min in ms."""
    (work / "cold_whoosh.py").write_text(COLD_WHOOSH_SCRIPT)
    (work / "cold_fts5.py").write_text(fts.COLD_SCRIPT)
    commands = {
        "news-search query (python -m search.cli)":
            [sys.executable, "-m", "search.cli", "query", COLD_QUERY, "--index-dir", str(index_dir)],
        "plain Whoosh script": [sys.executable, str(work / "cold_whoosh.py"), str(whoosh_dir), COLD_QUERY],
        "FTS5 script": [sys.executable, str(work / "cold_fts5.py"), str(db), COLD_QUERY],
        "python -c pass (floor)": [sys.executable, "-c", "pass"],
    }
    installed = Path(sys.executable).parent / "news-search"
    if installed.exists():
        commands["installed news-search query"] = [str(installed), "query", COLD_QUERY,
                                                   "--index-dir", str(index_dir)]
    env = dict(os.environ, NO_COLOR="1")
    # The warm-up round must leave .pyc files behind, as any installed package has them
    # (a shell with PYTHONDONTWRITEBYTECODE=1 would otherwise recompile edited modules per run).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times: dict[str, list[float]] = {name: [] for name in commands}
    cpu_ms: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs + 1):  # the first round only warms the page cache and .pyc files
        for name, cmd in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                  cwd=PROJECT)
            ms = (time.perf_counter() - t) * 1000
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if proc.returncode not in (0, 1):
                raise SystemExit(f"{name} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
            times[name].append(ms)
            cpu_ms[name].append(1000 * (after.ru_utime + after.ru_stime
                                        - before.ru_utime - before.ru_stime))
    return {name: {"median_ms": statistics.median(v[1:]), "min_ms": min(v[1:]),
                   "cpu_median_ms": statistics.median(cpu_ms[name][1:]), "runs": len(v) - 1}
            for name, v in times.items()}


# -- targets and building

def build_reuters(index_dir: Path, corpora: Path) -> tuple[float, str]:
    """Index Reuters with the product's indexer (falling back to a direct write)."""
    archive = corpora / REUTERS
    if not archive.is_file():
        raise SystemExit(f"Reuters archive not found at {archive}: pass --corpora")
    t = time.perf_counter()
    try:
        from search.indexing import index_paths
        from search.ingest import IngestOptions

        index_paths(index_dir, [archive], ingest=IngestOptions())
        how = "search.indexing.index_paths"
    except Exception as exc:  # noqa: BLE001 - the indexer may be mid-change; fall back
        print(f"index_paths failed ({type(exc).__name__}: {exc}); writing directly", file=sys.stderr)
        shutil.rmtree(index_dir, ignore_errors=True)
        from search.indexing.schema import document_for
        from search.indexing.store import create_index
        from search.ingest import Skip, read_corpus

        handle = create_index(index_dir)
        writer = handle.ix.writer()
        try:
            for article in read_corpus([str(archive)]):
                if not isinstance(article, Skip):
                    writer.add_document(**document_for(article))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        how = "create_index + add_document (fallback)"
    return time.perf_counter() - t, how


def whoosh_dir_of(index_dir: Path) -> Path:
    from search.indexing.store import open_index

    return open_index(index_dir).path


def doc_count(index_dir: Path) -> int:
    from search.api import NewsIndex

    with NewsIndex.open(index_dir) as ix:
        return ix.doc_count


def segment_count(index_dir: Path) -> int:
    """Whoosh segments: each one is searched separately, so many small ones cost per query."""
    from search.indexing.store import open_index

    with open_index(index_dir).ix.reader() as reader:
        return len(list(reader.leaf_readers()))


def optimized_copy(index_dir: Path, dest: Path) -> float:
    """A copy of the index merged into one segment (Whoosh `optimize`); returns seconds."""
    from search.indexing.store import open_index

    shutil.copytree(index_dir, dest)
    t = time.perf_counter()
    open_index(dest).ix.optimize()
    return time.perf_counter() - t


def check_targets(types: list[dict[str, Any]], cold: dict[str, Any] | None) -> list[str]:
    missed = []
    for row in types:
        if row["ours_p50_ms"] >= TARGET_P50_MS:
            missed.append(f"{row['type']}: p50 {row['ours_p50_ms']:.1f} ms >= {TARGET_P50_MS:g}")
        if row["ours_p95_ms"] >= TARGET_P95_MS:
            missed.append(f"{row['type']}: p95 {row['ours_p95_ms']:.1f} ms >= {TARGET_P95_MS:g}")
        if row["speedup_vs_baseline"] < TARGET_SPEEDUP:
            missed.append(f"{row['type']}: {row['speedup_vs_baseline']:.2f}x baseline < {TARGET_SPEEDUP:g}x")
    if cold:
        ms = cold["news-search query (python -m search.cli)"]["median_ms"]
        if ms >= TARGET_COLD_MS:
            missed.append(f"cold news-search query {ms:.0f} ms >= {TARGET_COLD_MS:g}")
    return missed


def profile_kind(index_dir: Path, cases: list[Case], kind: str, reps: int, top: int = 25) -> str:
    """cProfile of the warm API answering `kind`'s queries `reps` times (after a warm-up)."""
    from search.api import NewsIndex

    chosen = [c for c in cases if c.kind == kind]
    if not chosen:
        raise SystemExit(f"--profile: unknown type {kind!r}; choose from {', '.join(KINDS)}")
    with NewsIndex.open(index_dir) as ix:
        for c in chosen:
            run_ours(ix, c)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(reps):
            for c in chosen:
                run_ours(ix, c)
        prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    calls = reps * len(chosen)
    out.write(f"profile of {kind!r}: {calls} searches; times are totals over all of them "
              f"(divide by {calls} for per-query ms)\n")
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# -- output

def format_target(name: str, docs: int, segments: int, warm: dict[str, Any],
                  cold: dict[str, Any] | None) -> str:
    lines = [f"\n{name}: {docs:,} articles in {segments} segment(s). Warm latency per query type, ms "
             f"(ours/no-snip/FTS5: {warm['types'][0]['samples']} samples per type, "
             f"baseline: {warm['types'][0]['baseline_samples']})"]
    head = (f"{'type':<12} {'ours p50':>8} {'p95':>7} {'cpu':>6} {'no-snip':>8} {'cpu':>5} {'p95':>5} {'uncached':>8} {'p95':>6} {'base p50':>9} {'p95':>7} "
            f"{'cpu':>6} {'x base':>7} {'(cpu)':>6} {'fts5 p50':>9} {'p95':>6} {'x fts5':>7} {'(cpu)':>6}  target")
    lines += [head, "-" * len(head)]
    for r in warm["types"]:
        ok = (r["ours_p50_ms"] < TARGET_P50_MS and r["ours_p95_ms"] < TARGET_P95_MS
              and r["speedup_vs_baseline"] >= TARGET_SPEEDUP)
        lines.append(
            f"{r['type']:<12} {r['ours_p50_ms']:8.1f} {r['ours_p95_ms']:7.1f} {r['ours_cpu_p50_ms']:6.1f} "
            f"{r['no_snippets_p50_ms']:8.1f} {r['no_snippets_cpu_p50_ms']:5.2f} "
            f"{r['no_snippets_cpu_p95_ms']:5.2f} {r['uncached_p50_ms']:8.1f} {r['uncached_p95_ms']:6.1f} "
            f"{r['baseline_p50_ms']:9.1f} {r['baseline_p95_ms']:7.1f} {r['baseline_cpu_p50_ms']:6.1f} "
            f"{r['speedup_vs_baseline']:6.2f}x {r['cpu_speedup_vs_baseline']:5.2f}x "
            f"{r['fts5_p50_ms']:9.2f} {r['fts5_p95_ms']:6.2f} {r['speed_vs_fts5']:6.3f}x "
            f"{r['cpu_speed_vs_fts5']:5.3f}x  "
            f"{'ok' if ok else 'MISS'}")
    lines.append("wall-clock ms unless marked cpu (this thread's CPU time, immune to other processes' load); "
                 "no-snip = ours with snippets=False (its cpu p50, p95 beside it); uncached = ours right after drop_caches() (postings,\n"
                 "phrase and filter documents read afresh, as for a query whose terms are new).\n"
                 "x base = baseline p50 / ours p50 (higher is better, target >= 3); "
                 "x fts5 = FTS5 p50 / ours p50 (< 1: FTS5 is faster); (cpu) = the same ratio on CPU time.")
    totals = warm["totals"].values()
    same_base = sum(t["ours"] == t["baseline"] for t in totals)
    same_fts = sum(t["ours"] == t["fts5"] for t in totals)
    lines.append(f"Same work: totals equal to the baseline's on {same_base}/{len(totals)} queries, "
                 f"to FTS5's on {same_fts}/{len(totals)} (FTS5 stems with Porter, we with Snowball).")
    if cold:
        lines.append(f"Cold process, one query ({COLD_QUERY!r}, output to /dev/null), ms:")
        for cname, c in cold.items():
            lines.append(f"  {cname:<42} median {c['median_ms']:6.0f}   min {c['min_ms']:6.0f}   "
                         f"cpu median {c['cpu_median_ms']:6.0f}  ({c['runs']} runs)")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", type=Path,
                    default=Path(os.environ.get("NEWS_SEARCH_CORPORA", "../shared/corpora")))
    ap.add_argument("--reuse", type=Path, metavar="DIR",
                    help="Reuters index to reuse (built there first if DIR holds no index)")
    ap.add_argument("--index-dir", type=Path, action="append", default=[], metavar="DIR",
                    help="an existing index to measure too (e.g. the largest scale-series one)")
    ap.add_argument("--reps", type=int, default=20, help="measured rounds of ours and FTS5")
    ap.add_argument("--baseline-reps", type=int, default=5, help="measured rounds of the baseline")
    ap.add_argument("--cold-runs", type=int, default=10)
    ap.add_argument("--optimized-copy", action="store_true",
                    help="also measure a copy of the Reuters index merged into one segment")
    ap.add_argument("--profile", action="append", default=[], metavar="TYPE",
                    help=f"cProfile this query type through the API afterwards ({', '.join(KINDS)})")
    ap.add_argument("--json", action="store_true", help="results as JSON on stdout (table to stderr)")
    ap.add_argument("--suggest-cost", action="store_true",
                    help="instead: what did-you-mean costs per query type, new vs the old "
                         "suggester, on Reuters (bench/suggest_cost.py)")
    args = ap.parse_args()
    if not fts.has_fts5():
        raise SystemExit(f"this Python's sqlite3 ({sqlite3.sqlite_version}) has no FTS5")

    load_start = os.getloadavg()
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bench_query_"))
    out_text = sys.stderr if args.json else sys.stdout
    report: dict[str, Any] = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                    "sqlite": sqlite3.sqlite_version, "loadavg_start": load_start},
        "targets_ms": {"p50": TARGET_P50_MS, "p95": TARGET_P95_MS, "speedup": TARGET_SPEEDUP,
                       "cold": TARGET_COLD_MS},
        "indexes": [],
    }
    try:
        reuters = args.reuse or work / "reuters-index"
        build = None
        if not (reuters / "news-search.json").exists():
            print(f"building the Reuters index at {reuters} ...", file=sys.stderr)
            seconds, how = build_reuters(reuters, args.corpora)
            build = {"seconds": round(seconds, 1), "how": how}
            print(f"  built in {seconds:.0f} s with {how}", file=sys.stderr)
        if args.suggest_cost:
            cases = cases_for("tags")
            cases += [Case("few hits", q) for q in suggest_cost.FEW_HITS_QUERIES]
            cases += [Case("misspelt", q) for q in suggest_cost.MISSPELT_QUERIES]
            result = suggest_cost.measure(reuters, cases, args.reps)
            report["suggest_cost"] = result
            print(suggest_cost.format_rows(result), file=out_text)
            targets = []
        else:
            targets = [("Reuters-21578", reuters, "tags", True, build)]
        if args.optimized_copy and targets:
            dest = work / "reuters-optimized"
            seconds = optimized_copy(reuters, dest)
            targets.append(("Reuters-21578, optimized copy (1 segment)", dest, "tags", False,
                            {"optimize_seconds": round(seconds, 1)}))
        targets += [(f"--index-dir {d}", d, "source", False, None)
                    for d in args.index_dir if not args.suggest_cost]
        for name, index_dir, first_facet, with_cold, built in targets:
            cases = cases_for(first_facet)
            whoosh_dir = whoosh_dir_of(index_dir)
            db = work / f"fts-{len(report['indexes'])}.sqlite"
            t = time.perf_counter()
            n = fts.build_fts(db, index_dir)
            fts_build = time.perf_counter() - t
            print(f"{name}: FTS5 built over {n} articles in {fts_build:.0f} s; measuring warm ...",
                  file=sys.stderr)
            warm = measure_warm(index_dir, whoosh_dir, db, cases, args.reps, args.baseline_reps)
            cold = None
            if with_cold:
                print(f"{name}: measuring cold processes ...", file=sys.stderr)
                cold = measure_cold(index_dir, whoosh_dir, db, work, args.cold_runs)
            docs, segments = doc_count(index_dir), segment_count(index_dir)
            entry = {"name": name, "index_dir": str(index_dir), "articles": docs,
                     "segments": segments, "build": built,
                     "fts5_build_seconds": round(fts_build, 1), "cases": [asdict(c) for c in cases],
                     **warm, "cold": cold, "missed": check_targets(warm["types"], cold)}
            report["indexes"].append(entry)
            print(format_target(name, docs, segments, warm, cold), file=out_text)
            if entry["missed"]:
                print("Targets missed: " + "; ".join(entry["missed"]), file=out_text)
            else:
                print("All targets met.", file=out_text)
        for kind in args.profile:
            print(profile_kind(targets[0][1], cases_for("tags"), kind, reps=5), file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report["machine"]["loadavg_end"] = os.getloadavg()
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(f"\nload average (1/5/15 min) at start {', '.join(f'{x:.1f}' for x in load_start)}, "
          f"at end {', '.join(f'{x:.1f}' for x in report['machine']['loadavg_end'])} on "
          f"{os.cpu_count()} CPUs; run took {report['seconds']:.0f} s", file=out_text)
    if args.json:
        print(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
