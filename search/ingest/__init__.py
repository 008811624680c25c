"""Ingestion: files as people have them -> clean `Article` records.

    for item in read_corpus(["corpus/"]):
        if isinstance(item, Skip): print(item)      # path[#record][:line]: reason
        else: print(item.headline, item.source)

The readers (and chardet, trafilatura, feedparser behind them) load on first
use, so that `news-search query` does not pay for them at start-up.
"""
from importlib import import_module

from .options import IngestOptions

# Loaded on first use; `IngestOptions` is not, because the CLI's options and the indexing
# API name it: searching imports only it (records' dataclasses cost ~1-2 ms of a cold query).
_LAZY = {"SourceFile": ".discover", "discover": ".discover", "read_corpus": ".read",
         "read_source": ".read", "read_document": ".read", "Document": ".records",
         "RawArticle": ".records", "Skip": ".records"}

__all__ = ["IngestOptions", "SourceFile", "discover", "read_corpus", "read_source",
           "read_document", "Document", "RawArticle", "Skip"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
