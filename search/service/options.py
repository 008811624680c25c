"""From HTTP parameters to `NewsIndex.search` keyword arguments: one mapping for the
JSON API and the page, the same as `news-search query`'s options map to the API.

Values are passed through as given (strings for limit, page and match): the API
validates them and its SearchOptionError/QueryError become 400, so the service and
the command line refuse the same things with the same words. Only the service's
own limit, the query's size, is checked here.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from ..errors import QueryError

MAX_QUERY_BYTES = 4096  # a query is a few words; 4 KB is hundreds of them


@dataclass
class SearchState:
    """Everything a search is made of; the page keeps all of it in its URL."""

    q: str = ""
    source: list[str] = field(default_factory=list)
    section: list[str] = field(default_factory=list)
    language: list[str] = field(default_factory=list)
    since: str | None = None
    until: str | None = None
    facet: list[str] = field(default_factory=list)
    sort: str | None = None
    limit: str | None = None
    page: str | None = None
    match: str | None = None
    exact: bool = False
    # The page shows one hit per story (near-duplicate copies collapsed); `copies` shows every
    # copy. The JSON API collapses only when asked (`collapse=1`), as `query --json` does.
    copies: bool = False

    def check(self) -> None:
        size = len(self.q.encode("utf-8"))
        if size > MAX_QUERY_BYTES:
            raise QueryError(f"the query is {size:,} bytes, over the service's limit of "
                             f"{MAX_QUERY_BYTES:,}", hint="search for fewer words")

    def search_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for `NewsIndex.search`; options not given keep the API's defaults."""
        self.check()
        kw: dict[str, Any] = {
            "query": self.q, "sources": self.source or None, "sections": self.section or None,
            "languages": self.language or None, "since": self.since or None,
            "until": self.until or None, "facets": list(self.facet), "exact": self.exact}
        for name in ("sort", "limit", "page", "match"):
            value = getattr(self, name)
            if value not in (None, ""):
                kw[name] = value
        return kw

    def params(self) -> list[tuple[str, str]]:
        """The state as URL parameters (empty ones left out, so URLs stay short)."""
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        for name in ("source", "section", "language"):
            out.extend((name, v) for v in getattr(self, name))
        for name in ("since", "until", "sort", "match", "limit", "page"):
            value = getattr(self, name)
            if value:
                out.append((name, str(value)))
        if self.exact:
            out.append(("exact", "1"))
        if self.copies:
            out.append(("copies", "1"))
        return out

    def url(self, path: str = "/", **changes: Any) -> str:
        """This state with `changes`, as a link; any change but `page` goes back to page 1."""
        state = replace(self, source=list(self.source), section=list(self.section),
                        language=list(self.language), facet=list(self.facet))
        for name, value in changes.items():
            setattr(state, name, value)
        if "page" not in changes:
            state.page = None
        if state.page in ("1", 1):
            state.page = None
        query = urlencode(state.params())
        return f"{path}?{query}" if query else path

    def toggled(self, name: str, value: str) -> str:
        """The link that adds a facet filter, or removes it when it is on."""
        values = list(getattr(self, name))
        values = [v for v in values if v != value] if value in values else values + [value]
        return self.url(**{name: values})


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")
