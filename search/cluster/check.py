"""`news-search check [--repair]` on a sharded archive: every shard checked as one index
is (search/indexing/check.py), and every article on the shard its id routes to.

The check opens each shard's index folder directly, not through its actor: it is
read-only, it must work when a shard's actor cannot start (a damaged index is the reason
one would not), and it is the same code that checks one index, so a shard reads back
whole exactly when it would as an index of its own. It needs no Ray. An article on
another shard than its id routes to (a shard folder swapped or copied by hand) is damage
too: an update of it would be written to its routed shard, leaving two copies.

`--repair` rebuilds the damaged shards from the archive's corpus roots (rebuild.py:
Ray tasks read, new generations published only if nothing was lost), then checks again.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from ..errors import IndexNotFoundError
from ..indexing.check import CheckReport, check_index
from .archive import Archive, read_archive

MISROUTED_NAMED = 3  # ids quoted in a misrouting problem


@dataclass
class ArchiveCheck:
    """Each shard's CheckReport, and the archive's own findings (as one index's report)."""

    index_dir: str
    shards: dict[str, CheckReport] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)
    still_damaged: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [f"{name}: {p}" for name, r in self.shards.items() for p in r.problems]

    @property
    def damaged(self) -> list[str]:
        return [name for name, r in self.shards.items() if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.damaged

    @property
    def mended(self) -> bool:
        return bool(self.repaired) and not self.still_damaged

    def to_dict(self) -> dict[str, Any]:
        reports = list(self.shards.values())
        return {"index_dir": self.index_dir, "ok": self.ok,
                "segments": sum(r.segments for r in reports),
                "articles": sum(r.articles for r in reports),
                "terms": sum(r.terms for r in reports),
                "postings": sum(r.postings for r in reports),
                "problems": self.problems,
                "notes": [f"{name}: {n}" for name, r in self.shards.items() for n in r.notes],
                "repaired": self.repaired, "still_damaged": self.still_damaged,
                "shards": [{"shard": name, **r.to_dict()} for name, r in self.shards.items()]}


def _check_shard(archive: Archive, shard: str) -> CheckReport:
    from ..indexing.manifest import indexed_articles
    from ..indexing.store import open_index

    folder = archive.shard_dir(shard)
    try:
        report = check_index(folder)
    except IndexNotFoundError as exc:
        return CheckReport(str(folder), problems=[f"no index: {exc}"])
    if report.ok:
        with open_index(folder) as handle:
            wrong = sorted(a.id for a in indexed_articles(handle.ix)
                           if archive.shard_for(a.id) != shard)
        if wrong:
            report.problems.append(
                f"{len(wrong):,} article(s) belong on other shards by their id (e.g. "
                f"{', '.join(wrong[:MISROUTED_NAMED])}): was a shard folder moved?")
    return report


def check_archive(index_dir: str | os.PathLike[str]) -> ArchiveCheck:
    """Check every shard (module docstring); nothing is changed."""
    archive = read_archive(index_dir)
    result = ArchiveCheck(str(archive.root))
    for shard in archive.shards:
        result.shards[shard] = _check_shard(archive, shard)
    return result


def repair_archive(index_dir: str | os.PathLike[str], *, address: str | None = None,
                   allow_shrink: bool = False, cluster: Any = None) -> ArchiveCheck:
    """Check; rebuild the damaged shards from the corpus roots; check them again.
    `cluster`: the archive's open ClusterIndex (else one is opened at `address`)."""
    from .client import ClusterIndex
    from .rebuild import rebuild_shards

    result = check_archive(index_dir)
    if result.ok:
        return result
    damaged = result.damaged
    opened = cluster or ClusterIndex.open(index_dir, address=address)
    try:
        run = rebuild_shards(opened, damaged, kind="check --repair", allow_shrink=allow_shrink)
        archive = opened.archive
    finally:
        if cluster is None:
            opened.close()
    for shard in damaged:
        result.repaired.append(f"{shard}: rebuilt {run.per_shard.get(shard, 0):,} article(s) "
                               f"from the corpus roots into a new generation")
        after = _check_shard(archive, shard)
        result.still_damaged.extend(f"{shard}: {p}" for p in after.problems)
    return result


def report_json(result: ArchiveCheck) -> str:
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
