"""`news-search stats` on a sharded archive: the shards' statistics summed, read from
their folders on disk (read-only and lock-free, as on one index; no Ray needed, so it
answers while the cluster is down), in one index's JSON shape plus a `shards` list.

The archive's own records live in its folder, not in any shard: the runs of `index` and
`reindex` on it (`runs.jsonl`, build.py) and the scheduler's state (`schedule.json`).
"""
from __future__ import annotations

import os
from collections import Counter
from datetime import datetime
from typing import Any

from ..errors import NewsSearchError
from .archive import read_archive

SHARD_KEYS = ("articles", "size_bytes", "generation", "published_first", "published_last")


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def archive_stats(index_dir: str | os.PathLike[str], last_runs: int = 1) -> dict[str, Any]:
    """One index's `stats` dict over the whole archive, plus `archive` (its name) and
    `shards` (per shard: the SHARD_KEYS). A shard that cannot be read is an error naming
    it (as a damaged index is on one index), so a sum never silently misses a shard."""
    from ..indexing.runs import read_runs
    from ..indexing.stats import index_stats
    from ..schedule import read_state

    archive = read_archive(index_dir)
    rows = []
    for shard in archive.shards:
        try:
            st = index_stats(archive.shard_dir(shard), last_runs=0)
        except NewsSearchError as exc:
            raise type(exc)(f"shard {shard} of the archive at {archive.root}: {exc}; run "
                            f"`news-search check --index-dir {archive.root}`") from None
        rows.append({"shard": shard, "index_dir": st["index_dir"], "schema_version":
                     st["schema_version"], "per_source": st["per_source"],
                     **{k: st[k] for k in SHARD_KEYS}})
    per_source: Counter[str] = Counter()
    for row in rows:
        per_source.update(row["per_source"])
    firsts = [w for w in (_when(r["published_first"]) for r in rows) if w is not None]
    lasts = [w for w in (_when(r["published_last"]) for r in rows) if w is not None]
    versions = {r["schema_version"] for r in rows}
    runs = read_runs(archive.root)
    return {
        "index_dir": str(archive.root),
        "articles": sum(r["articles"] for r in rows),
        "per_source": dict(sorted(per_source.items(), key=lambda kv: (-kv[1], kv[0]))),
        "published_first": min(firsts).isoformat() if firsts else None,
        "published_last": max(lasts).isoformat() if lasts else None,
        "size_bytes": sum(r["size_bytes"] for r in rows),
        "schema_version": versions.pop() if len(versions) == 1 else sorted(versions),
        "generation": None,  # each shard has its own: see `shards`
        "roots": list(archive.roots),
        "last_runs": runs[-last_runs:] if last_runs else [],
        "scheduler": read_state(archive.root),
        "archive": archive.name,
        "shards": [{k: v for k, v in r.items() if k not in ("schema_version", "per_source")}
                   for r in rows],
    }
