"""Indexing benchmark: our indexer vs a plain Whoosh baseline and SQLite FTS5, same run.

    NEWS_SEARCH_CORPORA=../shared/corpora python bench/bench_index.py \\
        --corpora bbc,reuters,saudinewsnet --scale 10000,50000 [--fsync-cost] [--work DIR]

For each article set, each contender runs in a fresh process (so peak RSS is its
own: the sum over the process and its children, sampled every 0.1 s):
- ours:      `search.indexing.index_paths` on the corpus as shipped (parsing
             included), default settings; then a no-change `reindex`;
- baseline:  `read_corpus` + one Whoosh writer with Whoosh's default field
             settings, `add_document` per article, one commit;
- fts5:      `read_corpus` + SQLite FTS5 (stdlib), one transaction.
Ratios are against the baseline and FTS5 measured in the same run.
Raw text = UTF-8 bytes of headline + body of the articles indexed.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index_corpora import CORPORA, SCALE_SOURCES, articles_of, build_scale_corpus, corpus_path  # noqa: E402


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# -- contenders (run in a child process) ---------------------------------------------------

def run_ours(src: list[str], work: Path, durable: bool) -> dict:
    from search.indexing import WriteSettings, index_paths, reindex
    from search.indexing.store import current_generation

    ix = work / "ours"
    shutil.rmtree(ix, ignore_errors=True)
    t = time.perf_counter()
    run = index_paths(ix, src, settings=WriteSettings(durable=durable))
    build = time.perf_counter() - t
    t = time.perf_counter()
    again = reindex(ix)
    noop = time.perf_counter() - t
    assert again.added == again.updated == again.deleted == 0, again
    gen = ix / current_generation(ix)
    size = _dir_size(gen) + sum(p.stat().st_size for p in ix.glob(f"{gen.name}.manifest*"))
    return {"articles": run.added, "seconds": build, "noop_reindex_seconds": noop,
            "index_bytes": size}


def plain_schema():
    from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema

    return Schema(id=ID(stored=True, unique=True), headline=TEXT(stored=True),
                  body=TEXT(stored=True), source=KEYWORD(stored=True),
                  section=KEYWORD(stored=True), tags=KEYWORD(stored=True, commas=True),
                  language=KEYWORD(stored=True), published=DATETIME(stored=True),
                  url=ID(stored=True), author=TEXT(stored=True), path=ID(stored=True),
                  content_hash=ID(stored=True))


def run_baseline(src: list[str], work: Path) -> dict:
    from datetime import timezone

    from whoosh import index

    ix = work / "baseline"
    shutil.rmtree(ix, ignore_errors=True)
    ix.mkdir(parents=True)
    t = time.perf_counter()
    arts = articles_of([Path(s) for s in src])
    parse = time.perf_counter() - t
    w = index.create_in(str(ix), plain_schema()).writer()
    for a in arts:
        doc = {"id": a.id, "headline": a.headline, "body": a.body, "source": a.source,
               "section": a.section, "tags": ",".join(a.tags) or None, "language": a.language,
               "published": a.published.astimezone(timezone.utc).replace(tzinfo=None)
               if a.published else None, "url": a.url, "author": a.author, "path": a.path,
               "content_hash": a.content_hash}
        w.add_document(**{k: v for k, v in doc.items() if v})
    w.commit()
    total = time.perf_counter() - t
    raw = sum(len(a.headline.encode()) + len(a.body.encode()) for a in arts)
    return {"articles": len(arts), "seconds": total, "parse_seconds": parse,
            "index_bytes": _dir_size(ix), "raw_bytes": raw}


def run_fts5(src: list[str], work: Path) -> dict:
    db = work / "fts5.sqlite"
    if db.exists():
        db.unlink()
    t = time.perf_counter()
    arts = articles_of([Path(s) for s in src])
    con = sqlite3.connect(db)
    con.execute("CREATE VIRTUAL TABLE a USING fts5(id UNINDEXED, headline, body, source, "
                "tokenize='porter unicode61 remove_diacritics 2')")
    with con:
        con.executemany("INSERT INTO a VALUES (?,?,?,?)",
                        ((x.id, x.headline, x.body, x.source or "") for x in arts))
    con.close()
    return {"articles": len(arts), "seconds": time.perf_counter() - t, "index_bytes": db.stat().st_size}


# -- parent: run each contender in a child, sampling the tree's RSS ------------------------------

def _tree_rss(pid: int) -> int:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [pid]
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, ValueError):
            pass
        stack.extend(children.get(p, []))
    return total


def measure(contender: str, src: list[str], work: Path, durable: bool = True) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, __file__, "--child", contender, "--work", str(work),
           "--src", json.dumps(src), "--durable", "1" if durable else "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, _ = proc.communicate()
    stop.set()
    thread.join()
    if proc.returncode != 0:
        raise SystemExit(f"{contender} failed (exit {proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_bytes"] = peak
    return result


def bench_set(name: str, src: list[str], work: Path, fsync_cost: bool) -> dict:
    print(f"# {name}: baseline...", file=sys.stderr, flush=True)
    base = measure("baseline", src, work)
    print(f"# {name}: fts5...", file=sys.stderr, flush=True)
    fts = measure("fts5", src, work)
    print(f"# {name}: ours...", file=sys.stderr, flush=True)
    ours = measure("ours", src, work)
    row = {"set": name, "ours": ours, "baseline": base, "fts5": fts}
    if fsync_cost:
        print(f"# {name}: ours without fsync...", file=sys.stderr, flush=True)
        row["ours_no_fsync"] = measure("ours", src, work, durable=False)
    return row


def _fmt_row(r: dict) -> str:
    o, b, f = r["ours"], r["baseline"], r["fts5"]
    raw = b["raw_bytes"]
    ours_rate, base_rate, fts_rate = o["articles"] / o["seconds"], b["articles"] / b["seconds"], \
        f["articles"] / f["seconds"]
    cells = [r["set"], f"{o['articles']:,}", f"{ours_rate:,.0f}", f"{raw / 1e6 / o['seconds']:.2f}",
             f"{base_rate:,.0f}", f"**{ours_rate / base_rate:.2f}x**", f"{fts_rate:,.0f}",
             f"{ours_rate / fts_rate:.3f}x", f"{o['peak_rss_bytes'] / 2**20:,.0f}",
             f"{b['peak_rss_bytes'] / 2**20:,.0f}", f"{o['index_bytes'] / raw:.2f}x",
             f"{b['index_bytes'] / raw:.2f}x",
             f"{(b['cpu_seconds'] / b['articles']) / (o['cpu_seconds'] / o['articles']):.2f}x",
             f"{o['noop_reindex_seconds']:.2f}s "
             f"({100 * o['noop_reindex_seconds'] / o['seconds']:.2f}%)"]
    if "ours_no_fsync" in r:
        n = r["ours_no_fsync"]
        cells.append(f"{100 * (o['seconds'] - n['seconds']) / n['seconds']:+.1f}%")
    else:
        cells.append("-")
    return "| " + " | ".join(cells) + " |"


HEADER = ("| set | articles | ours art/s | ours MB/s | baseline art/s | ours/baseline | FTS5 art/s "
          "| ours/FTS5 | ours peak RSS MB | baseline peak RSS MB | ours size/raw | baseline size/raw "
          "| baseline CPU/ours CPU per article | no-change reindex | fsync cost |\n|" + "---|" * 15)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", default="bbc,reuters,saudinewsnet",
                    help="comma-separated: " + ",".join(CORPORA) + " (empty: none)")
    ap.add_argument("--scale", default="10000,50000", help="article counts, e.g. 10000,50000,200000")
    ap.add_argument("--work", default=os.environ.get("NEWS_SEARCH_BENCH_WORK") or os.path.join(
        tempfile.gettempdir(), "news-search-bench-index"),
                    help="where the article sets and indexes are built (env NEWS_SEARCH_BENCH_WORK; "
                         "default: news-search-bench-index in the temporary folder)")
    ap.add_argument("--fsync-cost", action="store_true", help="also build without fsync")
    ap.add_argument("--json", dest="json_out", help="write all results to this file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--src", help=argparse.SUPPRESS)
    ap.add_argument("--durable", default="1", help=argparse.SUPPRESS)
    args = ap.parse_args()
    work = Path(args.work)

    if args.child:
        src = json.loads(args.src)
        fn = {"ours": lambda: run_ours(src, work, args.durable == "1"),
              "baseline": lambda: run_baseline(src, work),
              "fts5": lambda: run_fts5(src, work)}[args.child]
        result = fn()
        t = os.times()
        result["cpu_seconds"] = t.user + t.system + t.children_user + t.children_system
        print(json.dumps(result))
        return

    rows = []
    for name in [c for c in args.corpora.split(",") if c]:
        rows.append(bench_set(name, [str(corpus_path(name))], work / name, args.fsync_cost))
        print(_fmt_row(rows[-1]), file=sys.stderr)
    sizes = [int(s) for s in args.scale.split(",") if s]
    if sizes:
        print("# building the scale base set...", file=sys.stderr, flush=True)
        base = articles_of([corpus_path(n) for n in SCALE_SOURCES])
        for n in sizes:
            folder = build_scale_corpus(n, work / "scale-corpora", base)
            rows.append(bench_set(f"scale {n:,}", [str(folder)], work / f"scale-{n}", args.fsync_cost))
            print(_fmt_row(rows[-1]), file=sys.stderr)
    print(f"machine: {os.cpu_count()} cores; load average (other processes count) at end: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(HEADER)
    for r in rows:
        print(_fmt_row(r))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
