"""Ingestion: files as people have them -> clean `Article` records.

    for item in read_corpus(["corpus/"]):
        if isinstance(item, Skip): print(item)      # path[#record][:line]: reason
        else: print(item.headline, item.source)

The readers (and chardet, trafilatura, feedparser behind them) load on first
use, so that `news-search query` does not pay for them at start-up.
"""
from importlib import import_module

from .options import IngestOptions
from .records import Document, RawArticle, Skip

_LAZY = {"SourceFile": ".discover", "discover": ".discover", "read_corpus": ".read",
         "read_source": ".read", "read_document": ".read"}

__all__ = ["IngestOptions", "SourceFile", "discover", "read_corpus", "read_source",
           "read_document", "Document", "RawArticle", "Skip"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
