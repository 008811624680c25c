"""The search service's throughput and latency against the Python API in-process.

Reproduce (Reuters-21578; ~1 min with --reuse, +~75 s to build the index):

    python bench/bench_serve.py --corpora ../shared/corpora --reuse REUTERS_INDEX_DIR
        [--clients 8] [--requests 1600] [--workers 2]

What one run measures, in this order, on the same index and the same queries:

- in-process: `NewsIndex.search(q)` (the API's defaults, as /api/search calls it)
  from `--clients` threads sharing one open NewsIndex (the way a Python program
  would serve many users; the API serialises calls on one lock);
- HTTP: `GET /api/search?q=...` from `--clients` threads (and from 1, against the
  in-process single thread: what a request costs on top of the search itself), each with its own
  keep-alive connection, against `news-search serve --workers N` started here
  (a subprocess): parsing, a search process round trip, JSON, the access log;
- pool: one search process driven directly (no HTTP): an empty round trip, and a
  search returned as JSON bytes against the same search in-process, interleaved;
- page: `GET /?q=...` (the search page with facets, histogram and did-you-mean),
  server time from the `Server-Timing` header: the first render of each query
  (cold: its postings not read yet by that search process) and warm renders.

Each side (each search process) gets WARM_PASSES warm-up passes over the queries first. Requests/s is completed
requests over the wall time of the measured pass; latency is per request as the
client sees it. The clients run on the same 2 cores as the server, so the HTTP
figures include the cost of generating the load.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

QUERIES = [
    "oil prices", "grain", "wheat exports", "interest rates", '"trade deficit"', "bank",
    "dividend", "crude oil", "opec production", "coffee", "sugar", "gold", "yen dollar",
    "merger", "acquisition", "shareholders", '"federal reserve"', "inflation", "japan trade",
    "soybeans", "money supply", "net loss", "earnings per share", "tender offer",
    "bundesbank", "brazil debt", "copper", "natural gas", "strike", "treasury bills",
    "corn OR wheat", "oil -gas", "ship*", "petroleum~", "gulf iran", "profit",
]


WARM_PASSES = 3  # the engine's caches fill over a few passes (p50 11 ms after one, 2.5 after many)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_clients(clients: int, jobs: list[str], call) -> tuple[float, list[float]]:
    """Run every job through `call` from `clients` threads; (wall seconds, latencies ms)."""
    latencies: list[float] = []
    lock = threading.Lock()
    local = threading.local()

    def one(job: str) -> None:
        start = time.perf_counter()
        call(job, local)
        took = (time.perf_counter() - start) * 1000
        with lock:
            latencies.append(took)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, jobs))
    return time.perf_counter() - start, latencies


def summary(name: str, wall: float, lat: list[float]) -> dict:
    return {"side": name, "requests": len(lat), "rps": len(lat) / wall,
            "p50_ms": statistics.median(lat), "p95_ms": percentile(lat, 0.95)}


def pool_round_trips(ix, queries: list[str]) -> list[dict]:
    """What a search process costs by itself: an empty round trip (`ping`), and a
    search answered as JSON bytes through one process of the pool (pool.py) against
    the same search in-process, the two interleaved query by query so that load from
    other processes hurts both alike."""
    import asyncio
    import json as _json

    from search.service.pool import SearchPool

    async def measure() -> list[dict]:
        pool = SearchPool(str(ix.index_dir), size=1, query_timeout=60)
        await pool.start()
        try:
            ping = []
            for _ in range(500):
                start = time.perf_counter()
                await pool.call("ping")
                ping.append((time.perf_counter() - start) * 1000)
            for q in queries * WARM_PASSES:
                await pool.call("search_json", query=q)
            via_pool, direct = [], []
            for q in queries * 3:
                start = time.perf_counter()
                await pool.call("search_json", query=q)
                via_pool.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                _json.dumps(ix.search(q).to_dict(), ensure_ascii=False)
                direct.append((time.perf_counter() - start) * 1000)
            return [summary("pool round trip, empty (ping)", sum(ping) / 1000, ping),
                    summary("search + JSON in a search process (pool)", sum(via_pool) / 1000,
                            via_pool),
                    summary("search + JSON in-process (interleaved with the above)",
                            sum(direct) / 1000, direct)]
        finally:
            await pool.close()

    return asyncio.run(measure())


def start_server(index: Path, workers: int, log: Path) -> tuple[subprocess.Popen, int]:
    err = open(log, "wb")
    proc = subprocess.Popen([sys.executable, "-m", "search.cli", "serve", "--index-dir", str(index),
                             "--port", "0", "--workers", str(workers)], cwd=PROJECT,
                            stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = log.read_text()
        found = re.search(r"news-search: serving .* at http://127\.0\.0\.1:(\d+)/", text)
        if found and "Application startup complete." in text:
            return proc, int(found.group(1))
        if proc.poll() is not None:
            sys.exit(f"serve exited {proc.returncode}: {log.read_text()}")
        time.sleep(0.1)
    proc.kill()
    sys.exit("serve did not start")


def http_get(port: int, local: threading.local, path: str) -> http.client.HTTPResponse:
    if not hasattr(local, "conn"):
        local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    local.conn.request("GET", path)
    res = local.conn.getresponse()
    res.body = res.read()
    if res.status != 200:
        raise RuntimeError(f"{path}: {res.status} {res.body[:200]!r}")
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path, default=os.environ.get("NEWS_SEARCH_CORPORA"))
    ap.add_argument("--reuse", type=Path, metavar="DIR",
                    help="index folder: used if it holds an index, else Reuters is indexed into it")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=1600, help="measured requests per side")
    ap.add_argument("--workers", type=int, default=2, help="search processes of the server")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    index = args.reuse or tmp / "index"
    if not (index / "news-search.json").exists():
        if not args.corpora:
            sys.exit("give --corpora (or NEWS_SEARCH_CORPORA) to build the Reuters index")
        archive = Path(args.corpora) / "reuters21578" / "reuters21578.tar.gz"
        print(f"indexing {archive} into {index} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "search.cli", "index", str(archive),
                        "--index-dir", str(index), "-q"], check=True, cwd=PROJECT)
    jobs = [QUERIES[i % len(QUERIES)] for i in range(args.requests)]
    results = []
    try:
        from search.api import NewsIndex

        with NewsIndex.open(index) as ix:
            for q in QUERIES * WARM_PASSES:  # warm-up
                ix.search(q)
            wall, lat = run_clients(args.clients, jobs, lambda q, _l: ix.search(q))
            results.append(summary(f"in-process API, {args.clients} threads", wall, lat))
            _, one = run_clients(1, QUERIES * 3, lambda q, _l: ix.search(q))
            results.append(summary("in-process API, 1 thread", sum(one) / 1000, one))
            results += pool_round_trips(ix, QUERIES)

        proc, port = start_server(index, args.workers, tmp / "serve.log")
        try:
            def api(q: str, local: threading.local) -> None:
                http_get(port, local, "/api/search?" + urllib.parse.urlencode({"q": q}))

            page_ms: dict[str, list[float]] = {"first": [], "warm": []}

            def page(q: str, local: threading.local, kind: str) -> None:
                res = http_get(port, local, "/?" + urllib.parse.urlencode({"q": q}))
                timing = res.getheader("server-timing", "app;dur=0")
                page_ms[kind].append(float(timing.split("dur=")[1]))

            # first renders (each query's first page, before any API traffic warmed it)
            run_clients(1, QUERIES, lambda q, l: page(q, l, "first"))
            # warm-up: about WARM_PASSES passes for each search process
            run_clients(args.clients, QUERIES * WARM_PASSES * args.workers, api)
            wall, lat = run_clients(args.clients, jobs, api)
            results.append(summary(f"HTTP /api/search, {args.clients} clients, "
                                   f"{args.workers} search processes", wall, lat))
            _, one = run_clients(1, QUERIES * 3, api)
            results.append(summary("HTTP /api/search, 1 client", sum(one) / 1000, one))
            run_clients(1, QUERIES * 3, lambda q, l: page(q, l, "warm"))
        finally:
            proc.terminate()
            proc.wait(30)
    finally:
        if not args.reuse:
            shutil.rmtree(tmp, ignore_errors=True)

    http8 = next(r for r in results if r["side"].startswith(f"HTTP /api/search, {args.clients}"))
    ratio = http8["rps"] / results[0]["rps"]
    pages = {k: {"p50_ms": statistics.median(v), "p95_ms": percentile(v, 0.95), "max_ms": max(v)}
             for k, v in page_ms.items()}
    if args.json:
        print(json.dumps({"results": results, "http_vs_inprocess_rps": ratio,
                          "page_server_ms": pages, "load": os.getloadavg()}, indent=2))
        return
    print(f"{'':58} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for r in results:
        print(f"{r['side']:58} {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f}")
    print(f"HTTP / in-process (8 threads) requests/s: {ratio:.2f}x")
    for kind, p in pages.items():
        print(f"search page server time, {kind} render: p50 {p['p50_ms']:.1f} ms, "
              f"p95 {p['p95_ms']:.1f} ms, max {p['max_ms']:.1f} ms")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
