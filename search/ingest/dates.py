"""Publication dates: parsed from what files say, normalised to aware UTC.

A date that cannot be parsed becomes None, never a guess: a wrong date is worse
than no date for a news archive (it misfiles an article in every date facet).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from dateutil import parser as dateutil_parser

# Reuters-21578: "26-FEB-1987 15:01:01.79" (centiseconds).
_REUTERS = re.compile(r"^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,2}))?\s*$")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_HAS_DIGIT = re.compile(r"\d")
_HAS_YEAR = re.compile(r"(?<!\d)(1[89]|2[01])\d\d(?!\d)")


def to_utc(dt: datetime) -> datetime:
    """Naive values are taken as UTC (news exports rarely say otherwise)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def parse_date(value: str | datetime | None) -> datetime | None:
    """ISO 8601, RFC 2822, "27 September 2021", "Sep 27, 2021", Reuters' format."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_utc(value)
    text = str(value).strip()
    if not text or not _HAS_DIGIT.search(text):
        return None
    m = _REUTERS.match(text)
    if m and m.group(2).lower() in _MONTHS:
        day, mon, year, hh, mm, ss, cs = m.groups()
        return datetime(int(year), _MONTHS[mon.lower()], int(day), int(hh), int(mm), int(ss),
                        int((cs or "0").ljust(2, "0")) * 10000, tzinfo=timezone.utc)
    try:
        return to_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    try:
        return to_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        pass
    if not _HAS_YEAR.search(text):
        return None  # dateutil would fill the year in from today: that is inventing
    try:
        dt = dateutil_parser.parse(text, fuzzy=False)
    except (ValueError, OverflowError, TypeError):
        return None
    if not 1800 <= dt.year <= 2200:
        return None
    return to_utc(dt)
