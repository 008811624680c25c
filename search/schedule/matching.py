"""Which of a set of articles a saved search matches.

Goes through the search API (`NewsIndex.search(..., ids=...)`), so an alert
matches exactly what `news-search query --all` would, name variants included.
"""
from __future__ import annotations

import os
from collections.abc import Collection
from typing import Any

from .alerts import SavedSearch

_CHUNK = 1000  # ids per search = the API's largest page: every match of a chunk fits one page
_RECORD_FIELDS = ("id", "headline", "source", "section", "language", "published", "url",
                  "path", "snippet")


def _search(ix, saved: SavedSearch, ids: Collection[str], limit: int, page: int):
    return ix.search(saved.query, sources=list(saved.sources) or None,
                     sections=list(saved.sections) or None,
                     languages=list(saved.languages) or None,
                     ids=list(ids), limit=limit, page=page, suggest=False,
                     match="all")  # an alert's plain words all must match (not ranked as a question)


def match(index_dir: str | os.PathLike[str], saved: SavedSearch,
          ids: Collection[str]) -> list[dict[str, Any]]:
    """JSON-ready records of the articles among `ids` that `saved` matches."""
    if not ids:
        return []
    from ..api import NewsIndex
    ids = sorted(ids)
    records: list[dict[str, Any]] = []
    with NewsIndex.open(index_dir) as ix:
        # Chunks rather than pages: paging re-ranks everything up to the page each time.
        for i in range(0, len(ids), _CHUNK):
            res = _search(ix, saved, ids[i:i + _CHUNK], _CHUNK, 1)
            for hit in res.hits:
                d = hit.to_dict()
                records.append({k: d.get(k) for k in _RECORD_FIELDS if k in d})
    return records


def check_query(index_dir: str | os.PathLike[str], saved: SavedSearch) -> None:
    """Raise QueryError now for a query that could never run (at `alerts add`)."""
    from ..api import NewsIndex
    with NewsIndex.open(index_dir) as ix:
        _search(ix, saved, ["-"], 1, 1)
