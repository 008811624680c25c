"""Dates in queries and filters, parsed by us (never by Whoosh's DateParserPlugin).

Whoosh 2.7.4's date plugin turns `[2024-05-01 to 2024-05-09]` into all of 2024
(../shared/whoosh-notes.md), so every date a user types goes through here and
becomes a `(start, end)` pair of naive UTC datetimes, the form the index stores.

A date names a *span*: `2021` is the whole year, `2021-09` the month,
`2021-09-03` the day. As a lower bound a span contributes its start, as an upper
bound its end, so `published:[2021-09-01 TO 2021-09-30]` includes all of the 30th.

Relative expressions are measured from `now` (injected, for tests):
`today`, `yesterday`, `now`, `-7d`/`7d` (also h, w, m = 30 days, y = 365 days),
`last week`/`past week` (the 7 days up to now; likewise `last month` = 30 days,
`last year` = 365 days, `last 3 days`), `this week|month|year` (calendar, from its start).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ..errors import QueryError

DATE_HINT = ("write a date as YYYY-MM-DD, YYYY-MM or YYYY, or relative as 7d, "
             "yesterday, today, last week")

_ONE_US = timedelta(microseconds=1)
_ISO = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2})"
    r"(?:[Tt ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?P<tz>[Zz]|[+-]\d{2}:?\d{2})?)?)?)?$")
_OFFSET = re.compile(r"^(?P<sign>[-+]?)(?P<n>\d+)\s*(?P<unit>h|d|w|m|y)$")
_LAST = re.compile(r"^(?:last|past)\s+(?:(?P<n>\d+)\s+)?(?P<unit>hour|day|week|month|year)s?$")
_UNIT_DAYS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30, "y": 365,
              "hour": 1 / 24, "day": 1, "week": 7, "month": 30, "year": 365}

Span = tuple[datetime, datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _bad(text: str, position: int | None, why: str = "") -> QueryError:
    what = f"bad date '{text}'" + (f": {why}" if why else "")
    return QueryError(what, position=position, hint=DATE_HINT)


def _next_month(y: int, m: int) -> datetime:
    return datetime(y + 1, 1, 1) if m == 12 else datetime(y, m + 1, 1)


def _iso_span(match: re.Match[str], text: str, position: int | None) -> Span:
    y = int(match["y"])
    try:
        if match["m"] is None:
            return datetime(y, 1, 1), datetime(y + 1, 1, 1) - _ONE_US
        m = int(match["m"])
        if match["d"] is None:
            return datetime(y, m, 1), _next_month(y, m) - _ONE_US
        d = int(match["d"])
        if match["H"] is None:
            start = datetime(y, m, d)
            return start, start + timedelta(days=1) - _ONE_US
        moment = datetime(y, m, d, int(match["H"]), int(match["M"]), int(match["S"] or 0))
    except ValueError as exc:  # month 13, February 30th...
        raise _bad(text, position, str(exc)) from None
    tz = match["tz"]
    if tz and tz.upper() != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        moment = (moment.replace(tzinfo=timezone(sign * offset))
                  .astimezone(timezone.utc).replace(tzinfo=None))
    return moment, moment


def parse_span(text: str, now: datetime, position: int | None = None) -> Span:
    """The span of time `text` names, as inclusive naive-UTC bounds."""
    t = " ".join(text.strip().lower().split())
    if not t:
        raise _bad(text, position, "empty")
    m = _ISO.match(t)
    if m:
        return _iso_span(m, text, position)
    day = datetime(now.year, now.month, now.day)
    if t == "now":
        return now, now
    if t == "today":
        return day, day + timedelta(days=1) - _ONE_US
    if t == "yesterday":
        return day - timedelta(days=1), day - _ONE_US
    if t.startswith("this "):
        unit = t[5:]
        if unit == "week":
            return day - timedelta(days=day.weekday()), now
        if unit == "month":
            return day.replace(day=1), now
        if unit == "year":
            return datetime(now.year, 1, 1), now
    m = _LAST.match(t)
    if m:
        n = int(m["n"] or 1)
        return now - timedelta(days=n * _UNIT_DAYS[m["unit"]]), now
    m = _OFFSET.match(t)
    if m:
        delta = timedelta(days=int(m["n"]) * _UNIT_DAYS[m["unit"]])
        # "-7d" and "7d" both mean "7 days ago": nobody searches the future.
        moment = now - delta
        return moment, now
    raise _bad(text, position)


def parse_bound(text: str, now: datetime, *, upper: bool, position: int | None = None) -> datetime:
    """One end of a range: the start of the named span, or its end when `upper`.

    Relative offsets (`7d`) name a moment, so they are the same as either bound.
    """
    start, end = parse_span(text, now, position)
    if _OFFSET.match(" ".join(text.strip().lower().split())):
        return start
    return end if upper else start


def parse_range(low: str | None, high: str | None, now: datetime,
                position: int | None = None) -> tuple[datetime | None, datetime | None]:
    """`[low TO high]` with either side optional; refuses an empty (reversed) range."""
    start = parse_bound(low, now, upper=False, position=position) if low else None
    end = parse_bound(high, now, upper=True, position=position) if high else None
    if start is not None and end is not None and start > end:
        raise QueryError(f"date range starts after it ends ({low} > {high})", position=position,
                         hint="put the earlier date first")
    return start, end
