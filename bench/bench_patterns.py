"""Wildcards, prefixes and fuzzy words: Whoosh's matchers (before) against the engine's
expansion (after, search/engine/expand.py), CPU time per query, in one run.

Reproduce (~1 min on 2 cores with a built index, +~1 min to build Reuters):

    python bench/bench_patterns.py [--corpora ../shared/corpora] [--reuse DIR] [--reps 5]

- before: the query evaluated as the engine did until the expansion moved into it: every
  pattern node run through Whoosh's own matchers segment by segment (`_by_whoosh`),
  everything else as now. Whoosh keeps nothing between queries.
- after, cold: the engine now, its postings cache dropped before each query (the first
  query of a word in a process).
- after, warm: the same query again (a long-lived process: `serve`, the shard actors).
- search: `NewsIndex.search` (snippets off, facets none), warm, the whole API call.
Per kind: the median over its queries x reps of CPU time (time.process_time), and the
number of matches (the same before and after: the match sets are Whoosh's).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
REUTERS = "reuters21578/reuters21578.tar.gz"
KINDS = {
    "prefix": ["oil*", "export*", "bank*", "com*", "headline:oil*"],
    "wildcard": ["gra?n", "sh?res", "int*nal", "headline:gra?n", "c?ffee"],
    "fuzzy": ["grain~", "dollr~", "japn~2", "headline:grain~", "bundesbnk~2"],
    "pattern+bool": ["oil* AND prices", "export* OR grain~", "wheat -gra?n", "coffe~ AND brazil"],
}


def _old_engine(searcher):
    from search.engine.evaluate import QueryEngine

    class WhooshPatterns(QueryEngine):
        """The engine as it was: pattern nodes through Whoosh's matchers."""

        def _expansion(self, q, scored):
            return self._by_whoosh(q, scored)

    return WhooshPatterns(searcher)


def _cpu(fn) -> float:
    start = time.process_time()
    fn()
    return (time.process_time() - start) * 1000


def measure(index_dir: Path, reps: int) -> dict[str, dict[str, float]]:
    from search.api import NewsIndex

    out: dict[str, dict[str, float]] = {}
    with NewsIndex.open(index_dir) as ix:
        for kind, queries in KINDS.items():
            times: dict[str, list[float]] = {"before": [], "after cold": [], "after warm": [],
                                             "search": []}
            matches = 0
            for q in queries:
                parsed = ix.parse(q, match="all").query
                for _ in range(reps):
                    def run(engine, parsed=parsed):
                        old = _old_engine(engine.searcher)
                        times["before"].append(_cpu(lambda: old.evaluate(parsed)))
                        engine.forget()
                        times["after cold"].append(_cpu(lambda: engine.evaluate(parsed)))
                        times["after warm"].append(_cpu(lambda: engine.evaluate(parsed)))
                        return len(old.evaluate(parsed, scored=False).docs), \
                            len(engine.evaluate(parsed, scored=False).docs)
                    before, after = ix.with_engine(run)
                    assert before == after, (q, before, after)
                    times["search"].append(_cpu(lambda q=q: ix.search(q, match="all", snippets=False)))
                matches += before
            out[kind] = {k: statistics.median(v) for k, v in times.items()}
            out[kind]["matches/query"] = matches / len(queries)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", type=Path, default=PROJECT.parent / "shared" / "corpora")
    ap.add_argument("--reuse", type=Path, metavar="DIR", help="a Reuters index (built there if absent)")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(PROJECT))
    from search.api import NewsIndex

    index_dir = args.reuse or Path("bench-patterns-reuters")
    if not (index_dir / "news-search.json").exists() and not any(index_dir.glob("*.toc")):
        with NewsIndex.open(index_dir, create=True) as ix:
            ix.index([args.corpora / REUTERS], alerts=False)
    results = measure(index_dir, args.reps)
    cols = ["before", "after cold", "after warm", "search", "matches/query"]
    print(f"{'kind':<14}" + "".join(f"{c:>14}" for c in cols) + "   (ms CPU, medians)")
    for kind, row in results.items():
        print(f"{kind:<14}" + "".join(f"{row[c]:>14.2f}" for c in cols))


if __name__ == "__main__":
    main()
