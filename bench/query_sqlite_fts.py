"""SQLite FTS5 as a reference point for bench_query.py: the same articles, the same questions.

Built from the stored fields of a news-search index (so both engines hold exactly
the same articles), with the stdlib `sqlite3`. FTS5 is what a Python developer
reaches for when Whoosh is not wanted, so it tells us how far a pure-Python engine
is from a C one, rather than whether we beat it.

Mapping of our features to FTS5, chosen to be the natural FTS5 way, not a tuned one:
- text: `headline`, `body` in an FTS5 table (porter + unicode61 tokenizer, the
  stemming FTS5 ships with); `source`, `published` (ISO, naive UTC) are UNINDEXED
  columns of the same table; `tags` in a side table `doc_tags(docid, tag)`;
- ranking: `bm25(docs, 2.5, 1.0)` (our headline boost); a page: LIMIT/OFFSET;
- snippets: FTS5's `snippet()` on the body, `[[term]]` marks like ours;
- total: `count(*)` over the same MATCH; facets: GROUP BY over the matches;
- date sort: ORDER BY published.
Query text: our syntax minus `AND NOT` (FTS5 writes `a NOT b`).
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE VIRTUAL TABLE docs USING fts5(
    headline, body, source UNINDEXED, published UNINDEXED,
    tokenize = 'porter unicode61'
);
CREATE TABLE doc_tags (docid INTEGER NOT NULL, tag TEXT NOT NULL);
"""
TAGS_INDEX = "CREATE INDEX doc_tags_docid ON doc_tags (docid, tag)"

SNIPPET = "snippet(docs, 1, '[[', ']]', ' … ', 24)"
FACET_SQL = {
    "tags": ("SELECT tag, count(*) AS n FROM doc_tags WHERE docid IN "
             "(SELECT rowid FROM docs WHERE docs MATCH ?) GROUP BY tag ORDER BY n DESC, tag"),
    "source": ("SELECT source, count(*) AS n FROM docs WHERE docs MATCH ? "
               "GROUP BY source ORDER BY n DESC, source"),
    "published:month": ("SELECT substr(published, 1, 7) AS m, count(*) FROM docs WHERE docs MATCH ? "
                        "GROUP BY m ORDER BY m"),
}
ORDER_SQL = {
    "relevance": "bm25(docs, 2.5, 1.0)",
    "newest": "published DESC",
    "oldest": "published ASC",
}


def has_fts5() -> bool:
    try:
        con = sqlite3.connect(":memory:")
        con.execute("CREATE VIRTUAL TABLE t USING fts5(a)")
        con.close()
        return True
    except sqlite3.OperationalError:
        return False


def fts_query(query: str) -> str:
    """Our query text in FTS5 MATCH syntax (the benchmark's queries only need this)."""
    return query.replace(" AND NOT ", " NOT ")


def _rows_from_index(index_dir: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    from search.indexing.store import open_index

    handle = open_index(index_dir)
    with handle.ix.reader() as reader:
        for docnum, fields in reader.iter_docs():
            yield docnum, fields


def build_fts(db_path: str | Path, index_dir: str | Path) -> int:
    """(Re)create the FTS5 database from the index's stored articles; returns the count."""
    db_path = Path(db_path)
    if db_path.exists():
        db_path.unlink()
    con = sqlite3.connect(db_path)
    try:
        con.executescript(SCHEMA)
        n = 0
        with con:
            for docnum, f in _rows_from_index(index_dir):
                published = f.get("published")
                con.execute("INSERT INTO docs (rowid, headline, body, source, published) "
                            "VALUES (?, ?, ?, ?, ?)",
                            (docnum, f.get("headline", ""), f.get("body", ""), f.get("source"),
                             published.isoformat() if published else None))
                tags = [t for t in (f.get("tags") or "").split(",") if t]
                con.executemany("INSERT INTO doc_tags (docid, tag) VALUES (?, ?)",
                                [(docnum, t) for t in tags])
                n += 1
            con.execute(TAGS_INDEX)
            con.execute("INSERT INTO docs (docs) VALUES ('optimize')")
        return n
    finally:
        con.close()


@dataclass
class FtsResult:
    total: int
    hits: list[tuple]
    facets: dict[str, list[tuple]]


def run_query(con: sqlite3.Connection, query: str, *, facets: Sequence[str] = (),
              sort: str = "relevance", limit: int = 10, page: int = 1) -> FtsResult:
    """One search as our API does it: a page of hits with snippets, the total, facets."""
    match = fts_query(query)
    hits = con.execute(
        f"SELECT rowid, headline, source, published, {SNIPPET} FROM docs WHERE docs MATCH ? "
        f"ORDER BY {ORDER_SQL[sort]} LIMIT ? OFFSET ?",
        (match, limit, (page - 1) * limit)).fetchall()
    total = con.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
    counts = {name: con.execute(FACET_SQL[name], (match,)).fetchall() for name in facets}
    return FtsResult(total, hits, counts)


# The cold-start script: one process, one query, printed like `news-search query`.
COLD_SCRIPT = """\
import sqlite3, sys
con = sqlite3.connect(sys.argv[1])
q = sys.argv[2].replace(" AND NOT ", " NOT ")
for row in con.execute("SELECT headline, source, published, {snippet} FROM docs WHERE docs MATCH ? "
                       "ORDER BY bm25(docs, 2.5, 1.0) LIMIT 10", (q,)):
    print(row[0]); print(row[1], row[2]); print(row[3]); print()
total = con.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (q,)).fetchone()[0]
print(total, "matches", file=sys.stderr)
""".replace("{snippet}", SNIPPET)
