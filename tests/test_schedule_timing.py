"""Parsing --every/--cron and computing due times: pure functions, no clock needed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from search.errors import NewsSearchError
from search.schedule.timing import (
    Schedule,
    format_seconds,
    missed_cron_times,
    next_cron_due,
    next_interval_due,
    parse_interval,
    parse_since,
)


@pytest.mark.parametrize("text,seconds", [("30s", 30), ("15m", 900), ("2h", 7200), ("1d", 86400),
                                          (" 1.5m ", 90), ("15M", 900)])
def test_interval_units(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["15", "m", "15 minutes", "-5m", "0s", "", "1w"])
def test_bad_intervals_are_refused_with_a_hint(text):
    with pytest.raises(NewsSearchError, match="interval"):
        parse_interval(text)


def test_exactly_one_of_every_and_cron():
    with pytest.raises(NewsSearchError, match="exactly one"):
        Schedule.from_options(None, None)
    with pytest.raises(NewsSearchError, match="exactly one"):
        Schedule.from_options("15m", "*/15 * * * *")
    assert Schedule.from_options("15m", None).to_dict() == {"every": "15m", "seconds": 900.0}
    assert Schedule.from_options(None, "*/15 * * * *").describe() == "cron '*/15 * * * *'"


@pytest.mark.parametrize("expr", ["* * *", "61 * * * *", "*/15 * * * * * *", "every day"])
def test_bad_cron_fails_at_start(expr):
    with pytest.raises(NewsSearchError, match="cron expression"):
        Schedule.from_options(None, expr)


def test_interval_due_times_keep_to_the_grid():
    assert next_interval_due(100.0, 10.0, 101.0) == (110.0, 0)
    # A run finishing at 113 (late by 3s): next due 120, nothing missed.
    assert next_interval_due(110.0, 10.0, 113.0) == (120.0, 0)


def test_overrun_skips_due_times_instead_of_queueing_them():
    # Due at 100 every 10s; the run ended at 135: 110, 120, 130 passed -> 3 skipped, next 140.
    assert next_interval_due(100.0, 10.0, 135.0) == (140.0, 3)
    # Ended exactly on a due time: that one is missed too (it is not in the future).
    assert next_interval_due(100.0, 10.0, 110.0) == (120.0, 1)


def test_cron_next_and_missed():
    at = datetime(2026, 11, 21, 10, 7, 30, tzinfo=timezone.utc)
    nxt = next_cron_due("*/15 * * * *", at)
    assert nxt > at and nxt.minute in (0, 15, 30, 45) and (nxt - at) <= timedelta(minutes=15)
    assert nxt.second == 0
    start = nxt
    assert missed_cron_times("*/15 * * * *", start, start + timedelta(minutes=50)) == 3
    assert missed_cron_times("*/15 * * * *", start, start + timedelta(minutes=5)) == 0


def test_since_accepts_ages_and_iso_dates():
    now = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("2026-11-20", now) == datetime(2026, 11, 20, tzinfo=timezone.utc)
    assert parse_since("2026-11-20T10:00:00Z", now) == datetime(2026, 11, 20, 10,
                                                                tzinfo=timezone.utc)
    with pytest.raises(NewsSearchError, match="--since"):
        parse_since("last tuesday", now)


def test_durations_read_well_in_logs():
    assert format_seconds(1.234) == "1.2s"
    assert format_seconds(245) == "4m05s"
    assert format_seconds(7800) == "2h10m"
