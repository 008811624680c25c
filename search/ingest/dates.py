"""Publication dates: parsed from what files say, normalised to aware UTC.

A date that cannot be parsed becomes None, never a guess: a wrong date is worse
than no date for a news archive (it misfiles an article in every date facet).

Time zones: numeric offsets in every form (`+05`, `+0530`, `-01:01`, `GMT+2`,
`UTC-04:00`) and the named zones of ZONE_OFFSETS, the one table of names. A name
that means several zones (AMBIGUOUS_ZONES: IST is India, Ireland or Israel) or
none we know is not guessed: the date is left empty and `why_no_date` says why.
No third-party warning reaches the terminal.

Precision: a date is kept at the precision the text gives it (PRECISIONS: year,
month, day, time). `March 2021`, `2021-03` and `2003` are not days: they are
stored at the first instant of their period with the precision beside them
(`parse_date_precise`), and shown as `2021-03`, `2003` (`article.format_published`).
dateutil fills a missing part from today (`2003` became 2003-12-02 on 2 December);
here every part dateutil would supply is detected by parsing with two different
defaults, and a part that differs between them was not in the text.
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from dateutil import parser as dateutil_parser
from dateutil.parser import UnknownTimezoneWarning

from ..article import PARTIAL_PRECISIONS

# Zone abbreviations with one meaning in news text, as hours east of UTC.
ZONE_OFFSETS: dict[str, float] = {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1,
    "CET": 1, "CEST": 2, "MET": 1, "MEST": 2, "MEZ": 1, "MESZ": 2, "EET": 2, "EEST": 3,
    "MSK": 3, "MSD": 4, "TRT": 3, "WAT": 1, "CAT": 2, "EAT": 3, "SAST": 2,
    "EST": -5, "EDT": -4, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "ADT": -3, "NST": -3.5, "NDT": -2.5,
    "BRT": -3, "ART": -3, "PKT": 5, "NPT": 5.75, "ICT": 7, "WIB": 7, "HKT": 8, "SGT": 8,
    "AWST": 8, "PHT": 8, "JST": 9, "KST": 9, "ACST": 9.5, "ACDT": 10.5, "AEST": 10,
    "AEDT": 11, "NZST": 12, "NZDT": 13,
}
# Abbreviations that name several zones: reported, never resolved.
AMBIGUOUS_ZONES: dict[str, str] = {
    "IST": "India +05:30, Ireland +01:00 or Israel +02:00",
    "CST": "US Central -06:00, China +08:00 or Cuba -05:00",
    "BST": "British Summer +01:00 or Bangladesh +06:00",
    "AST": "Atlantic -04:00 or Arabia +03:00",
    "ECT": "Ecuador -05:00 or Eastern Caribbean -04:00",
    "GST": "Gulf +04:00 or South Georgia -02:00",
    "SST": "Samoa -11:00 or Singapore +08:00",
}
_ZONE_WORD = re.compile(r"(?<![A-Za-z])\(?([A-Z]{2,5})\)?(?![A-Za-z])")
# "GMT+3" means three hours east here, as people write it (dateutil reads it POSIX-style, west).
_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC|UT)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b")
# email.utils is exact on RFC 2822 and sloppy elsewhere ("8:19 AM -0700": "AM" taken for UTC).
_RFC2822 = re.compile(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}"
                      r"(?::\d{2})?\s*(?:[+-]\d{4}|[A-Za-z]{1,5})?\s*$")
_MONTH_OR_DAY = frozenset("JAN FEB MAR APR MAY JUN JUL AUG SEP SEPT OCT NOV DEC MON TUE WED THU FRI "
                          "SAT SUN AM PM".split())

# Reuters-21578: "26-FEB-1987 15:01:01.79" (centiseconds).
_REUTERS = re.compile(r"^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,2}))?\s*$")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_HAS_DIGIT = re.compile(r"\d")
_HAS_YEAR = re.compile(r"(?<!\d)(1[89]|2[01])\d\d(?!\d)")
_ISO_DATE_ONLY = re.compile(r"^\s*\d{4}-?\d{2}-?\d{2}\s*$")


# Two defaults that differ in every part: a part that comes out differently was not written.
_DEFAULTS = (datetime(2000, 1, 1, 0, 0, 0), datetime(2001, 2, 2, 1, 1, 1))
_ISO_PARTIAL = re.compile(r"^\s*(\d{4})(?:-(\d{1,2}))?\s*$")  # "2003", "2003-12"


@dataclass(frozen=True)
class ParsedDate:
    """An aware-UTC instant and how much of it the text gave: for "year" and "month",
    `when` is the first instant of that period (UTC), never an invented day."""

    when: datetime
    precision: str


def _offset(hours: float) -> str:
    minutes = round(abs(hours) * 60)
    return f"{'-' if hours < 0 else '+'}{minutes // 60:02d}{minutes % 60:02d}"


def _numeric_offset(m: re.Match[str]) -> str:
    return f"{m.group(1)}{int(m.group(2)):02d}{m.group(3) or '00'}"


def _named_offset(m: re.Match[str]) -> str:
    hours = ZONE_OFFSETS.get(m.group(1))
    return m.group(0) if hours is None else _offset(hours)


def to_utc(dt: datetime) -> datetime:
    """Naive values are taken as UTC (news exports rarely say otherwise)."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def zone_problem(text: str) -> str | None:
    """Why the zone named in `text` cannot be used (ambiguous or unknown), or None."""
    for word in _ZONE_WORD.findall(text):
        if word in AMBIGUOUS_ZONES:
            return f"ambiguous time zone {word!r} ({AMBIGUOUS_ZONES[word]})"
        if word not in ZONE_OFFSETS and word not in _MONTH_OR_DAY and re.search(r"\d:\d\d", text):
            return f"unknown time zone {word!r}"
    return None


