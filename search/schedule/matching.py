"""Which of a set of articles a saved search matches.

Goes through the search API (`NewsIndex.search(..., ids=...)`), so an alert
matches exactly what `news-search query --all` would, name variants included.
The caller hands in its open `NewsIndex` (search/library.py's `Alerts`): this
module never opens an index, and one searcher serves every saved search of a
delivery (it was one open per alert).
"""
from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any, Protocol

from .alerts import SavedSearch


class SearchableIndex(Protocol):
    """What alerts need of an index that can search: its directory (where the saved
    searches and their ledgers live) and its search. A `NewsIndex`, or a sharded
    archive's `ClusterIndex`, which also has `open_contents()` (delivery.py's
    `open_contents`: what is committed, read across its shards)."""

    @property
    def index_dir(self) -> Path: ...

    def search(self, query: str, **options: Any) -> Any: ...


_CHUNK = 1000  # ids per search = the API's largest page: every match of a chunk fits one page
_RECORD_FIELDS = ("id", "headline", "source", "section", "language", "published", "url",
                  "path", "snippet")


def _search(index: SearchableIndex, saved: SavedSearch, ids: Collection[str], limit: int,
            page: int) -> Any:
    return index.search(saved.query, sources=list(saved.sources) or None,
                        sections=list(saved.sections) or None,
                        languages=list(saved.languages) or None,
                        ids=list(ids), limit=limit, page=page, suggest=False,
                        match="all")  # an alert's plain words all must match (not ranked as a question)


def match(index: SearchableIndex, saved: SavedSearch,
          ids: Collection[str]) -> list[dict[str, Any]]:
    """JSON-ready records of the articles among `ids` that `saved` matches."""
    if not ids:
        return []
    ids = sorted(ids)
    records: list[dict[str, Any]] = []
    # Chunks rather than pages: paging re-ranks everything up to the page each time.
    for i in range(0, len(ids), _CHUNK):
        res = _search(index, saved, ids[i:i + _CHUNK], _CHUNK, 1)
        for hit in res.hits:
            d = hit.to_dict()
            records.append({k: d.get(k) for k in _RECORD_FIELDS if k in d})
    return records


def check_query(index: SearchableIndex, saved: SavedSearch) -> None:
    """Raise QueryError now for a query that could never run (at `alerts add`)."""
    _search(index, saved, ["-"], 1, 1)
