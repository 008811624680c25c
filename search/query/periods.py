"""Calendar periods (day, week, month, year) and what a partial date may say about them.

One place for the period arithmetic that date facets (facets.py) and coverage
timelines (timeline.py) share, and for the rule that keeps partial dates honest:

- An article dated only "March 2021" (precision "month", stored as the month's
  first instant, 2021-03-01T00:00) belongs to the month and the year, but to no
  day or week: a period finer than its precision cannot place it (`places`).
- A date range matches a partial date only if the whole period is inside the
  range (`date_range`): `--until 2021-03-15` and `published:2021-03-01` do not
  match "March 2021", `published:2021-03` and `published:2021` do. Since a
  partial date is stored at its period's start, the only partial dates a plain
  range would wrongly match are those whose period starts at or before the
  range's end and runs past it: the month (or year) holding the end, one instant
  each. The range excludes those two instants' partial dates by their precision
  term, so the query stays set algebra over postings (engine/evaluate.py).

Dates are naive UTC (what the index stores). Weeks are ISO 8601 weeks (Monday
first), labelled `2021-W11` by their ISO year.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from ..article import PARTIAL_PRECISIONS

PERIODS = ("day", "week", "month", "year")
PRECISION_FIELD = "published_precision"  # the schema's field (indexing/schema.py)
_US_PER_DAY = 86_400_000_000
# The finest period each partial precision can be placed in (day and time: any period).
_FINEST = {"year": "year", "month": "month"}


def places(precision: str | None, by: str) -> bool:
    """Whether an article of `precision` can be counted in a period of unit `by`."""
    finest = _FINEST.get(precision or "")
    return finest is None or PERIODS.index(by) >= PERIODS.index(finest)


def period_start(day: date, by: str) -> date:
    """The first day of the `by` period holding `day`."""
    if by == "day":
        return day
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day.replace(month=1, day=1)


def next_start(start: date, by: str) -> date:
    """The first day of the period after the one starting on `start`."""
    if by == "day":
        return start + timedelta(days=1)
    if by == "week":
        return start + timedelta(days=7)
    if by == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return date(start.year + 1, 1, 1)


def label(start: date, by: str) -> str:
    """`2021-03-15`, `2021-W11`, `2021-03`, `2021`."""
    if by == "day":
        return start.isoformat()
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year:04d}-W{week:02d}"
    if by == "month":
        return f"{start.year:04d}-{start.month:02d}"
    return f"{start.year:04d}"


def partial_label(day: date, precision: str) -> str:
    """A partial date as shown in a finer facet: `2021-03` (a month), `2021` (a year)."""
    return label(day, _FINEST[precision])


def starts(first: date, last: date, by: str) -> list[date]:
    """The start of every `by` period from the one holding `first` to the one holding `last`."""
    out, current, end = [], period_start(first, by), period_start(last, by)
    while current <= end:
        out.append(current)
        current = next_start(current, by)
    return out


def count_periods(first: date, last: date, by: str) -> int:
    """How many periods `starts(first, last, by)` would list, without listing them."""
    a, b = period_start(first, by), period_start(last, by)
    if by == "day":
        return (b - a).days + 1
    if by == "week":
        return (b - a).days // 7 + 1
    if by == "month":
        return (b.year - a.year) * 12 + b.month - a.month + 1
    return b.year - a.year + 1


def day_of_column(raw: int) -> date:
    """The UTC day of a raw DATETIME column value (microseconds since 0001-01-01)."""
    return date.fromordinal(raw // _US_PER_DAY + 1)


def label_start(text: str) -> date:
    """The first day of a period label (`2021`, `2021-03`, `2021-W11`, `2021-03-15`): the
    order of date facet buckets, whatever their unit."""
    if "-W" in text:
        year, week = text.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    parts = [int(p) for p in text.split("-")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _period_end(moment: datetime, precision: str) -> datetime:
    """The first instant after the `precision` period holding `moment`."""
    start = period_start(moment.date(), precision)
    nxt = next_start(start, precision)
    return datetime(nxt.year, nxt.month, nxt.day)


def date_range(field: str, start: datetime | None, end: datetime | None) -> Any:
    """A range on `field` that matches a partial date only if its whole period is inside
    (see the module docstring): a plain DateRange unless the end cuts a month or a year."""
    from whoosh import query as wq

    whole = wq.DateRange(field, start, end)
    if end is None:
        return whole
    cut = []
    for precision in PARTIAL_PRECISIONS:
        first = datetime.combine(period_start(end.date(), precision), datetime.min.time())
        try:
            runs_past = _period_end(end, precision) - end > timedelta(microseconds=1)
        except (OverflowError, ValueError):  # the period after year 9999's
            runs_past = False
        if runs_past and (start is None or first >= start):
            cut.append(wq.And([wq.Term(PRECISION_FIELD, precision), wq.DateRange(field, first, first)]))
    if not cut:
        return whole
    return wq.And([whole, wq.Not(cut[0] if len(cut) == 1 else wq.Or(cut))])
