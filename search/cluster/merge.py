"""Merging shards' answers into the answer one index would give (pure functions).

One index orders matches by a total order (search/engine/evaluate.py): for relevance,
the articles holding every word of a question first, then by score, then newest first
(undated last), then by article id; for a date sort by the date, then the same tie order.
Every part of that key is a property of the article, not of where it is stored, so each
shard's top `page * limit` in that order, merged by the same key, is the single index's
top `page * limit`, and counts (totals, facets, undated) are sums over disjoint shards.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..results import FacetValue

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Ranked:
    """One match of a shard's page: what ordering needs, and the hit to show."""

    id: str
    score: float | None
    published: datetime | None   # aware UTC
    all_words: bool = True       # a question's match holding every word (listed first)
    hit: Any = None              # the search.results.Hit, without snippet or body


@dataclass(frozen=True)
class ShardPage:
    """A shard's part of one search: its first `end` matches in order, and its counts."""

    shard: str
    ranked: list[Ranked]
    total: int
    facets: dict[str, list[tuple[str | None, int]]] = field(default_factory=dict)
    empty: bool = False               # the shard had no articles (it answers with defaults)
    match: str = "all"
    total_all_words: int | None = None
    articles: int | None = None
    undated_articles: int | None = None
    undated_matches: int | None = None
    hints: list[str] = field(default_factory=list)


def _micros(published: datetime | None) -> int | None:
    return None if published is None else (published - _EPOCH) // _MICROSECOND


def order_key(r: Ranked, sort: str) -> tuple[Any, ...]:
    """The single index's sort key of a match (evaluate.py's `top`, `top_words`, `by_key`)."""
    when = _micros(r.published)
    newest = (1, 0) if when is None else (0, -when)   # tie order: newest first, undated last
    ident = r.id.encode("utf-8", "surrogatepass")      # the id column's bytes
    if sort == "relevance":
        return (not r.all_words, -(r.score or 0.0), newest, ident)
    if sort == "newest":
        return (newest, ident)
    return ((1, 0) if when is None else (0, when), ident)  # oldest first, undated last


def merge_ranked(pages: Sequence[ShardPage], sort: str, start: int, end: int) -> list[tuple[str, Ranked]]:
    """(shard, match) of ranks start..end-1 over every shard."""
    every = [(p.shard, r) for p in pages for r in p.ranked]
    every.sort(key=lambda sr: order_key(sr[1], sort))
    return every[start:end]


def _sum(values: Sequence[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def merge_facets(pages: Sequence[ShardPage], names: Sequence[str],
                 facet_size: int, empty_buckets: bool = False) -> dict[str, list[FacetValue]]:
    """Counts summed per value, sorted as query/facets.py's count_facet sorts them: dates
    by date (a partial date's own label, `1987-03` in a week facet, at its period's start),
    other values by count then value, the unknown bucket (None) last. `empty_buckets`:
    the shards count without them, and the merged date facet is filled between its first
    and last period as one index fills its own (a period empty on every shard is empty)."""
    from ..indexing.fields import DATE_FACETS
    from ..query import periods
    from ..query.facets import _with_empty_periods as with_empty_periods

    out: dict[str, list[FacetValue]] = {}
    for name in names:
        counts: dict[str | None, int] = {}
        for p in pages:
            for value, n in p.facets.get(name, ()):
                counts[value] = counts.get(value, 0) + n
        known = [(v, c) for v, c in counts.items() if v is not None]
        if name in DATE_FACETS:
            known.sort(key=lambda vc: (periods.label_start(vc[0]), len(vc[0])))
            if empty_buckets and known:
                known = with_empty_periods(known, DATE_FACETS[name])
        else:
            known.sort(key=lambda vc: (-vc[1], vc[0]))
        if counts.get(None):
            known.append((None, counts[None]))
        out[name] = [FacetValue(v, c) for v, c in (known[:facet_size] if facet_size else known)]
    return out


def merge_counts(pages: Sequence[ShardPage]) -> dict[str, Any]:
    """total, match, total_all_words and the undated counts over every shard. A shard
    without articles answers with the defaults of an empty index; the others decide."""
    answering = [p for p in pages if not p.empty] or list(pages)
    return {
        "total": sum(p.total for p in pages),
        "match": answering[0].match if answering else "all",
        "total_all_words": _sum([p.total_all_words for p in answering]),
        "articles": _sum([p.articles for p in answering]),
        "undated_articles": _sum([p.undated_articles for p in answering]),
        "undated_matches": _sum([p.undated_matches for p in answering]),
        "hints": answering[0].hints if answering else [],
    }
