"""Ranking quality on the TIME test collection, against plain Whoosh, SQLite FTS5 and tantivy.

Reproduce (one run, ~1-2 minutes; needs the `bench` extra: pip install -e '.[bench]'):

    python bench/bench_relevance.py --corpora ../shared/corpora [--json] [--no-cli]

TIME (Glasgow IR test collection: 423 TIME magazine world-affairs articles of
1963, 83 questions, 324 binary judgments) has no headlines: each article is
written as one JSON Lines record with its body and date, and indexed through the
product's own path (`search.indexing.index_paths`), so ingestion infers each
headline from the body's opening words, as it would for such an archive.

Every system answers the same 83 questions:
- ours, through `NewsIndex.search` in each match mode (default "words", "any",
  "all"), up to 1,000 hits, and once through the `news-search query --json`
  command (default mode) to check that the CLI ranks as the API does;
- plain Whoosh 2.7.4 as its tutorial builds it: `Schema(body=TEXT(analyzer=
  StemmingAnalyzer()))` (without stemming it scored MAP 0.652), BM25F with its
  defaults, `QueryParser("body", group=OrGroup)` over the question's words;
- SQLite FTS5 (stdlib sqlite3, `porter unicode61`, the tokenizer of
  query_sqlite_fts.py): one `body` column, `bm25()`, an OR of the words;
- tantivy (PyPI `tantivy`): one `body` field with its `en_stem` tokenizer, the
  question's words through its query parser (OR by default).
The questions are lower-cased before anyone sees them (the collection's
capitals are a teletype artefact; in capitals "AND"/"OR" would be operators for
us, Whoosh and FTS5); the peers get the question's words (`\\w+`), since their
query syntaxes reject some of its punctuation. TIME is a development set: no rule
or word list here is derived from its questions.

Metrics (ranx): MAP, nDCG@10, P@10, R@100, each system's ranking given as
scores that keep its order exactly (ties as the system broke them); paired
randomization (Fisher) test p-values, 10,000 permutations, against plain Whoosh
and tantivy.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # query_sqlite_fts beside us

import query_sqlite_fts as fts  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
TIME_ARCHIVE = "time/time.tar.gz"
DEPTH = 1000          # hits per question (TIME has 423 articles: every match)
METRICS = ["map", "ndcg@10", "precision@10", "recall@100"]
PERMUTATIONS = 10_000
TARGET_MAP, TARGET_NDCG = 0.72, 0.78
MODES = tuple(os.environ.get("BENCH_MODES", "words,any,all").split(","))
_HEADER = re.compile(r"^\*TEXT\s+(\d+)\s+(\d\d)/(\d\d)[/ ]\s*(\d\d)")
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Collection:
    docs: list[tuple[str, str | None]]     # (body, ISO date or None), in TIME.ALL order
    queries: dict[str, str]                # qid -> question, lower-cased
    raw_queries: dict[str, str]            # qid -> question as in TIME.QUE
    qrels: dict[str, dict[str, int]]       # qid -> {doc key: 1}


def doc_key(position: int) -> str:
    """Our name for the document at 1-based `position` in TIME.ALL."""
    return f"d{position}"


def read_time(archive: Path) -> Collection:
    with tarfile.open(archive) as tar:
        def text(name: str) -> str:
            member = next(m for m in tar.getmembers() if m.name.endswith(name))
            return tar.extractfile(member).read().decode("ascii")
        all_text, que, rel = text("TIME.ALL"), text("TIME.QUE"), text("TIME.REL")
    docs: list[tuple[str, str | None]] = []
    for block in all_text.split("*TEXT")[1:]:
        header, _, body = ("*TEXT" + block).partition("\n")
        if header.startswith("*STOP"):
            break
        body = body.split("*STOP", 1)[0]
        m = _HEADER.match(header)
        date = f"19{m.group(4)}-{m.group(2)}-{m.group(3)}" if m else None
        docs.append((" ".join(body.split()), date))
    raw_queries: dict[str, str] = {}
    for block in que.split("*FIND")[1:]:
        qid, _, words = block.strip().partition("\n")
        words = words.split("*STOP", 1)[0]
        raw_queries[qid.strip()] = " ".join(words.split())
    qrels: dict[str, dict[str, int]] = {}
    for line in rel.splitlines():
        parts = line.split()
        if not parts:
            continue
        # TIME.REL counts positions in the original 425-article file, two of which are
        # missing from TIME.ALL between positions 371 and 377 (see the corpus README).
        qrels[parts[0]] = {doc_key(n if n <= 370 else n - 2): 1 for n in map(int, parts[1:])}
    assert len(docs) == 423 and len(raw_queries) == 83 and sum(map(len, qrels.values())) == 324
    return Collection(docs, {q: t.lower() for q, t in raw_queries.items()}, raw_queries, qrels)


def write_jsonl(coll: Collection, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "time.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for pos, (body, date) in enumerate(coll.docs, 1):
            record = {"body": body, "url": f"https://time.example/{doc_key(pos)}"}
            if date:
                record["published"] = date
            out.write(json.dumps(record) + "\n")
    return folder


def _key_of_url(url: str | None) -> str:
    return (url or "").rsplit("/", 1)[-1]


def as_run(ranked: list[str]) -> dict[str, float]:
    """Scores that keep a system's order exactly (ranx sorts by score)."""
    return {key: float(len(ranked) - i) for i, key in enumerate(ranked)}


