"""Building real test indexes for the search tests (no mocks: a Whoosh index on disk).

Uses `search.indexing.index_paths` when the indexing issue provides it, else
writes documents directly with `create_index` + `document_for`, which is what
indexing does underneath.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from search.article import Article
from search.indexing.schema import document_for
from search.indexing.store import create_index
from search.ingest import Skip, read_corpus

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = PROJECT / "corpus"


def articles_from(paths: Iterable[str | Path]) -> list[Article]:
    return [a for a in read_corpus([str(p) for p in paths]) if not isinstance(a, Skip)]


def _write(handle, articles: Iterable[Article], *, update: bool) -> None:
    writer = handle.ix.writer()
    add = writer.update_document if update else writer.add_document
    try:
        for article in articles:
            add(**document_for(article))
        writer.commit()
    except BaseException:
        writer.cancel()
        raise


def build_index(index_dir: Path, articles: Iterable[Article]) -> Path:
    """A fresh index at `index_dir` holding exactly `articles`."""
    _write(create_index(index_dir), articles, update=False)
    return index_dir


def add_articles(index_dir: Path, articles: Iterable[Article]) -> None:
    """Add to an existing index's current generation (as an incremental index run would)."""
    from search.indexing.store import open_index

    _write(open_index(index_dir), articles, update=True)
