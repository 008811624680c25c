"""The search page's date histogram, from the API's `published:year|month|day` facets.

Pure functions: facet counts in, bars out. The unit follows the span of the dates
shown: days up to 62 days (two months of bars), months up to 36 months, years
beyond. Empty buckets between the first and last dated match are shown (a gap in
coverage is information). The facets count all matches and ignore the date
filter (the API's rule: a facet ignores its own field's filter), so the window
chosen with since/until narrows the bars here: clicking a year shows its months,
clicking a month its days.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Sequence

MAX_DAY_SPAN = 62
MAX_MONTH_SPAN = 36
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True)
class Bar:
    label: str      # "1987", "1987-03" or "1987-03-02": also the since/until of its filter
    count: int
    height: int     # percent of the tallest bar (at least 2 when count > 0, to be seen)
    selected: bool  # the bar is exactly the window chosen


@dataclass(frozen=True)
class Histogram:
    unit: str       # "year", "month" or "day"
    bars: list[Bar]
    undated: int    # matches without a date (not drawn)


def _window(since: str | None, until: str | None) -> tuple[str, str]:
    """The labels' range the since/until filter covers; relative dates ("7d") do not narrow it."""
    lo = since if since and _DATE.match(since) else "0000"
    hi = until if until and _DATE.match(until) else "9999"
    return lo, hi + "\uffff"  # until 1987-03 takes in 1987-03-31


def _months(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _days(first: str, last: str) -> list[str]:
    d, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(d + timedelta(days=i)).isoformat() for i in range((end - d).days + 1)]


def _years(first: str, last: str) -> list[str]:
    return [f"{y:04d}" for y in range(int(first), int(last) + 1)]


def build_histogram(facets: dict[str, Sequence[dict[str, Any]]], since: str | None = None,
                    until: str | None = None) -> Histogram | None:
    """Bars over the dated matches inside the window; None when no match has a date."""
    lo, hi = _window(since, until)
    # (a date known only to the month or year has its own label, `2021-03`: no day to draw)
    days = {v["value"]: v["count"] for v in facets.get("published:day", ())
            if v["value"] is not None and len(v["value"]) == 10 and lo <= v["value"] <= hi}
    # undated matches are out of any date window; without one they are counted, not drawn
    undated = 0 if since or until else next(
        (v["count"] for v in facets.get("published:day", ()) if v["value"] is None), 0)
    if not days:
        return None
    first, last = min(days), max(days)
    span_days = (date.fromisoformat(last) - date.fromisoformat(first)).days + 1
    if span_days <= MAX_DAY_SPAN:
        unit, labels, counts = "day", _days(first, last), days
    else:
        months = _months(first[:7], last[:7])
        if len(months) <= MAX_MONTH_SPAN:
            unit, labels = "month", months
        else:
            unit, labels = "year", _years(first[:4], last[:4])
        width = len(labels[0])
        counts = {}
        for label, n in days.items():
            counts[label[:width]] = counts.get(label[:width], 0) + n
    top = max(counts.values())
    bars = [Bar(label, counts.get(label, 0),
                max(2, round(100 * counts[label] / top)) if counts.get(label) else 0,
                since == label and until == label)
            for label in labels]
    return Histogram(unit, bars, undated)
