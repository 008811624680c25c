"""What "did you mean" costs per query, the suggester of issue 11 against the one before it.

Used by `bench_query.py --suggest-cost`. For every benchmark query, plus two kinds
where a suggester has work to do ("few hits": `"phrase" AND term` with 0-2 matches,
where the old suggester always ran; "misspelt": a word the index does not know),
interleaved in each round:
- none: `NewsIndex.search(..., suggest=False)`;
- new:  `NewsIndex.search(...)` (query/suggest.py: only unknown words, rapidfuzz);
- old:  the search with suggest=False, then the suggester this project had before
  (below, unchanged but for its imports and the shared `splice` of replacements:
  Whoosh's ReaderCorrector on every word of a query with fewer than 3 hits), as the API
  called it.
The cost of a suggester is its CPU-time p50 minus none's, as a share of none's
(CPU time of this thread: other processes' load inflates wall time, not this).
"""
from __future__ import annotations

import math
import statistics
import sys
import time
from typing import Any

FEW_HITS_QUERIES = ['"net profit" AND coffee', '"money supply" AND coffee', '"net loss" AND cocoa',
                    '"money supply" AND wheat', '"interest rates" AND cocoa']
MISSPELT_QUERIES = ["whaet", "sanctoins AND japan", "exprots", "treasurey bills", "oil OR dollr"]


# -- the suggester before issue 11 (git 65f5770 search/query/suggest.py), the baseline

OLD_TEXT_FIELDS = ("body", "headline")
OLD_FEW_HITS = 3
OLD_MORE_COMMON = 10


def _old_index_term(word: str) -> str | None:
    from search.query.parser import analyze

    terms = analyze("body", word)
    return terms[0][1] if len(terms) == 1 else None


def _old_frequency(reader: Any, term: str | None) -> int:
    return 0 if term is None else max(reader.doc_frequency(f, term) for f in OLD_TEXT_FIELDS)


def _old_known(reader: Any, term: str | None) -> bool:
    return term is not None and any((f, term) in reader for f in OLD_TEXT_FIELDS)


def old_suggest_query(text: str, words: list, reader: Any, total: int) -> str | None:
    from whoosh.spelling import ReaderCorrector

    from search.query.suggest import splice
    from search.query.variants import fold

    fields = [f for f in OLD_TEXT_FIELDS if f in reader.schema]
    if not fields or not words:
        return None
    replacements = []
    for word in words:
        w = fold(word.text)
        if not w.isalpha() or len(w) < 3:
            continue
        term = _old_index_term(w)
        if total >= OLD_FEW_HITS and _old_known(reader, term):
            continue
        freq = _old_frequency(reader, term)
        needed = 1 if freq == 0 else freq * OLD_MORE_COMMON
        best, best_freq = None, 0
        for f in fields:
            corrector = ReaderCorrector(reader, f, reader.schema[f])
            for candidate in corrector.suggest(w, limit=3, maxdist=2, prefix=1):
                cand_freq = _old_frequency(reader, _old_index_term(candidate))
                if candidate != w and cand_freq >= needed and cand_freq > best_freq:
                    best, best_freq = candidate, cand_freq
        if best:
            replacements.append((word, best))
    return splice(text, replacements)


def _old_words(ix: Any, query: str) -> list:
    """The words the old parser listed: plain words only (it never looked inside phrases)."""
    from search.query.lexer import tokenize

    phrases = [(t.pos, t.end) for t in tokenize(query) if t.kind == "PHRASE"]
    return [w for w in ix.parse(query).words if not any(a <= w.start < b for a, b in phrases)]


def run_old(ix: Any, case: Any) -> str | None:
    res = ix.search(case.query, facets=case.facets, sort=case.sort, page=case.page, limit=10,
                    suggest=False)
    words = _old_words(ix, case.query)
    with ix._lock:  # noqa: SLF001 - the bench reaches the snapshot as the API does
        searcher, _cache = ix._current()  # noqa: SLF001
        return old_suggest_query(case.query, words, searcher.reader(), res.total)


def run_new(ix: Any, case: Any, suggest: bool = True) -> str | None:
    return ix.search(case.query, facets=case.facets, sort=case.sort, page=case.page, limit=10,
                     suggest=suggest).suggestion


def _p95(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, math.ceil(0.95 * len(values)) - 1)]


