"""Every error the public API raises; nothing from Whoosh leaks past these.

The CLI maps `NewsSearchError` to a one-line message and exit status 2.
"""
from __future__ import annotations


class NewsSearchError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""


class IndexNotFoundError(NewsSearchError):
    """No index at the given directory (run `news-search index PATH` first)."""


class SchemaVersionError(NewsSearchError):
    """The index was built with another schema version; `reindex --full` rebuilds it."""


class IndexLockedError(NewsSearchError):
    """Another process holds the single writer lock."""


class QueryError(NewsSearchError):
    """The query cannot be parsed; `position` is the 0-based column when known."""

    def __init__(self, message: str, *, position: int | None = None, hint: str | None = None):
        self.position = position
        self.hint = hint
        text = message
        if position is not None:
            text += f" (at column {position + 1})"
        if hint:
            text += f"; {hint}"
        super().__init__(text)


class IngestError(NewsSearchError):
    """A corpus path cannot be read at all (missing, unreadable root)."""


class SearchOptionError(NewsSearchError, ValueError):
    """A search option outside the query text is invalid (sort, facet, limit, page, date filter)."""


class ArticleNotFoundError(NewsSearchError, LookupError):
    """No article with the given id in the index (`show`, `similar`)."""


class SearchFailedError(NewsSearchError):
    """The index could not be read while searching (damaged files, disk error)."""


class ScheduleError(NewsSearchError):
    """A schedule, interval or date the user wrote cannot be understood."""


class SchedulerRunningError(NewsSearchError):
    """Another scheduler already runs on this index (its pid, host and start are named)."""


class AlertError(NewsSearchError):
    """A saved search cannot be added, found or delivered as asked."""
