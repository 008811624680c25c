"""What saved-search alerts need of a sharded archive (search/schedule/ runs them).

Delivery decides "new since the last delivery" from content hashes (delivery.py): the
version of what is committed, the content hashes held, and the ids holding some hashes.
On an archive these are read from every shard's index folder on disk, the way one
index's are read from its folder (store.IndexHandle), not asked of the shard actors:
what matters is what is committed (a build killed mid-run included), and the archive's
folders are on a file system every client sees. So "new" means the same on both: an
article added or changed in any shard since the last delivery. The saved searches
themselves run through `ClusterIndex.search` (archive-wide statistics), so an alert's
hits and snippets are those one index of the same articles delivers.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .archive import Archive, read_archive


class ArchiveContents:
    """`IndexHandle`'s version / content_hashes / ids_with_hashes over every shard."""

    def __init__(self, archive: Archive):
        from ..indexing.store import open_index

        self.handles = []
        try:
            for shard in archive.shards:
                self.handles.append(open_index(archive.shard_dir(shard)))
        except BaseException:
            self.close()
            raise

    def version(self) -> str:
        """Changes whenever any shard committed (each shard's generation and TOC number)."""
        return " ".join(h.version() for h in self.handles)

    def content_hashes(self) -> set[str]:
        hashes: set[str] = set()
        for h in self.handles:
            hashes |= h.content_hashes()
        return hashes

    def ids_with_hashes(self, hashes: Iterable[str]) -> set[str]:
        wanted = list(hashes)
        ids: set[str] = set()
        for h in self.handles:
            ids |= h.ids_with_hashes(wanted)
        return ids

    def close(self) -> None:
        for h in self.handles:
            h.close()
        self.handles = []

    def __enter__(self) -> ArchiveContents:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ArchiveForAlerts:
    """An archive as `search.library.Alerts` uses it, connecting to Ray only when a saved
    search runs: `alerts list`, `show` and `remove` read files and need no cluster."""

    def __init__(self, index_dir: str | os.PathLike[str], address: str | None = None):
        self.index_dir = Path(index_dir).absolute()
        self._address = address
        self._ix: Any = None

    def search(self, query: str, **options: Any) -> Any:
        if self._ix is None:
            from .client import ClusterIndex

            self._ix = ClusterIndex.open(self.index_dir, address=self._address)
        return self._ix.search(query, **options)

    def open_contents(self) -> ArchiveContents:
        return ArchiveContents(read_archive(self.index_dir))

    def close(self) -> None:
        if self._ix is not None:
            self._ix.close()
            self._ix = None