def why_no_date(value: object) -> str:
    """For provenance, when `parse_date` gave None."""
    text = str(value).strip()
    problem = zone_problem(text) if _HAS_DIGIT.search(text) else None
    return f"{problem} in {text[:60]!r}: left empty" if problem else f"unparseable {text[:60]!r}: left empty"


def parse_date(value: str | datetime | None) -> datetime | None:
    """The instant of `parse_date_precise` (the first instant of a partial date's period)."""
    parsed = parse_date_precise(value)
    return parsed.when if parsed else None


def _precision_of(dt: datetime, other: datetime) -> str | None:
    """Which parts of two parses of one text with different defaults agree."""
    if dt.year != other.year:
        return None  # no year in the text: dateutil would take this one's
    if dt.month != other.month:
        return "year"
    if dt.day != other.day:
        return "month"
    if (dt.hour, dt.minute) != (other.hour, other.minute):
        return "day"
    return "time"


def parse_date_precise(value: str | datetime | None) -> ParsedDate | None:
    """ISO 8601, RFC 2822, "27 September 2021", "Sep 27, 2021", "March 2021", "2003",
    Reuters' format, with numeric and named (ZONE_OFFSETS) time zones; None when the
    text holds no date (or no year: dateutil would take today's)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return ParsedDate(to_utc(value), "time")
    text = str(value).strip()
    if not text or not _HAS_DIGIT.search(text):
        return None
    m = _REUTERS.match(text)
    if m and m.group(2).lower() in _MONTHS:
        day, mon, year, hh, mm, ss, cs = m.groups()
        return ParsedDate(datetime(int(year), _MONTHS[mon.lower()], int(day), int(hh), int(mm), int(ss),
                                   int((cs or "0").ljust(2, "0")) * 10000, tzinfo=timezone.utc), "time")
    m = _ISO_PARTIAL.match(text)
    if m:
        year, month = int(m.group(1)), m.group(2)
        if not 1800 <= year <= 2200 or (month and not 1 <= int(month) <= 12):
            return None
        if month:
            return ParsedDate(datetime(year, int(month), 1, tzinfo=timezone.utc), "month")
        return ParsedDate(datetime(year, 1, 1, tzinfo=timezone.utc), "year")
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return ParsedDate(to_utc(dt), "day" if _ISO_DATE_ONLY.match(text) else "time")
    except ValueError:
        pass
    if zone_problem(text):
        return None
    text = _ZONE_WORD.sub(_named_offset, _GMT_OFFSET.sub(_numeric_offset, text))
    if _RFC2822.match(text):
        try:
            return ParsedDate(to_utc(parsedate_to_datetime(text)), "time")
        except (TypeError, ValueError, IndexError):
            pass
    if not _HAS_YEAR.search(text):
        return None  # dateutil would fill the year in from today: that is inventing
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", UnknownTimezoneWarning)
            dt, other = (dateutil_parser.parse(text, fuzzy=False, default=d) for d in _DEFAULTS)
    except (ValueError, OverflowError, TypeError, UnknownTimezoneWarning):
        return None
    precision = _precision_of(dt, other)
    if precision is None or not 1800 <= dt.year <= 2200:
        return None
    if precision in PARTIAL_PRECISIONS:  # the period's first instant, whatever dateutil filled
        dt = dt.replace(month=1 if precision == "year" else dt.month, day=1, hour=0, minute=0,
                        second=0, microsecond=0, tzinfo=dt.tzinfo or timezone.utc)
    elif precision == "day":
        dt = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    return ParsedDate(to_utc(dt), precision)