def _alone(ix: Any, cases: list[Any], reps: int) -> dict[tuple[str, str], list[float]]:
    """Each suggester called by itself on each query's parsed words, CPU ms per call: the
    difference of two noisy medians above cannot resolve a few microseconds."""
    from search.query.suggest import suggest_query

    out: dict[tuple[str, str], list[float]] = {}
    for case in cases:
        total = ix.search(case.query, suggest=False).total
        words, old_words = ix.parse(case.query).words, _old_words(ix, case.query)
        with ix._lock:  # noqa: SLF001
            searcher, _cache = ix._current()  # noqa: SLF001
            reader, vocabulary = searcher.reader(), ix._words_of(searcher)  # noqa: SLF001
            calls = (("new", lambda: suggest_query(case.query, words, reader, vocabulary)),
                     ("old", lambda: old_suggest_query(case.query, old_words, reader, total)))
            for name, fn in calls:
                for _ in range(reps):
                    c = time.thread_time()
                    fn()
                    out.setdefault((case.kind, name), []).append((time.thread_time() - c) * 1000)
    return out


def measure(index_dir: Any, cases: list[Any], reps: int) -> dict[str, Any]:
    """Per kind: p50/p95 ms of none/new/old, and what each suggester said per query."""
    from search.api import NewsIndex

    samples: dict[tuple[str, str], list[float]] = {}
    said: dict[str, dict[str, Any]] = {}
    with NewsIndex.open(index_dir) as ix:
        for case in cases:  # warm-up, and what each suggests
            said[f"{case.query} [{case.kind}]"] = {"new": run_new(ix, case), "old": run_old(ix, case)}
        for rnd in range(reps):
            for case in cases:
                runs = [("none", lambda: run_new(ix, case, suggest=False)),
                        ("new", lambda: run_new(ix, case)), ("old", lambda: run_old(ix, case))]
                for name, fn in runs[rnd % 3:] + runs[:rnd % 3]:  # each goes first in turn
                    c, t = time.thread_time(), time.perf_counter()
                    fn()
                    samples.setdefault((case.kind, name), []).append((time.perf_counter() - t) * 1000)
                    samples.setdefault((case.kind, name + "_cpu"), []).append(
                        (time.thread_time() - c) * 1000)
            print(f"  suggestion cost: round {rnd + 1}/{reps}", file=sys.stderr, end="\r")
        print(file=sys.stderr)
        alone = _alone(ix, cases, reps)
    kinds = list(dict.fromkeys(c.kind for c in cases))
    rows = []
    for kind in kinds:
        row: dict[str, Any] = {"type": kind}
        for name in ("none", "new", "old"):
            row[f"{name}_p50_ms"] = statistics.median(samples[(kind, name)])
            row[f"{name}_p95_ms"] = _p95(samples[(kind, name)])
            row[f"{name}_cpu_p50_ms"] = statistics.median(samples[(kind, name + "_cpu")])
        base = row["none_cpu_p50_ms"]  # CPU time: what other processes' load cannot inflate
        row["new_cost"] = (row["new_cpu_p50_ms"] - base) / base
        row["old_cost"] = (row["old_cpu_p50_ms"] - base) / base
        for name in ("new", "old"):
            row[f"{name}_alone_ms"] = statistics.median(alone[(kind, name)])
            row[f"{name}_alone_share"] = row[f"{name}_alone_ms"] / base
        rows.append(row)
    return {"types": rows, "suggestions": said}


def format_rows(result: dict[str, Any]) -> str:
    head = (f"{'type':<12} {'none p50':>8} {'p95':>6} {'cpu':>6} {'new p50':>8} {'p95':>6} "
            f"{'cpu':>6} {'cost':>6} {'old p50':>8} {'p95':>7} {'cpu':>7} {'cost':>7} "
            f"{'new alone':>10} {'old alone':>10}")
    lines = ["Did-you-mean cost per query type, ms (none = suggest=False; new = query/suggest.py; "
             "old = the suggester before issue 11;\ncost = extra CPU p50 over none's, this "
             "thread's CPU time, which other processes' load cannot inflate;\nalone = CPU ms of "
             "the suggester called by itself (median), and that as a share of none's CPU p50)", head,
             "-" * len(head)]
    for r in result["types"]:
        lines.append(f"{r['type']:<12} {r['none_p50_ms']:8.2f} {r['none_p95_ms']:6.2f} "
                     f"{r['none_cpu_p50_ms']:6.2f} {r['new_p50_ms']:8.2f} {r['new_p95_ms']:6.2f} "
                     f"{r['new_cpu_p50_ms']:6.2f} {100 * r['new_cost']:5.0f}% "
                     f"{r['old_p50_ms']:8.2f} {r['old_p95_ms']:7.2f} {r['old_cpu_p50_ms']:7.2f} "
                     f"{100 * r['old_cost']:6.0f}% {r['new_alone_ms']:6.3f} {100 * r['new_alone_share']:2.0f}% "
                     f"{r['old_alone_ms']:6.3f} {100 * r['old_alone_share']:2.0f}%")
    lines.append("What each suggested where either did:")
    for query, s in result["suggestions"].items():
        if s["new"] or s["old"]:
            lines.append(f"  {query}: new {s['new']!r}, old {s['old']!r}")
    return "\n".join(lines)
