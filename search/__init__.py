"""news-search: full-text search for news archives, on Whoosh.

Data flows one way: `search.ingest` (files -> Article) -> `search.indexing`
(Article -> Whoosh index) -> `search.query` + `search.api` (query -> SearchResults).

    from search import NewsIndex
    with NewsIndex.open("index") as ix:
        res = ix.search('"red lines"', facets=["source"])

`NewsIndex`, `Article` and the result types load on first use, so that `import search`
(and `news-search --help`) does not pay for importing Whoosh, and the program
(search/program.py) can turn the garbage collector off before anything heavy loads.
"""
__version__ = "0.1.0"

from .errors import (  # noqa: E402
    AlertError,
    ArticleNotFoundError,
    IndexDamagedError,
    IndexLockedError,
    IndexNotFoundError,
    IngestError,
    NewsSearchError,
    QueryError,
    RebuildRefusedError,
    ScheduleError,
    SchedulerRunningError,
    SchemaVersionError,
    SearchFailedError,
    SearchOptionError,
    StorageError,
)

_LAZY = {"NewsIndex": "api", "Article": "article", "SearchResults": "results", "Hit": "results",
         "FacetValue": "results", "Timeline": "query.timeline", "TimelinePeriod": "query.timeline",
         "SplitCount": "query.timeline", "Story": "query.story", "StoryCopy": "query.story"}

__all__ = ["NewsIndex", "SearchResults", "Hit", "FacetValue", "Timeline", "TimelinePeriod",
           "SplitCount", "Story", "StoryCopy", "Article", "NewsSearchError",
           "IndexNotFoundError", "IndexDamagedError", "SchemaVersionError", "IndexLockedError",
           "QueryError", "SearchOptionError", "ArticleNotFoundError", "SearchFailedError",
           "StorageError", "RebuildRefusedError", "IngestError", "ScheduleError",
           "SchedulerRunningError", "AlertError", "__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
