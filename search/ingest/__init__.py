"""Ingestion: files as people have them -> clean `Article` records.

    for item in read_corpus(["corpus/"]):
        if isinstance(item, Skip): print(item)      # path[#record][:line]: reason
        else: print(item.headline, item.source)
"""
from .discover import SourceFile, discover
from .options import IngestOptions
from .read import read_corpus, read_document, read_source
from .records import Document, RawArticle, Skip

__all__ = ["IngestOptions", "SourceFile", "discover", "read_corpus", "read_source",
           "read_document", "Document", "RawArticle", "Skip"]
