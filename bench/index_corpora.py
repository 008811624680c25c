"""Article sets for the indexing benchmark, built from the shared real corpora.

Named corpora are the archives as shipped (our indexer reads them itself).
Scale sets (`scale:N`) are N articles written as JSON Lines files of 1,000
articles each: the real articles of BBC, Reuters and SaudiNewsNet in turn
(62,900 or so), then again as variants whose body starts with "[variant k]" so
each copy has its own content hash (not a duplicate) but real text and real
term statistics.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from search.article import Article
from search.ingest import read_corpus

CORPORA = {
    "bbc": "bbc-fulltext/bbc-fulltext.tar.gz",
    "reuters": "reuters21578/reuters21578.tar.gz",
    "saudinewsnet": "saudinewsnet/SaudiNewsNet.tar",
}
SCALE_SOURCES = ("bbc", "reuters", "saudinewsnet")
PER_FILE = 1000


def corpora_root() -> Path:
    root = os.environ.get("NEWS_SEARCH_CORPORA", "../shared/corpora")
    return Path(root)


def corpus_path(name: str) -> Path:
    return corpora_root() / CORPORA[name]


def articles_of(paths: list[Path]) -> list[Article]:
    return [a for a in read_corpus(paths) if isinstance(a, Article)]


def _variants(base: list[Article], n: int) -> Iterator[dict]:
    k = 0
    while True:
        for a in base:
            if k * len(base) + 1 > n + len(base):
                return
            yield {"headline": a.headline,
                   "body": a.body if k == 0 else f"[variant {k}] {a.body}",
                   "source": a.source, "section": a.section,
                   "published": a.published.isoformat() if a.published else None,
                   "language": a.language, "url": a.url, "author": a.author}
        k += 1


def build_scale_corpus(n: int, dest: Path, base: list[Article]) -> Path:
    """Write `n` articles as JSONL files under dest/scale-N (reused when already there)."""
    folder = dest / f"scale-{n}"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    out = None
    for i, record in enumerate(_variants(base, n)):
        if i >= n:
            break
        if i % PER_FILE == 0:
            if out:
                out.close()
            out = open(folder / f"part-{i // PER_FILE:05d}.jsonl", "w", encoding="utf-8")
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    if out:
        out.close()
    done.touch()
    return folder
