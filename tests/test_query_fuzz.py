"""Query fuzz test (issue 18's done-when): 2,400 seeded hostile queries through the API and
300 through the CLI, over a Reuters-21578 index built by the product's indexer.

What must hold for every query: the API returns results or raises a documented
NewsSearchError subclass (nothing else, no traceback); the CLI exits 0, 1 or 2, and on
2 prints exactly one line "news-search: error: ..." that is not the last-resort
"unexpected ..." of a bug. Times are recorded and the worst is printed (-s shows it);
speed is asserted nowhere here: bench/bench_query_fuzz.py reports the worst and p95.
"""
from __future__ import annotations

import random
import time

import pytest
from click.testing import CliRunner
from conftest import corpus_file
from hostile_queries import hostile_options, hostile_queries

from search.api import NewsIndex
from search.errors import NewsSearchError

pytestmark = [pytest.mark.corpus("reuters"), pytest.mark.slow]

API_QUERIES = 2400
CLI_QUERIES = 300
SEED = 18


@pytest.fixture(scope="module")
def reuters(tmp_path_factory):
    from search.indexing import index_paths

    index_dir = tmp_path_factory.mktemp("fuzz") / "index"
    index_paths(index_dir, [corpus_file("reuters")])
    return index_dir


def _short(query: str) -> str:
    return query if len(query) <= 120 else f"{query[:100]}... ({len(query):,} chars)"


def test_api_raises_only_documented_errors(reuters):
    rng = random.Random(SEED)
    problems, timings, kinds = [], [], {"ok": 0, "refused": 0}
    with NewsIndex.open(reuters) as ix:
        for strategy, query in hostile_queries(SEED, API_QUERIES):
            opts = hostile_options(rng)
            started = time.perf_counter()
            try:
                res = ix.search(query, **opts)
                assert res.total >= 0 and len(res.hits) <= res.limit
                kinds["ok"] += 1
            except NewsSearchError as exc:
                kinds["refused"] += 1
                if "\n" in str(exc):
                    problems.append((strategy, _short(query), f"multi-line error: {exc!r}"))
            except Exception as exc:  # noqa: BLE001 - this is what the test looks for
                problems.append((strategy, _short(query), f"{type(exc).__name__}: {exc}"))
            timings.append((time.perf_counter() - started, strategy, _short(query)))
    worst = max(timings)
    print(f"\n{API_QUERIES} API queries: {kinds['ok']} answered, {kinds['refused']} refused; "
          f"worst {worst[0]:.3f} s ({worst[1]}: {worst[2]!r})")
    assert not problems, problems[:10]
    assert kinds["ok"] > API_QUERIES // 6 and kinds["refused"] > API_QUERIES // 6  # both paths


def test_cli_exits_0_1_or_2_with_one_line_errors(reuters):
    from search.cli import main

    runner = CliRunner()
    problems, timings, codes = [], [], {0: 0, 1: 0, 2: 0}
    queries = list(hostile_queries(SEED + 1, CLI_QUERIES))
    for strategy, query in queries:
        args = ["query", "--index-dir", str(reuters), "--limit", "3", "--", query]
        started = time.perf_counter()
        result = runner.invoke(main, args, env={"NO_COLOR": "1"})
        timings.append((time.perf_counter() - started, strategy, _short(query)))
        code, err = result.exit_code, result.stderr
        codes[code] = codes.get(code, 0) + 1
        where = (strategy, _short(query))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            problems.append((*where, f"exception {type(result.exception).__name__}: {result.exception}"))
        elif code not in (0, 1, 2):
            problems.append((*where, f"exit {code}: {err[-300:]}"))
        elif "Traceback" in err + result.stdout:
            problems.append((*where, "traceback"))
        elif code == 2 and (err.count("\n") != 1 or not err.startswith("news-search: error: ")):
            problems.append((*where, f"not one error line: {err[:300]!r}"))
        elif code == 2 and "this is a bug" in err:
            problems.append((*where, f"undocumented exception: {err.strip()}"))
    worst = max(timings)
    print(f"\n{CLI_QUERIES} CLI queries: exit codes {codes}; worst {worst[0]:.3f} s "
          f"({worst[1]}: {worst[2]!r})")
    assert not problems, problems[:10]
    assert codes[0] and codes[1] and codes[2]
