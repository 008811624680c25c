"""The web pages: search at /, one article at /articles/{id}. Server-side rendered
with Jinja2 (no JavaScript build; the page works with scripts off), every state in
the URL so a search can be bookmarked and shared."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..errors import ArticleNotFoundError, NewsSearchError
from ..indexing.fields import LIST_FIELDS, VALUE_FACETS
from ..query.snippets import snippet_html
from .errors import status_of
from .histogram import build_histogram
from .options import SearchState, is_true

page_router = APIRouter(include_in_schema=False)
PAGE_LIMIT = "10"
SIDEBAR_FACETS = (*VALUE_FACETS, *LIST_FIELDS)  # source, section, language, tags
PAGE_FACETS = [*SIDEBAR_FACETS, "published:day"]  # the histogram is drawn from the days
FACET_ROWS = 12   # values shown per facet (counts cover all matches)
SIMILAR_COUNT = 8
SORT_LABELS = {"relevance": "relevance", "newest": "newest first", "oldest": "oldest first"}

_env = Environment(loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
_env.filters["marked"] = lambda s: Markup(snippet_html(s or ""))
_env.filters["day"] = lambda iso: iso[:10] if iso else "date unknown"


def _query_help() -> list[str]:
    """The query language lines of `news-search query --help`: one text for both."""
    from ..cli.query_cmd import query_command

    lines = (query_command.help or "").splitlines()
    start = next(i for i, line in enumerate(lines) if "Query language:" in line) + 1
    out = []
    for line in lines[start:]:
        if not line.strip() or line.strip() == "\b":
            break
        out.append(line.strip())
    return out


QUERY_HELP = _query_help()


def render(template: str, status: int = 200, headers: dict[str, str] | None = None,
           **context: Any) -> HTMLResponse:
    html = _env.get_template(template).render(query_help=QUERY_HELP, sort_labels=SORT_LABELS,
                                              **context)
    return HTMLResponse(html, status_code=status, headers=headers)


def render_error(request: Request, status: int, exc: Exception,
                 headers: dict[str, str] | None = None) -> HTMLResponse:
    """An error on a page: the search box again, the message next to it."""
    state = getattr(request.state, "search", None) or SearchState(q=request.query_params.get("q", ""))
    return render("search.html", status, headers, state=state, results=None, error=exc,
                  facets={}, histogram=None)


def _tag_query(q: str, tag: str) -> str:
    """The query with `tags:VALUE` added: the API filters tags in the query language."""
    term = f'tags:"{tag}"' if not tag.replace("-", "").replace("_", "").isalnum() else f"tags:{tag}"
    return f"{q} {term}".strip() if term not in q else q


@page_router.get("/", response_class=HTMLResponse)
async def search_page(request: Request, q: str = "", source: list[str] = Query([]),
                      section: list[str] = Query([]), language: list[str] = Query([]),
                      since: str | None = None, until: str | None = None,
                      sort: str | None = None, page: str | None = None,
                      match: str | None = None, limit: str | None = None,
                      exact: str | None = None, copies: str | None = None) -> HTMLResponse:
    state = SearchState(q=q, source=source, section=section, language=language, since=since,
                        until=until, sort=sort, page=page, match=match, limit=limit,
                        exact=is_true(exact), copies=is_true(copies))
    request.state.search = state
    if not q.strip():
        return render("search.html", state=state, results=None, error=None, facets={},
                      histogram=None)
    kwargs = state.search_kwargs()
    kwargs.update(facets=PAGE_FACETS, suggest=True)
    kwargs.setdefault("limit", PAGE_LIMIT)
    results = await _search_collapsed(request, kwargs, collapse=not state.copies)
    facets = {}
    for name in SIDEBAR_FACETS:
        values = results["facets"].get(name, [])
        chosen = set(getattr(state, name, []) or [])
        rows = [dict(v, selected=v["value"] in chosen,
                     link=(state.url(q=_tag_query(q, v["value"])) if name == "tags"
                           else state.toggled(name, v["value"])) if v["value"] is not None else None)
                for v in values[:FACET_ROWS]]
        if any(row["link"] for row in rows):  # a facet of only "(unknown)" filters nothing
            facets[name] = {"rows": rows, "more": max(0, len(values) - FACET_ROWS)}
    histogram = build_histogram(results["facets"], since, until)
    pages = max(1, -(-results["total"] // results["limit"]))
    return render("search.html", state=state, results=results, error=None, facets=facets,
                  histogram=histogram, pages=pages, page_links=_page_links(results["page"], pages))


async def _search_collapsed(request: Request, kwargs: dict, collapse: bool) -> dict:
    """The page's search: one hit per story unless every copy is asked for. An index
    built before story clusters has none: it is searched as it is, uncollapsed."""
    from ..errors import SearchOptionError
    from ..query.collapse import NO_STORIES

    pool = request.app.state.pool
    if not collapse:
        return await pool.call("search", **kwargs)
    try:
        return await pool.call("search", **kwargs, collapse=True)
    except SearchOptionError as exc:
        if str(exc) != NO_STORIES:
            raise
        return await pool.call("search", **kwargs)


def _page_links(current: int, pages: int) -> list[int | None]:
    """Page numbers to show: the first, the last, and two either side (None = a gap)."""
    wanted = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    out: list[int | None] = []
    for n in wanted:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


@page_router.get("/articles/{article_id}", response_class=HTMLResponse)
async def article_page(request: Request, article_id: str, q: str = "") -> HTMLResponse:
    pool = request.app.state.pool
    article, similar = await asyncio.gather(
        pool.call("get", article_id=article_id),
        pool.call("similar", article_id=article_id, limit=SIMILAR_COUNT),
        return_exceptions=True)
    for outcome in (article, similar):
        if isinstance(outcome, NewsSearchError) and status_of(outcome) != 404:
            raise outcome
    if article is None or isinstance(article, BaseException):
        raise ArticleNotFoundError(f"no article with id {article_id}")
    if isinstance(similar, BaseException):
        raise similar
    back = SearchState(q=q).url() if q else None
    return render("article.html", article=article,
                  similar=[h for h in similar["hits"] if h["id"] != article_id],
                  state=SearchState(q=q), back=back,
                  paragraphs=[p for p in article["body"].split("\n") if p.strip()])
