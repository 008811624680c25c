"""A sharded archive on a Ray cluster (the optional extra `news-search[cluster]`).

archive.py   the manifest: shard folders and routing by article id (no Ray)
shard.py     one shard: a normal index served by a Ray actor (restarted from disk)
client.py    ClusterIndex: NewsIndex's search API, three phases (statistics, search, fetch)
merge.py     merging the shards' pages, counts and facets as one index orders them
build.py     distributed indexing: Ray tasks read files, shard actors write; a run's lock,
             record and alerts (what `index` and `reindex` are on one index)
filerecords  what each corpus file produced: unchanged files are not read again
rebuild.py   shards rebuilt into new generations (`reindex --full`, `check --repair`)
alerting.py  what saved-search alerts read of an archive (committed content, by shard)
stats.py     `stats`: the shards summed, read from their folders (no Ray)
check.py     `check [--repair]`: every shard read back whole, and routed right
similar.py   `similar` ranked over every shard with the archive's statistics
"""
from __future__ import annotations

from .archive import ARCHIVE_FILE, Archive, create_archive, is_archive, read_archive, shard_index
from .errors import ClusterError, ShardUnavailableError

__all__ = ["ARCHIVE_FILE", "Archive", "ClusterError", "ClusterIndex", "ClusterResults",
           "ShardUnavailableError", "create_archive", "is_archive", "read_archive", "shard_index"]


def __getattr__(name: str):  # ClusterIndex imports the search API: only when asked for
    if name in ("ClusterIndex", "ClusterResults"):
        from . import client

        return getattr(client, name)
    raise AttributeError(name)