# -- the systems

def ours(index_dir: Path, coll: Collection, mode: str, *, raw: bool = False) -> dict[str, list[str]]:
    from search.api import NewsIndex

    out = {}
    with NewsIndex.open(index_dir) as ix:
        for qid, q in (coll.raw_queries if raw else coll.queries).items():
            res = ix.search(q, match=mode, limit=DEPTH, snippets=False, suggest=False)
            out[qid] = [_key_of_url(h.url) for h in res.hits]
    return out


def ours_cli(index_dir: Path, coll: Collection) -> dict[str, list[str]]:
    out = {}
    env = dict(os.environ, PYTHONPATH=str(PROJECT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for qid, q in coll.queries.items():
        proc = subprocess.run([sys.executable, "-m", "search.cli", "query", q, "--index-dir",
                               str(index_dir), "--json", "--limit", str(DEPTH)],
                              capture_output=True, text=True, env=env, check=False)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"news-search query failed on q{qid}: {proc.stderr.strip()}")
        out[qid] = [_key_of_url(h["url"]) for h in json.loads(proc.stdout)["hits"]]
    return out


def plain_whoosh(coll: Collection, work: Path) -> dict[str, list[str]]:
    from whoosh import index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.qparser import OrGroup, QueryParser

    folder = work / "whoosh"
    folder.mkdir()
    ix = index.create_in(str(folder), Schema(key=ID(stored=True), body=TEXT(analyzer=StemmingAnalyzer())))
    writer = ix.writer()
    for pos, (body, _date) in enumerate(coll.docs, 1):
        writer.add_document(key=doc_key(pos), body=body)
    writer.commit()
    parser = QueryParser("body", ix.schema, group=OrGroup)
    out = {}
    with ix.searcher() as s:
        for qid, q in coll.queries.items():
            r = s.search(parser.parse(" ".join(_WORDS.findall(q))), limit=DEPTH)
            out[qid] = [hit["key"] for hit in r]
    return out


def sqlite_fts5(coll: Collection) -> dict[str, list[str]]:
    con = sqlite3.connect(":memory:")
    if not fts.has_fts5():
        raise SystemExit("this Python's sqlite3 has no FTS5")
    con.execute("CREATE VIRTUAL TABLE docs USING fts5(body, tokenize = 'porter unicode61')")
    con.executemany("INSERT INTO docs (rowid, body) VALUES (?, ?)",
                    [(pos, body) for pos, (body, _d) in enumerate(coll.docs, 1)])
    out = {}
    for qid, q in coll.queries.items():
        match = " OR ".join(f'"{w}"' for w in _WORDS.findall(q))
        rows = con.execute("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
                           (match, DEPTH)).fetchall()
        out[qid] = [doc_key(r[0]) for r in rows]
    return out


def tantivy_run(coll: Collection) -> dict[str, list[str]]:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", stored=True, tokenizer_name="raw")
    builder.add_text_field("body", stored=False, tokenizer_name="en_stem")
    schema = builder.build()
    ix = tantivy.Index(schema)
    writer = ix.writer()
    for pos, (body, _date) in enumerate(coll.docs, 1):
        writer.add_document(tantivy.Document(key=doc_key(pos), body=body))
    writer.commit()
    ix.reload()
    searcher = ix.searcher()
    out = {}
    for qid, q in coll.queries.items():
        query = ix.parse_query(" ".join(_WORDS.findall(q)), ["body"])
        hits = searcher.search(query, DEPTH).hits
        out[qid] = [searcher.doc(addr)["key"][0] for _score, addr in hits]
    return out


# -- measuring

def evaluate(coll: Collection, rankings: dict[str, dict[str, list[str]]], peers: list[str]) -> dict:
    import numpy as np
    from ranx import Qrels, Run
    from ranx import evaluate as ranx_evaluate
    from ranx.statistical_tests import fisher_randomization_test

    qrels = Qrels(coll.qrels)
    qids = sorted(coll.qrels)
    per_query: dict[str, dict[str, np.ndarray]] = {}
    table: dict[str, dict] = {}
    for name, ranking in rankings.items():
        # a question with no hits is an empty ranking (every metric 0 for it)
        run = Run({qid: as_run(ranking.get(qid, [])) or {"no-hit": 0.0} for qid in qids}, name=name)
        means = ranx_evaluate(qrels, run, METRICS, make_comparable=True)
        table[name] = {m: float(means[m]) for m in METRICS}
        table[name]["answered"] = sum(1 for qid in qids if ranking.get(qid))
        per_query[name] = {m: np.array([run.scores[m][q] for q in qids]) for m in ("map", "ndcg@10")}
    for name in rankings:
        if name in peers:
            continue
        for peer in peers:
            for m in ("map", "ndcg@10"):
                p, _significant = fisher_randomization_test(per_query[peer][m], per_query[name][m],
                                              n_permutations=PERMUTATIONS, random_seed=42)
                table[name][f"p_{m}_vs_{peer}"] = float(p)
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpora", type=Path, default=Path(os.environ.get("NEWS_SEARCH_CORPORA", "")))
    ap.add_argument("--work", type=Path, help="keep the index here (default: a temporary folder)")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI check (83 processes)")
    ap.add_argument("--json", action="store_true", help="the table as JSON on stdout")
    args = ap.parse_args()
    archive = args.corpora / TIME_ARCHIVE
    if not archive.is_file():
        raise SystemExit(f"no TIME archive at {archive}: pass --corpora DIR (the shared corpora)")
    coll = read_time(archive)
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-relevance-"))
    if work.exists() and args.work:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    from search.indexing import index_paths
    from search.ingest import IngestOptions

    index_dir = work / "index"
    t0 = time.perf_counter()
    index_paths(index_dir, [write_jsonl(coll, work / "articles")], ingest=IngestOptions())
    built = time.perf_counter() - t0

    rankings: dict[str, dict[str, list[str]]] = {}
    for mode in MODES:
        rankings[f"news-search {mode}"] = ours(index_dir, coll, mode)
    rankings[f"news-search {MODES[0]}, capitals as in TIME.QUE"] = ours(index_dir, coll, MODES[0], raw=True)
    cli_same = None
    if not args.no_cli:
        cli = ours_cli(index_dir, coll)
        cli_same = sum(cli[q] == rankings["news-search words"][q] for q in coll.queries)
    rankings["plain Whoosh"] = plain_whoosh(coll, work)
    rankings["SQLite FTS5"] = sqlite_fts5(coll)
    rankings["tantivy"] = tantivy_run(coll)
    table = evaluate(coll, rankings, peers=["plain Whoosh", "tantivy"])
    commit = subprocess.run(["git", "-C", str(PROJECT), "log", "-1", "--format=%h %s"],
                            capture_output=True, text=True, check=False).stdout.strip()
    report = {"commit": commit, "index_seconds": round(built, 2), "cli_rankings_equal_api": cli_same,
              "questions": len(coll.queries), "systems": table}
    lines = [f"TIME, {len(coll.docs)} articles, {len(coll.queries)} questions; commit {commit}",
             "| system | MAP | nDCG@10 | P@10 | R@100 | p MAP vs Whoosh | p nDCG vs Whoosh | "
             "p MAP vs tantivy | p nDCG vs tantivy |", "|---|---|---|---|---|---|---|---|---|"]
    for name, row in table.items():
        ps = [row.get(f"p_{m}_vs_{peer}") for peer in ("plain Whoosh", "tantivy") for m in ("map", "ndcg@10")]
        lines.append(f"| {name} | {row['map']:.3f} | {row['ndcg@10']:.3f} | {row['precision@10']:.3f} | "
                     f"{row['recall@100']:.3f} | " + " | ".join("" if p is None else f"{p:.4f}" for p in ps)
                     + " |")
    if cli_same is not None:
        lines.append(f"CLI (default mode) ranked {cli_same} of {len(coll.queries)} questions exactly as the API")
    best_peer_map = max(table[p]["map"] for p in ("plain Whoosh", "SQLite FTS5", "tantivy"))
    best_peer_ndcg = max(table[p]["ndcg@10"] for p in ("plain Whoosh", "SQLite FTS5", "tantivy"))
    for mode in [m for m in ("news-search words", "news-search any") if m in table]:
        row = table[mode]
        ok = (row["map"] >= TARGET_MAP and row["ndcg@10"] >= TARGET_NDCG
              and row["map"] > best_peer_map and row["ndcg@10"] > best_peer_ndcg)
        lines.append(f"{mode}: target (MAP >= {TARGET_MAP}, nDCG@10 >= {TARGET_NDCG}, above every peer) "
                     f"{'met' if ok else 'NOT met'}")
    print("\n".join(lines), file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(report, indent=1))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
