"""Dates in queries and filters, parsed by us (never by Whoosh's DateParserPlugin).

Whoosh 2.7.4's date plugin turns `[2024-05-01 to 2024-05-09]` into all of 2024
(../shared/whoosh-notes.md), so every date a user types goes through here and
becomes a `(start, end)` pair of naive UTC datetimes, the form the index stores.

A date names a *span*: `2021` is the whole year, `2021-09` the month,
`2021-09-03` the day. As a lower bound a span contributes its start, as an upper
bound its end, so `published:[2021-09-01 TO 2021-09-30]` includes all of the 30th.

This is the one date grammar of news-search: the query language (`published:`),
`query --since/--until` and `alerts show --since` (schedule/timing.py) all read dates
here, so `1m` means the same everywhere.

Relative expressions are measured from `now` (naive UTC, injected for tests):
- `2d` / `-2d` / `last 2 days`: the last two *calendar days* in UTC, today included, as
  whole days (at 01:18 `2d` still covers all of yesterday); likewise `w` (7 days), `m`
  (months: `1m` on 2 Dec starts on 3 Nov) and `y` (years); `last week` = `1w`.
- `90min`, `24h`, `last 3 hours`: that long before now (minutes are `min`: `m` is a month).
- `today`, `yesterday`, `now`, `this week|month|year` (calendar, from its start).
Absolute dates: ISO (`2021`, `2021-09`, `2021-09-03`, `2021-09-03T10:00+02:00`), read
here; other written forms ingestion meets (`Nov 30 2026`, `30 November 2026`, `November
2026`, `30.11.2026`, `26-FEB-1987`) are read by dateparser, with rules that never guess:
a four-digit year is required (`30 November` alone is refused, not put in some year), a
numeric date whose day and month could swap (`03/04/2026`) is refused, and a day
dateparser supplies that the text does not hold is refused. dateparser is imported only
for such dates (it costs ~0.3 s to load; ISO and relative dates never load it).

Every date must fall within years 1-9999 (what Python's datetime holds): a
date or an offset beyond them (`published:9999-12-31` ends on the last
representable day; `last 99999999 years` reaches before year 1) is a
QueryError saying so, never an OverflowError. UTC offsets are limited to
+-18:00, as in java.time (real ones span -12:00..+14:00).
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from ..errors import QueryError
from .limits import excerpt

DATE_HINT = ("write a date as 2021-09-30, 2021-09, 2021, 'Sep 30 2021', or relative as 2d, "
             "1m, 24h, 90min, yesterday, last week")
RANGE_HINT = "dates must be within years 1-9999"
MAX_OFFSET = timedelta(hours=18)
_MAX_DIGITS = 9  # of a relative count: 999,999,999 days is already beyond year 9999

_ONE_US = timedelta(microseconds=1)
# The patterns are strings, compiled by `re` on first use (and kept in its cache): a query
# without a date compiles none of them (~1 ms of a cold `news-search query`).
_ISO = (
    r"^(?P<y>\d{4})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2})"
    r"(?:[Tt ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?P<tz>[Zz]|[+-]\d{2}:?\d{2})?)?)?)?$")
_OFFSET = r"^(?P<sign>[-+]?)(?P<n>\d+)\s*(?P<unit>min|h|d|w|m|y)$"
_LAST = (r"^(?:last|past)\s+(?:(?P<n>\d+)\s+)?"
         r"(?P<unit>minute|min|hour|day|week|month|year)s?$")
# unit -> (kind, size): a "moment" unit counts back from now; a "days"/"months" unit
# counts whole calendar days back from the start of today, today included.
_UNITS = {"min": ("moment", timedelta(minutes=1)), "minute": ("moment", timedelta(minutes=1)),
          "h": ("moment", timedelta(hours=1)), "hour": ("moment", timedelta(hours=1)),
          "d": ("days", 1), "day": ("days", 1), "w": ("days", 7), "week": ("days", 7),
          "m": ("months", 1), "month": ("months", 1), "y": ("months", 12), "year": ("months", 12)}
_NUMERIC = r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})$"
_HAS_YEAR = r"(?<![\d:])(?<!\s[+-])\d{4}(?![\d:])"  # not a " +0200" zone
_DAY_NUMBER = r"(?<![\d:.])(\d{1,2})(?:st|nd|rd|th)?(?![\d:])"
_TIME = r"\d{1,2}:\d{2}"
_DATEPARSER_SETTINGS = {
    "PARSERS": ["absolute-time"],            # relative dates are ours (above)
    "REQUIRE_PARTS": ["year", "month"],
    "TIMEZONE": "UTC", "TO_TIMEZONE": "UTC",  # a date without a zone is UTC, as ingestion reads it
    "RETURN_AS_TIMEZONE_AWARE": True,
    "PREFER_DAY_OF_MONTH": "first",
}
_date_parser = None

Span = tuple[datetime, datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _bad(text: str, position: int | None, why: str = "") -> QueryError:
    what = f"bad date '{excerpt(text)}'" + (f": {why}" if why else "")
    return QueryError(what, position=position, hint=DATE_HINT)


def _out_of_range(text: str, position: int | None) -> QueryError:
    return QueryError(f"date '{excerpt(text)}' is out of range", position=position, hint=RANGE_HINT)


def _days_in_month(y: int, m: int) -> int:
    """calendar.monthrange(y, m)[1], without importing calendar (~4 ms of start-up)."""
    if not 1 <= m <= 12:
        raise ValueError(f"month must be in 1..12, not {m}")
    if m == 2:
        return 29 if y % 4 == 0 and (y % 100 != 0 or y % 400 == 0) else 28
    return 30 if m in (4, 6, 9, 11) else 31


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
            return datetime(y, m, 1), _end_of_day(y, m, _days_in_month(y, m))
        d = int(match["d"])
        if match["H"] is None:
            return datetime(y, m, d), _end_of_day(y, m, d)
        moment = datetime(y, m, d, int(match["H"]), int(match["M"]), int(match["S"] or 0))
    except ValueError as exc:  # month 13, February 30th...
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


def _ago(now: datetime, count: str | None, unit: str, text: str, position: int | None) -> datetime:
    """The start of the last `count` units before `now` (see the module docstring), or a
    QueryError when that is before year 1."""
    n = int(count) if count and len(count) <= _MAX_DIGITS else (1 if not count else None)
    kind, size = _UNITS[unit]
    try:
        if n is None:
            raise OverflowError
        if kind == "moment":
            return now - n * size
        today = datetime(now.year, now.month, now.day)
        if kind == "days":
            return today - timedelta(days=max(n * size - 1, 0))
        # months: the day after the same date n months ago (2 Dec - 1m = 3 Nov)
        months = now.year * 12 + now.month - 1 - n * size
        year, month = divmod(months, 12)
        if year < 1:
            raise OverflowError
        day = min(now.day, _days_in_month(year, month + 1))
        return datetime(year, month + 1, day) + timedelta(days=1)
    except OverflowError:
        raise QueryError(f"'{excerpt(text)}' reaches back before year 1", position=position,
                         hint=RANGE_HINT) from None


def _numeric_span(m: re.Match[str], text: str, position: int | None) -> Span:
    """`30.11.2026`, `11/30/2026`, `2026/11/30`: refused when day and month could swap."""
    a, b, c = m.groups()
    if len(a) == 4:
        y, first, second = int(a), int(b), int(c)
        order = "ymd"
    elif len(c) == 4:
        y, first, second = int(c), int(a), int(b)
        order = "dmy"
    else:
        raise _bad(text, position, "give the year in four digits")
    if order == "ymd":
        month, day = first, second
    elif first <= 12 and second <= 12 and first != second:
        raise _bad(text, position, f"{first} and {second} could each be the day or the month: "
                   "write it as YYYY-MM-DD")
    else:
        day, month = (first, second) if first > 12 or first == second else (second, first)
    try:
        return datetime(y, month, day), _end_of_day(y, month, day)
    except ValueError as exc:
        raise _bad(text, position, str(exc)) from None


def _written_span(text: str, position: int | None) -> Span:
    """A date written out (`Nov 30 2026`, `30 November 2026`, `November 2026`), read by
    dateparser and checked against the text so that nothing is guessed."""
    global _date_parser
    years = re.findall(_HAS_YEAR, text)
    if len(years) != 1:
        raise _bad(text, position, "give the year in four digits" if not years else "")
    if _date_parser is None:
        from dateparser.date import DateDataParser

        _date_parser = DateDataParser(languages=["en"], settings=_DATEPARSER_SETTINGS)
    try:
        data = _date_parser.get_date_data(text)
    except Exception:  # noqa: BLE001 - dateparser's failures are "not a date"
        data = None
    moment = data.date_obj if data else None
    if moment is None or moment.year != int(years[0]):
        raise _bad(text, position)
    moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    days = [int(d) for d in re.findall(_DAY_NUMBER, re.sub(_HAS_YEAR, " ", text))]
    if re.search(_TIME, text):  # a moment; its UTC day may be the written day +-1 (the zone)
        if not {(moment + timedelta(days=k)).day for k in (-1, 0, 1)} & set(days):
            raise _bad(text, position, "give the day of the month")
        return moment, moment
    if data.period == "month" or not days:
        y, m = moment.year, moment.month
        return datetime(y, m, 1), _end_of_day(y, m, _days_in_month(y, m))
    if days != [moment.day]:
        raise _bad(text, position)
    return datetime(moment.year, moment.month, moment.day), _end_of_day(moment.year, moment.month, moment.day)


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
    m = re.match(_ISO, t)
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
    m = re.match(_LAST, t)
    if m:
        return _ago(now, m["n"], m["unit"], text, position), now
    m = re.match(_OFFSET, t)
    if m:
        # "-7d" and "7d" both mean "the last 7 days": nobody searches the future.
        return _ago(now, m["n"], m["unit"], text, position), now
    m = re.match(_NUMERIC, t)
    if m:
        return _numeric_span(m, text, position)
    if any(c.isdigit() for c in t) and any(c.isalpha() for c in t):
        return _written_span(" ".join(text.split()), position)
    raise _bad(text, position)


def parse_bound(text: str, now: datetime, *, upper: bool, position: int | None = None) -> datetime:
    """One end of a range: the start of the named span, or its end when `upper`.

    Relative offsets (`7d`) name a moment, so they are the same as either bound.
    """
    start, end = parse_span(text, now, position)
    if re.match(_OFFSET, " ".join(text.strip().lower().split())):
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
