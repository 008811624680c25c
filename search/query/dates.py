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

Every date must fall within years 1-9999 (what Python's datetime holds): a
date or an offset beyond them (`published:9999-12-31` ends on the last
representable day; `last 99999999 years` reaches before year 1) is a
QueryError saying so, never an OverflowError. UTC offsets are limited to
+-18:00, as in java.time (real ones span -12:00..+14:00).
"""
from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone

from ..errors import QueryError
from .limits import excerpt

DATE_HINT = ("write a date as YYYY-MM-DD, YYYY-MM or YYYY, or relative as 7d, "
             "yesterday, today, last week")
RANGE_HINT = "dates must be within years 1-9999"
MAX_OFFSET = timedelta(hours=18)
_MAX_DIGITS = 9  # of a relative count: 999,999,999 days is already beyond year 9999

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
    what = f"bad date '{excerpt(text)}'" + (f": {why}" if why else "")
    return QueryError(what, position=position, hint=DATE_HINT)


def _out_of_range(text: str, position: int | None) -> QueryError:
    return QueryError(f"date '{excerpt(text)}' is out of range", position=position, hint=RANGE_HINT)


def _end_of_day(y: int, m: int, d: int) -> datetime:
    """The last microsecond of a day (built directly: adding a day overflows on 9999-12-31)."""
    return datetime(y, m, d, 23, 59, 59, 999999)


def _iso_span(match: re.Match[str], text: str, position: int | None) -> Span:
    y = int(match["y"])
    if y < 1:
        raise _out_of_range(text, position)
    try:
        if match["m"] is None:
            return datetime(y, 1, 1), _end_of_day(y, 12, 31)
        m = int(match["m"])
        if match["d"] is None:
            return datetime(y, m, 1), _end_of_day(y, m, calendar.monthrange(y, m)[1])
        d = int(match["d"])
        if match["H"] is None:
            return datetime(y, m, d), _end_of_day(y, m, d)
        moment = datetime(y, m, d, int(match["H"]), int(match["M"]), int(match["S"] or 0))
    except (ValueError, calendar.IllegalMonthError) as exc:  # month 13, February 30th...
        raise _bad(text, position, str(exc)) from None
    tz = match["tz"]
    if tz and tz.upper() != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        offset = timedelta(hours=hours, minutes=minutes)
        if minutes > 59 or offset > MAX_OFFSET:
            raise _bad(text, position, f"UTC offset {tz} is not between -18:00 and +18:00")
        try:
            moment = (moment.replace(tzinfo=timezone(sign * offset))
                      .astimezone(timezone.utc).replace(tzinfo=None))
        except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC
            raise _out_of_range(text, position) from None
    return moment, moment


def _ago(now: datetime, count: str | None, days_per_unit: float, text: str,
         position: int | None) -> datetime:
    """`now` minus `count` units, or a QueryError when that is before year 1."""
    n = int(count) if count and len(count) <= _MAX_DIGITS else (1 if not count else None)
    try:
        if n is None:
            raise OverflowError
        return now - timedelta(days=n * days_per_unit)
    except OverflowError:
        raise QueryError(f"'{excerpt(text)}' reaches back before year 1", position=position,
                         hint=RANGE_HINT) from None


def parse_span(text: str, now: datetime, position: int | None = None) -> Span:
    """The span of time `text` names, as inclusive naive-UTC bounds."""
    try:
        return _span(text, now, position)
    except OverflowError:  # "today" with a `now` of 9999-12-31, "yesterday" in year 1...
        raise _out_of_range(text, position) from None


def _span(text: str, now: datetime, position: int | None) -> Span:
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
        return _ago(now, m["n"], _UNIT_DAYS[m["unit"]], text, position), now
    m = _OFFSET.match(t)
    if m:
        # "-7d" and "7d" both mean "7 days ago": nobody searches the future.
        return _ago(now, m["n"], _UNIT_DAYS[m["unit"]], text, position), now
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
        raise QueryError(f"date range starts after it ends ({excerpt(low)} > {excerpt(high)})", position=position,
                         hint="put the earlier date first")
    return start, end
