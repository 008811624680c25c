"""The JSON API: each route is one call into the search pool, answered with the
API's own dict (`SearchResults.to_dict()`, `Article.to_dict()`, `stats --json`)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from ..errors import ArticleNotFoundError
from ..indexing.fields import FACET_NAMES
from .options import SearchState

api_router = APIRouter(prefix="/api", tags=["api"])


async def call_json(request: Request, op: str, **kwargs: Any) -> Response:
    """An op whose answer the search process already encoded as JSON (worker.to_json)."""
    body = await request.app.state.pool.call(op, **kwargs)
    return Response(body, media_type="application/json")


async def call(request: Request, op: str, **kwargs: Any) -> Any:
    """The op's answer as a JSON response (the dict goes out as is: FastAPI's
    jsonable_encoder would walk 1,000 hits again for nothing)."""
    return JSONResponse(await request.app.state.pool.call(op, **kwargs))


@api_router.get("/search", summary="Search: exactly the object `news-search query --json` prints")
async def search(request: Request,
                 q: str = Query("", description="The query, in the query language (at most 4 KB)."),
                 source: list[str] = Query([], description="Only these sources (repeatable)."),
                 section: list[str] = Query([], description="Only these sections (repeatable)."),
                 language: list[str] = Query([], description="Only these languages (repeatable)."),
                 since: str | None = Query(None, description="Published on or after: 2021-09-01, 2021-09, 7d."),
                 until: str | None = Query(None, description="Published on or before (the whole day/month/year)."),
                 facet: list[str] = Query([], description=", ".join(FACET_NAMES) + " (repeatable)."),
                 sort: str | None = Query(None, description="relevance (default), newest or oldest."),
                 limit: str | None = Query(None, description="Hits per page, 1-1000 (default 10)."),
                 page: str | None = Query(None, description="Page number, 1 or more."),
                 match: str | None = Query(None, description="How plain words combine (see the README)."),
                 exact: bool = Query(False, description="No name-variant expansion."),
                 collapse: bool = Query(False, description="One hit per story (near-duplicate copies)."),
                 collapse_by: str = Query("best", description="best or earliest: the copy shown."),
                 count_by: str | None = Query(None, description="article or story: what facets count.")
                 ) -> Any:
    state = SearchState(q=q, source=source, section=section, language=language, since=since,
                        until=until, facet=facet, sort=sort, limit=limit, page=page, match=match,
                        exact=exact)
    return await call_json(request, "search_json", **state.search_kwargs(), collapse=collapse,
                           collapse_by=collapse_by, count_by=count_by)


@api_router.get("/articles/{article_id}", summary="One article in full (`news-search show --json`)")
async def article(request: Request, article_id: str) -> Any:
    found = await request.app.state.pool.call("get", article_id=article_id)
    if found is None:
        raise ArticleNotFoundError(f"no article with id {article_id}")
    return JSONResponse(found)


@api_router.get("/articles/{article_id}/similar",
                summary="Articles most like one (`news-search similar --json`)")
async def similar(request: Request, article_id: str,
                  limit: str = Query("10", description="How many, 1-1000.")) -> Any:
    return await call_json(request, "similar_json", article_id=article_id, limit=limit)


@api_router.get("/stats", summary="What the index holds (`news-search stats --json`)")
async def stats(request: Request) -> Any:
    return await call(request, "stats")


@api_router.get("/alerts", summary="The saved searches (read-only)")
async def alerts(request: Request) -> Any:
    return await call(request, "alerts")


@api_router.get("/alerts/{name}", summary="One saved search and what it delivered (read-only)")
async def alert(request: Request, name: str,
                since: str | None = Query(None, description="Only deliveries since an ISO "
                                          "date/time or an age (24h, 7d).")) -> Any:
    return await call(request, "alert", name=name, since=since)
