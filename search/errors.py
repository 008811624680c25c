"""Every error the public API raises; nothing from Whoosh leaks past these.

The CLI maps `NewsSearchError` to a one-line message and exit status 2.
"""
from __future__ import annotations

import errno


class NewsSearchError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""


class IndexNotFoundError(NewsSearchError):
    """No index at the given directory (run `news-search index PATH` first)."""


class IndexDamagedError(NewsSearchError):
    """The index's files cannot be read as an index (truncated, overwritten, missing parts).

    Committed data of other generations and the corpus itself are untouched:
    `news-search reindex --full` rebuilds the index from the recorded roots."""


class StorageError(NewsSearchError):
    """The disk refused a read or write (full, read-only, permission): the message names the
    path and what to do. An interrupted write leaves the index as of its last commit."""


class RebuildRefusedError(NewsSearchError):
    """A `reindex --full` would have published a generation missing articles (a corpus root
    missing, or far fewer articles than the current one): the current generation is kept."""


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


# What to do about each disk fault, by errno name: the message names the fix.
_OS_ADVICE = {
    "ENOSPC": "the disk is full: free space, then run the same command again",
    "EDQUOT": "the disk quota is exceeded: free space, then run the same command again",
    "EROFS": "the file system is read-only: use an --index-dir on a writable disk",
    "EACCES": "permission denied: run as the index's owner or use an --index-dir you own",
    "EPERM": "operation not permitted: run as the index's owner or use an --index-dir you own",
    "EIO": "the disk reported an I/O error: check the disk, then run `news-search reindex --full`",
}


def describe_os_error(exc: OSError, doing: str) -> str:
    """One line for a disk fault: what failed, on which path, and what to do about it."""
    name = errno.errorcode.get(exc.errno or 0, "")
    where = f" {exc.filename}" if exc.filename else ""
    reason = exc.strerror or str(exc) or type(exc).__name__
    advice = _OS_ADVICE.get(name)
    return f"{doing}{where}: {reason}" + (f"; {advice}" if advice else "")


# SQLite reports disk faults as text, not errno: the same advice, found by its words.
_SQLITE_ADVICE = {"disk is full": "ENOSPC", "readonly": "EROFS", "unable to open": "EACCES",
                  "disk I/O error": "EIO"}


def describe_sqlite_error(exc: Exception, doing: str) -> str:
    text = str(exc)
    advice = next((_OS_ADVICE[e] for words, e in _SQLITE_ADVICE.items() if words in text), None)
    return f"{doing}: {text}" + (f"; {advice}" if advice else "")
