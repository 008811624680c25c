"""Coverage over time: how many articles matched in each day, week, month or year.

What media researchers compare across time and outlets (Media Cloud's "attention
over time") is the number of matching articles per period beside the number of
articles indexed in that period, and their ratio (`share`): a month with twice
the matches may only have twice the articles. So a timeline lists, for every
period from the first to the last (empty ones included, with 0), both counts;
`split` gives the same per source or section.

Nothing is dropped silently: undated articles are counted apart (`undated_*`),
and so are articles whose date is coarser than the period (an article dated
"March 2021" has no day: in a `by="day"` or `by="week"` timeline it is counted
in `coarser_*` by its precision, in a month or year timeline in its period;
periods.py). So `sum(p.matching for p in periods) + undated_matching +
sum(coarser_matching.values()) == total`, the query's exact total.

The span is the periods from the first to the last matching article, widened to
`since`/`until` when they are given. At most MAX_PERIODS periods are listed.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..errors import SearchOptionError
from . import periods
from .facets import ColumnCache

SPLITS = ("source", "section")
# 27 years of days, 190 of weeks: more lines than anyone reads, and a stray date
# (1900 in a 2021 corpus, a typo in a feed) must not ask for a million periods.
MAX_PERIODS = 10_000
NO_VALUE = None  # the split value of articles without a source or section
# A partial date's own label in a finer period (facets.ColumnCache.period_labels): its length
# says its precision ("2021" a year, "2021-03" a month).
_PARTIAL_BY_LENGTH = {4: "year", 7: "month"}


def _share(matching: int, articles: int) -> float | None:
    return matching / articles if articles else None


@dataclass(frozen=True)
class SplitCount:
    """One split value's counts in one period."""

    value: str | None  # None: articles without this field
    matching: int
    articles: int

    @property
    def share(self) -> float | None:
        """matching / articles; None for a period with no articles of this value."""
        return _share(self.matching, self.articles)

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "matching": self.matching, "articles": self.articles,
                "share": self.share}


@dataclass(frozen=True)
class TimelinePeriod:
    """One period: `label` is `2021-03-15`, `2021-W11`, `2021-03` or `2021`."""

    label: str
    start: date  # its first day (UTC)
    matching: int
    articles: int  # articles indexed in the period (under the same filters)
    split: tuple[SplitCount, ...] = ()  # per split value, in Timeline.split_values order

    @property
    def share(self) -> float | None:
        """matching / articles (what --normalize shows); None when no article is dated here."""
        return _share(self.matching, self.articles)

    def to_dict(self) -> dict[str, Any]:
        out = {"period": self.label, "start": self.start.isoformat(), "matching": self.matching,
               "articles": self.articles, "share": self.share}
        if self.split:
            out["split"] = [s.to_dict() for s in self.split]
        return out


@dataclass(frozen=True)
class Timeline:
    query: str
    by: str
    periods: list[TimelinePeriod]
    total: int  # every match, dated or not: the query's exact total
    undated_matching: int = 0
    undated_articles: int = 0
    # Articles whose date is coarser than `by` ("month" -> count), counted in no period.
    coarser_matching: dict[str, int] = field(default_factory=dict)
    coarser_articles: dict[str, int] = field(default_factory=dict)
    split: str | None = None
    split_values: tuple[str | None, ...] = ()  # most matches first

    @property
    def matching_in_periods(self) -> int:
        return sum(p.matching for p in self.periods)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "by": self.by, "split": self.split, "total": self.total,
                "periods": [p.to_dict() for p in self.periods],
                "undated": {"matching": self.undated_matching, "articles": self.undated_articles},
                "coarser": {"matching": dict(self.coarser_matching),
                            "articles": dict(self.coarser_articles)},
                "split_values": list(self.split_values)}


def check_options(by: str, split: str | None) -> None:
    if by not in periods.PERIODS:
        raise SearchOptionError(f"by must be one of {', '.join(periods.PERIODS)}, not {by!r}")
    if split is not None and split not in SPLITS:
        raise SearchOptionError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")


def _value(raw: Any) -> str | None:
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    return text or NO_VALUE


def build_timeline(query: str, by: str, matched: Collection[int], universe: Collection[int] | None,
                   columns: ColumnCache, *, live: Collection[int] = (), split: str | None = None,
                   since: datetime | None = None, until: datetime | None = None) -> Timeline:
    """Count `matched` (a subset of `universe`, the live articles under the filters; None:
    every one of `live`, counted once per snapshot) in every `by` period of the span
    (module docstring)."""
    check_options(by, split)
    labels = columns.period_labels(by)
    values = columns.column(split) if split else None
    matched = set(matched)

    def tally(docs: Collection[int]) -> tuple[Counter, Counter, int, Counter]:
        """(label -> n, (label, value) -> n, undated, precision -> n) of `docs`, counted in C
        (Counter over map): ~0.1 us an article against ~0.4 us for a Python loop."""
        by_label = Counter(map(labels.__getitem__, docs))
        undated = by_label.pop(None, 0)
        coarser: Counter = Counter()
        for text in [t for t in by_label if periods.label(periods.label_start(t), by) != t]:
            coarser[_PARTIAL_BY_LENGTH[len(text)]] += by_label.pop(text)  # "2021-03": a month
        by_value: Counter = Counter()
        if values is not None:  # per value, in the periods only (undated and coarser are apart)
            for (text, raw), n in Counter(zip(map(labels.__getitem__, docs),
                                              map(values.__getitem__, docs))).items():
                if text in by_label:
                    by_value[text, _value(raw)] += n
        return by_label, by_value, undated, coarser

    m_label, m_value, m_undated, m_coarser = tally(matched)
    if universe is None:  # every live article: the same for every query on this snapshot
        memo_key = ("timeline", by, split)
        if memo_key not in columns.memo:
            columns.memo[memo_key] = tally(live)
        a_label, a_value, a_undated, a_coarser = columns.memo[memo_key]
    else:
        a_label, a_value, a_undated, a_coarser = tally(universe)
    firsts = [periods.label_start(x) for x in m_label]
    first = since.date() if since else (min(firsts) if firsts else None)
    last = until.date() if until else (max(firsts) if firsts else None)
    starts: list[date] = []
    if first is not None and last is not None and first <= last:
        n = periods.count_periods(first, last, by)
        if n > MAX_PERIODS:
            raise SearchOptionError(
                f"a timeline by {by} from {first} to {last} has {n:,} periods (at most "
                f"{MAX_PERIODS:,}): choose a longer period (--by) or narrow it with --since/--until")
        starts = periods.starts(first, last, by)
    split_values: tuple[str | None, ...] = ()
    if values is not None:
        per_value: Counter = Counter()
        for (_, value), n in m_value.items():
            per_value[value] += n
        split_values = tuple(sorted(per_value, key=lambda v: (-per_value[v], v is None, v or "")))
    out = []
    for start in starts:
        text = periods.label(start, by)
        parts = tuple(SplitCount(v, m_value[text, v], a_value[text, v]) for v in split_values)
        out.append(TimelinePeriod(text, start, m_label[text], a_label[text], parts))
    return Timeline(query=query, by=by, periods=out, total=len(matched),
                    undated_matching=m_undated, undated_articles=a_undated,
                    coarser_matching=dict(m_coarser), coarser_articles=dict(a_coarser),
                    split=split, split_values=split_values)
