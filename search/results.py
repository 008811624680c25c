"""What a search returns: plain dataclasses, JSON-ready, free of Whoosh objects.

Results outlive the searcher that produced them (the index may be refreshed
between two calls), so everything is copied out of Whoosh at search time.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .article import format_published
from .query.snippets import snippet_html


@dataclass(frozen=True)
class FacetValue:
    """One bucket of a facet. `value` None is the "unknown" bucket (field missing)."""

    value: str | None
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count}


@dataclass(frozen=True)
class Hit:
    """One matching article. `published` is timezone-aware UTC, or None when unknown.

    `snippet` marks matched words as `[[word]]`; `snippet_html` is its HTML form.
    `score` is None when results are sorted by date (no relevance was computed).
    """

    id: str
    headline: str
    source: str | None
    published: datetime | None
    url: str | None
    path: str
    score: float | None
    snippet: str
    section: str | None = None
    language: str | None = None
    rank: int = 0
    body: str | None = None  # only when asked for (`search(bodies=True)`): bodies are large
    # With `collapse=True` (or `count_by="story"`): the article's story, and when collapsed
    # how many matching copies this hit stands for (itself included) and their sources.
    story: str | None = None
    copies: int | None = None
    sources: tuple[str, ...] | None = None
    # "year"/"month": `published` is that period's first instant, shown as `2021-03`
    published_precision: str | None = None


    @property
    def snippet_html(self) -> str:
        return snippet_html(self.snippet)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "headline": self.headline, "source": self.source,
            "published": format_published(self.published, self.published_precision),
            "url": self.url, "path": self.path,
            "score": round(self.score, 4) if self.score is not None else None,
            "snippet": self.snippet, "section": self.section, "language": self.language,
            "rank": self.rank,
            **({"body": self.body} if self.body is not None else {}),
            **({"story": self.story} if self.story is not None else {}),
            **({"copies": self.copies, "sources": list(self.sources or ())}
               if self.copies is not None else {}),
        }


@dataclass(frozen=True)
class SearchResults:
    """One page of hits, the exact total, facets and a "did you mean"."""

    query: str
    total: int
    page: int
    limit: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    hints: list[str] = field(default_factory=list)
    # "words" when the query was plain words (query/questions.py): `total` counts the
    # articles holding at least one word, `total_all_words` those holding all of them
    # (None in the strict modes "all" and "any", where every match is what was asked).
    match: str = "all"
    total_all_words: int | None = None
    # Date features on undated articles (the BBC corpus has no dates at all): with a date
    # filter, how many of the index's `articles` have no date (they can never match it);
    # with a date sort, how many matches have none (listed last). None when not asked.
    articles: int | None = None
    undated_articles: int | None = None
    undated_matches: int | None = None
    # Story clusters (search/query/collapse.py): with `count_by` "story" (implied by
    # `collapse`) the facets count stories, and `total_stories`/`total_articles` count the
    # matching stories and articles; `collapsed`: one hit per story, so `total` (what the
    # pages list) counts stories. None otherwise.
    count_by: str = "article"
    collapsed: bool = False
    total_articles: int | None = None
    total_stories: int | None = None

    @property
    def matched_all_words(self) -> bool:
        """False when some matches (listed after those with every word) lack a word."""
        return self.total_all_words is None or self.total_all_words == self.total

    @property
    def pages(self) -> int:
        """Pages of `limit` hits that hold every match; at least 1, so that "page 1 of 1"
        also describes no match."""
        return max(1, -(-self.total // self.limit))

    # No __len__: `len(results)` read as the number of matches but was this page's size
    # (10 of 1,200), a quiet wrong number in reports. `total` counts every match,
    # `len(results.hits)` the page; iterating goes over the page's hits.
    def __iter__(self) -> Iterator[Hit]:
        """The hits of this page, best first (all matches: `NewsIndex.iter_hits`)."""
        return iter(self.hits)

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query, "total": self.total, "page": self.page, "limit": self.limit,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {name: [v.to_dict() for v in values] for name, values in self.facets.items()},
            "suggestion": self.suggestion, "hints": list(self.hints),
            "match": self.match, "total_all_words": self.total_all_words,
            "matched_all_words": self.matched_all_words,
            "undated": {"articles": self.articles, "undated_articles": self.undated_articles,
                        "undated_matches": self.undated_matches},
            **({"count_by": self.count_by, "collapsed": self.collapsed,
                "total_articles": self.total_articles, "total_stories": self.total_stories}
               if self.count_by == "story" else {}),
        }


def utc_aware(naive: datetime | None) -> datetime | None:
    """The index stores naive UTC; everything we hand out is aware."""
    return naive.replace(tzinfo=timezone.utc) if naive else None
