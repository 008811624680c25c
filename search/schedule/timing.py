"""When runs are due: `--every 15m` and `--cron "*/15 * * * *"`, as pure functions.

Intervals are measured on the monotonic clock, so a wall-clock jump (NTP, DST,
a suspended VM) never makes the scheduler fire twice or stall; cron expressions
name wall-clock times by definition, so they are evaluated in local time, as
crontab does. Cron parsing is cronsim's (the library healthchecks.io runs on),
not a hand-rolled parser.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from cronsim import CronSim, CronSimError

from ..errors import ScheduleError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$", re.IGNORECASE)


def parse_interval(text: str) -> float:
    """'15m' -> 900.0 seconds. Units: s, m, h, d; a unit is required (is '15' minutes?)."""
    m = _INTERVAL.match(text or "")
    if not m:
        raise ScheduleError(f"cannot read the interval {text!r}: write a number and a unit "
                          "s, m, h or d, e.g. 30s, 15m, 2h, 1d")
    seconds = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if seconds <= 0:
        raise ScheduleError(f"the interval {text!r} must be longer than zero")
    return seconds


def format_seconds(seconds: float) -> str:
    """Short human duration for log lines: 0.4s, 12.3s, 4m05s, 2h10m."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def check_cron(expr: str) -> str:
    """The expression, validated now so a typo fails at start, not at the first due time."""
    try:
        CronSim(expr, datetime.now().astimezone())
    except CronSimError as exc:
        raise ScheduleError(f"cannot read the cron expression {expr!r}: {exc} "
                          "(five fields: minute hour day-of-month month day-of-week, "
                          "e.g. '*/15 * * * *')") from None
    return expr


@dataclass(frozen=True)
class Schedule:
    """A fixed interval in seconds or a cron expression; neither means a single run (--once)."""

    every: float | None = None
    cron: str | None = None
    every_text: str | None = None  # as the user wrote it, for logs and schedule.json

    @classmethod
    def from_options(cls, every: str | None, cron: str | None) -> "Schedule":
        if bool(every) == bool(cron):
            raise ScheduleError("give exactly one of --every (e.g. --every 15m) or "
                              "--cron (e.g. --cron '*/15 * * * *')")
        if every:
            return cls(every=parse_interval(every), every_text=every.strip())
        return cls(cron=check_cron(cron.strip()))

    def describe(self) -> str:
        if self.every is None and self.cron is None:
            return "once"
        return f"every {self.every_text}" if self.every is not None else f"cron '{self.cron}'"

    def to_dict(self) -> dict[str, object]:
        if self.every is None and self.cron is None:
            return {"once": True}
        if self.every is not None:
            return {"every": self.every_text, "seconds": self.every}
        return {"cron": self.cron}

    @property
    def runs_at_start(self) -> bool:
        """An interval schedule runs at once (a restarted service catches up at once);
        a cron schedule waits for its next matching minute, as cron would."""
        return self.every is not None


def next_interval_due(last_due: float, interval: float, now: float) -> tuple[float, int]:
    """Next monotonic due time after `now` on the grid last_due + k*interval, and how
    many due times were missed because a run outlasted the interval.

    Keeping to the grid (rather than now + interval) stops slow runs from drifting
    the schedule; missed due times are skipped, never queued, so runs never pile up.
    """
    if now < last_due + interval:
        return last_due + interval, 0
    steps = int((now - last_due) // interval) + 1
    return last_due + steps * interval, steps - 1


def next_cron_due(expr: str, after: datetime) -> datetime:
    """First cron time strictly after `after` (an aware datetime), in local time."""
    local = after.astimezone()
    return next(iter(CronSim(expr, local)))


def missed_cron_times(expr: str, since: datetime, until: datetime) -> int:
    """How many cron times fell in (since, until]: runs skipped because a run overran."""
    count = 0
    for t in CronSim(expr, since.astimezone()):
        if t > until:
            return count
        count += 1
        if count > 10_000:  # a run lasting days on a per-minute schedule: stop counting
            return count
    return count


def utc_iso(moment: datetime) -> str:
    """2026-11-21T10:15:00Z: the timestamp form every log line and state file uses."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_since(text: str, now: datetime) -> datetime:
    """`--since` for `alerts show` (aware UTC): the query language's date grammar
    (search/query/dates.py), so `1m`, `2d`, `yesterday` or `Nov 30 2026` mean here
    what they mean in `query --since`; the start of the span the text names."""
    from ..errors import QueryError
    from ..query.dates import parse_bound

    naive_now = now.astimezone(timezone.utc).replace(tzinfo=None)
    try:
        start = parse_bound(text, naive_now, upper=False)
    except QueryError as exc:
        raise ScheduleError(f"cannot read --since {text!r}: {exc}") from None
    return start.replace(tzinfo=timezone.utc)
