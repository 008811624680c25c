"""The service's own errors, and how every error becomes an HTTP status.

The API's documented errors (search.errors) keep their meaning: a bad query or
option is the client's to fix (400), an unknown article is 404, and an index that
is missing, locked for its first build, damaged or unreadable is 503 (the service
is fine, the index is not ready). The two errors below are the service's limits.
"""
from __future__ import annotations

from typing import Any

from .. import errors as api_errors
from ..errors import NewsSearchError


class QueryTooExpensiveError(NewsSearchError):
    """A search ran past the time limit and its process was stopped (pool.py)."""

    def __init__(self, message: str, *, hint: str | None = None):
        self.hint = hint
        super().__init__(message)


class ServiceBusyError(NewsSearchError):
    """More requests are waiting for a search process than the service queues."""


class RequestError(NewsSearchError):
    """A request the web layer itself refuses: a parameter of the wrong type, an unknown URL."""


STATUS_BY_ERROR: dict[type[Exception], int] = {
    api_errors.QueryError: 400,
    api_errors.SearchOptionError: 400,
    api_errors.ScheduleError: 400,       # a bad `since` of /api/alerts/{name}
    api_errors.ArticleNotFoundError: 404,
    api_errors.AlertError: 404,          # the only AlertError a reader meets: no such alert
    QueryTooExpensiveError: 503,
    RequestError: 400,
    ServiceBusyError: 503,
}


def status_of(exc: Exception) -> int:
    """400/404 as above; every other NewsSearchError (index missing, locked, damaged,
    unreadable) is 503: the request may succeed once the index is ready."""
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 503


def error_body(exc: Exception) -> dict[str, Any]:
    """`{"error": {"message", "position", "hint", "type"}}`, the JSON API's one error shape."""
    return {"error": {"message": str(exc), "position": getattr(exc, "position", None),
                      "hint": getattr(exc, "hint", None), "type": type(exc).__name__}}


def rebuild(name: str, message: str, position: int | None, hint: str | None) -> NewsSearchError:
    """The error a worker process reported, as the same class on this side of the pipe."""
    cls = getattr(api_errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, NewsSearchError)):
        cls = api_errors.SearchFailedError
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)  # the text as the worker formatted it
    exc.position, exc.hint = position, hint  # type: ignore[attr-defined]
    return exc
