"""What is worth keeping for as long as one searcher (a fixed index snapshot) lives.

Column arrays (facets, date sort), the query engine (with its term postings and
the index's deleted documents) and the documents of recent filters (`--source`,
`--since`..., which users repeat across queries) never change while the searcher
lives, so `NewsIndex` keeps one `SearcherCache` per searcher and drops it with
the searcher.
"""
from __future__ import annotations

from typing import Any

from ..engine.evaluate import QueryEngine
from .facets import ColumnCache

MAX_CACHED_FILTERS = 64


class SearcherCache:
    def __init__(self, searcher: Any):
        self.columns = ColumnCache(searcher.reader())
        self.engine = QueryEngine(searcher)
        self._filters: dict[Any, frozenset[int]] = {}

    def filter_docs(self, q: Any) -> frozenset[int]:
        """The documents of a filter query (whoosh queries hash and compare by value)."""
        docs = self._filters.get(q)
        if docs is None:
            if len(self._filters) >= MAX_CACHED_FILTERS:
                self._filters.pop(next(iter(self._filters)))  # oldest first
            docs = self._filters[q] = frozenset(self.engine.evaluate(q, scored=False).docs)
        return docs

    def forget(self) -> None:
        """Drop what queries left behind (postings, phrase and filter documents), keep columns."""
        self.engine.forget()
        self._filters.clear()
