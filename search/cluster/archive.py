"""The archive manifest: which shard folders make up a sharded archive and how articles
are routed to them (pure functions and one small JSON file, no Ray).

    archive/
      news-search-archive.json   {"format": 1, "name", "routing": "id-hash", "shards": [...],
                                  "address", "namespace", "shard_timeout"}
      shard-00/ ... shard-03/    each a normal news-search index (own writer lock, manifest,
                                 generations, crash safety)

Routing is by a hash of the article id, not by month: ids are stable (an edited article
keeps its id, so it stays on its shard and an update never leaves a copy behind on
another one), a re-run after a crash sends every article to the shard that may already
hold it (an upsert, so no duplicates), and shards stay the same size whatever the dates
(news archives grow by month: routing by month would put every new article and most
queries on the newest shard, and undated articles - all of BBC - on one). Month routing
would let a date-filtered query skip shards, but global statistics need every shard's
counts anyway (search/engine/collection.py), so the skip would save little.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ClusterError

ARCHIVE_FILE = "news-search-archive.json"
FORMAT = 1
ROUTINGS = ("id-hash",)
DEFAULT_SHARD_TIMEOUT = 30.0  # seconds a shard may take to answer one phase of a query


@dataclass(frozen=True)
class Archive:
    """A sharded archive as its manifest describes it (`root` is where it was read)."""

    root: Path
    name: str                      # unique: Ray names the shard actors after it
    shards: tuple[str, ...]        # shard folder names, in routing order
    routing: str = "id-hash"
    address: str | None = None     # the Ray cluster (`ray start --head` prints it); None: ask
    namespace: str = "news-search"
    shard_timeout: float = DEFAULT_SHARD_TIMEOUT
    roots: tuple[str, ...] = ()     # corpus roots indexed so far (what `reindex` rescans)
    extra: dict[str, Any] = field(default_factory=dict)

    def shard_dir(self, shard: str) -> Path:
        return self.root / shard

    def shard_for(self, article_id: str) -> str:
        return self.shards[shard_index(article_id, len(self.shards))]

    def actor_name(self, shard: str) -> str:
        return f"{self.name}/{shard}"

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("root")
        d.pop("extra")
        d["shards"] = list(self.shards)
        d["roots"] = list(self.roots)
        return {"format": FORMAT, **d, **self.extra}


def shard_index(article_id: str, count: int) -> int:
    """The shard of an article: 8 bytes of BLAKE2b of its id, modulo the shard count
    (Python's hash() is salted per process, so it would route differently each run)."""
    digest = hashlib.blake2b(article_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def is_archive(path: str | os.PathLike[str]) -> bool:
    return (Path(path) / ARCHIVE_FILE).is_file()


def read_archive(path: str | os.PathLike[str]) -> Archive:
    root = Path(path).absolute()
    file = root / ARCHIVE_FILE
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClusterError(f"no sharded archive at {path} (no {ARCHIVE_FILE}): create one with "
                           f"`news-search cluster create {path} --shards 4`") from None
    except (OSError, ValueError) as exc:
        raise ClusterError(f"cannot read {file}: {exc}; restore it from the shard folders with "
                           f"`news-search cluster create {path} --shards N`") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not data.get("shards"):
        raise ClusterError(f"{file} is not a format-{FORMAT} archive manifest")
    if data.get("routing", "id-hash") not in ROUTINGS:
        raise ClusterError(f"{file}: unknown routing {data.get('routing')!r} (known: {', '.join(ROUTINGS)})")
    known = {"format", "name", "shards", "routing", "address", "namespace", "shard_timeout", "roots"}
    return Archive(root=root, name=str(data["name"]), shards=tuple(data["shards"]),
                   routing=data.get("routing", "id-hash"), address=data.get("address"),
                   namespace=data.get("namespace", "news-search"),
                   shard_timeout=float(data.get("shard_timeout", DEFAULT_SHARD_TIMEOUT)),
                   roots=tuple(data.get("roots", ())),
                   extra={k: v for k, v in data.items() if k not in known})


def write_archive(archive: Archive) -> None:
    """Replace the manifest atomically (written beside it, fsynced, renamed)."""
    archive.root.mkdir(parents=True, exist_ok=True)
    target = archive.root / ARCHIVE_FILE
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(archive.to_json(), f, indent=2)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)
    fd = os.open(archive.root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_archive(path: str | os.PathLike[str], shards: int, *, address: str | None = None,
                   shard_timeout: float = DEFAULT_SHARD_TIMEOUT) -> Archive:
    """A new sharded archive of `shards` empty shard indexes (ClusterError if one exists)."""
    import uuid

    from ..api import NewsIndex

    if not 1 <= shards <= 1024:
        raise ClusterError(f"shards must be from 1 to 1024, not {shards}")
    root = Path(path).absolute()
    if is_archive(root):
        raise ClusterError(f"{path} already holds a sharded archive ({ARCHIVE_FILE})")
    if root.exists() and any(root.iterdir()):
        raise ClusterError(f"{path} is not empty: give a new folder for the archive")
    archive = Archive(root=root, name=f"archive-{uuid.uuid4().hex[:12]}",
                      shards=tuple(f"shard-{k:02d}" for k in range(shards)), address=address,
                      shard_timeout=shard_timeout)
    for shard in archive.shards:
        NewsIndex.create(archive.shard_dir(shard)).close()
    write_archive(archive)
    return archive
