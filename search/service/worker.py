"""The search process: holds one open `NewsIndex` and answers requests from a pipe.

Why a process and not a thread: a Python thread cannot be stopped, so a query that
runs too long in a thread would hold the index lock (and a core) until it ended on
its own. A worker process can be killed and replaced (pool.py), which is how the
service enforces its per-query time limit. Each request is `(op, kwargs)`; each
reply is `("ok", value)` or `("error", class name, message, position, hint)`, with
plain JSON-ready values only (the API's own `to_dict()` forms), never Whoosh objects.
"""
from __future__ import annotations

import signal
from pathlib import Path
from typing import Any, Callable

READY = "ready"


class Worker:
    """What one search process can do: each op is a thin call into the API or the
    existing stats and alerts functions (no search logic here)."""

    def __init__(self, index_dir: str):
        self.index_dir = index_dir
        self._index: Any = None

    def index(self) -> Any:
        """The open index; opened on first use, so a service started before the first
        build answers 503 until the index exists, then serves without a restart."""
        if self._index is None:
            from ..api import NewsIndex

            self._index = NewsIndex.open(self.index_dir)
        return self._index

    def search(self, **options: Any) -> dict[str, Any]:
        return self.index().search(**options).to_dict()

    def search_json(self, **options: Any) -> bytes:
        """`search` as the JSON body /api/search sends: encoded here, in the search
        process, so the one event-loop process only passes bytes on (bench_serve.py)."""
        return to_json(self.search(**options))

    def similar_json(self, article_id: str, limit: Any = 10) -> bytes:
        return to_json(self.similar(article_id, limit))

    def get(self, article_id: str) -> dict[str, Any] | None:
        article = self.index().get(article_id)
        return article.to_dict() if article is not None else None

    def similar(self, article_id: str, limit: Any = 10) -> dict[str, Any]:
        return self.index().similar(article_id, limit=limit).to_dict()

    def stats(self) -> dict[str, Any]:
        """What `news-search stats --json` prints."""
        return self.index().stats()

    def alerts(self) -> list[dict[str, Any]]:
        """The saved searches, as `news-search alerts list --json` prints them."""
        from ..schedule.alerts import load_alerts

        return [a.to_dict() for a in load_alerts(self.index_dir)]

    def alert(self, name: str, since: str | None = None) -> dict[str, Any]:
        """One saved search and what it delivered (`alerts show NAME --json`), oldest first."""
        from ..schedule.alerts import get_alert

        delivered = self.index().alerts.show(name, since)  # AlertError for an unknown name
        return {"alert": get_alert(self.index_dir, name).to_dict(), "delivered": delivered}

    def ping(self) -> int:
        import os

        return os.getpid()

    def dispatch(self, op: str, kwargs: dict[str, Any]) -> tuple[Any, ...]:
        from ..errors import NewsSearchError

        method: Callable[..., Any] | None = getattr(self, op, None) if op in OPS else None
        if method is None:
            return ("error", "SearchFailedError", f"unknown operation {op!r}", None, None)
        try:
            return ("ok", method(**kwargs))
        except NewsSearchError as exc:
            return ("error", type(exc).__name__, str(exc), getattr(exc, "position", None),
                    getattr(exc, "hint", None))
        except Exception as exc:  # noqa: BLE001 - the reply must always come back
            return ("error", "SearchFailedError", f"{op} failed: {type(exc).__name__}: {exc}",
                    None, None)


OPS = frozenset({"search", "search_json", "get", "similar", "similar_json", "stats", "alerts",
                 "alert", "ping"})


def to_json(value: Any) -> bytes:
    """Compact UTF-8 JSON, as Starlette's JSONResponse writes it."""
    import json

    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def warm_up(worker: Worker, facets: list[str]) -> None:
    """Open the index and build what every page needs before the first request: the
    facet columns and the did-you-mean vocabulary cost ~260 ms on Reuters-21578 the
    first time (then ~15 ms a search). A missing index is reported per request until
    it appears."""
    try:
        worker.search(query="warmup", facets=facets, limit=1, snippets=False)
    except Exception:  # noqa: BLE001 - see above
        pass


def run(index_dir: str, conn: Any, warm_facets: list[str] | None = None) -> None:
    """The process's main loop: until the parent closes the pipe (or kills us)."""
    # Ctrl-C in a terminal reaches the whole process group: the server stops its
    # workers itself, so a worker must not die with a KeyboardInterrupt traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker = Worker(str(Path(index_dir)))
    warm_up(worker, warm_facets or [])
    conn.send((READY,))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        op, kwargs = message
        conn.send(worker.dispatch(op, kwargs))
