"""The ASGI app: the JSON API under /api, the search page at /, the article page.

`create_app(config)` builds it; `news-search serve` runs it with uvicorn. The app
holds no search logic: every request becomes one call of the API (NewsIndex
search/get/similar) or of the stats/alerts functions, run in a search process of
the pool (pool.py), and the answer is that call's `to_dict()`, as the CLI prints it.
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

from ..errors import NewsSearchError
from .errors import RequestError, error_body, status_of
from .pool import SearchPool

log = logging.getLogger("news_search.service")
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class ServiceConfig:
    index_dir: str
    workers: int = 2            # search processes: one per core of the 2-core machines
    query_timeout: float = 5.0  # seconds one search may run before it is stopped
    max_pending: int = 100      # requests that may wait for a search process


def create_app(config: ServiceConfig) -> Any:
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import HTMLResponse, JSONResponse
    from fastapi.staticfiles import StaticFiles
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from .. import __version__
    from .accesslog import AccessLog
    from .api_routes import api_router
    from .page_routes import PAGE_FACETS, page_router, render_error

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = SearchPool(config.index_dir, size=config.workers,
                          query_timeout=config.query_timeout, max_pending=config.max_pending,
                          warm_facets=PAGE_FACETS)
        await pool.start()
        app.state.pool = pool
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(title="news-search", version=__version__, lifespan=lifespan,
                  description="Full-text search over a news archive: the JSON API of "
                              "`news-search serve`. Results are exactly what "
                              "`news-search query --json` prints.",
                  docs_url="/api/docs", redoc_url=None)
    app.state.config = config
    app.include_router(api_router)
    app.include_router(page_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"

    def answer(request: Request, status: int, exc: Exception) -> Any:
        headers = {"Retry-After": "5"} if status == 503 else None
        if wants_json(request):
            return JSONResponse(error_body(exc), status_code=status, headers=headers)
        return render_error(request, status, exc, headers)

    @app.exception_handler(NewsSearchError)
    async def documented_error(request: Request, exc: NewsSearchError) -> Any:
        return answer(request, status_of(exc), exc)

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError) -> Any:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path"))
        return answer(request, 400, RequestError(f"{where}: {first.get('msg', 'invalid value')}"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        return answer(request, exc.status_code, RequestError(str(exc.detail)))

    @app.exception_handler(Exception)
    async def last_resort(request: Request, exc: Exception) -> Any:
        # A bug: the client gets one line, the log the traceback (uvicorn prints it).
        log.error("unexpected %s on %s: %s", type(exc).__name__, request.url.path, exc)
        err = RequestError(f"unexpected {type(exc).__name__} (a bug in the service; the "
                           f"server log has the details)")
        if wants_json(request):
            return JSONResponse(error_body(err), status_code=500)
        return HTMLResponse("<h1>500</h1><p>unexpected error; the server log has the details</p>",
                            status_code=500)

    return AccessLog(app)
