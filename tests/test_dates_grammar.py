"""One date grammar: the query language (`published:`), `query --since/--until` and
`alerts show --since` read dates through search/query/dates.py alike."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from helpers import build_index, cli

from search.article import Article
from search.errors import NewsSearchError, QueryError
from search.query.dates import parse_bound, parse_span
from search.schedule.timing import parse_since

NOW = datetime(2026, 12, 2, 1, 18)  # 01:18 UTC, as in the issue
UTC = timezone.utc


@pytest.mark.parametrize("text, start", [
    ("2d", datetime(2026, 12, 1)),            # today and yesterday, whole days
    ("1d", datetime(2026, 12, 2)),
    ("last 2 days", datetime(2026, 12, 1)),
    ("1w", datetime(2026, 11, 26)),
    ("last week", datetime(2026, 11, 26)),
    ("1m", datetime(2026, 11, 3)),            # one month, not 30 days nor a minute
    ("last month", datetime(2026, 11, 3)),
    ("1y", datetime(2025, 12, 3)),
    ("yesterday", datetime(2026, 12, 1)),
    ("today", datetime(2026, 12, 2)),
    ("24h", datetime(2026, 12, 1, 1, 18)),
    ("90min", datetime(2026, 12, 1, 23, 48)),
    ("last 30 minutes", datetime(2026, 12, 2, 0, 48)),
    ("Nov 30 2026", datetime(2026, 11, 30)),
    ("30 November 2026", datetime(2026, 11, 30)),
    ("November 2026", datetime(2026, 11, 1)),
    ("30.11.2026", datetime(2026, 11, 30)),
    ("11/30/2026", datetime(2026, 11, 30)),
    ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1, 790000)),
    ("Mon, 27 Sep 2021 10:00:00 +0200", datetime(2021, 9, 27, 8)),
    ("2026-11-21T10:00Z", datetime(2026, 11, 21, 10)),
])
def test_every_option_reads_a_date_the_same_way(text, start):
    assert parse_bound(text, NOW, upper=False) == start
    assert parse_since(text, NOW.replace(tzinfo=UTC)) == start.replace(tzinfo=UTC)


def test_a_written_day_is_the_whole_day_and_a_month_the_whole_month():
    assert parse_span("Nov 30 2026", NOW)[1] == datetime(2026, 11, 30, 23, 59, 59, 999999)
    assert parse_span("November 2026", NOW)[1] == datetime(2026, 11, 30, 23, 59, 59, 999999)


@pytest.mark.parametrize("text, why", [
    ("30 November", "year"),          # dateparser would put it in some year
    ("03/04/2026", "day or the month"),  # 3 April or March 4?
    ("31 February 2026", "bad date"),
    ("Nov 2026 10:00", "day of the month"),
    ("next tuesday", "bad date"),
    ("5m ago", "bad date"),
])
def test_nothing_is_guessed(text, why):
    with pytest.raises(QueryError, match=why):
        parse_span(text, NOW)
    with pytest.raises(NewsSearchError, match="--since"):
        parse_since(text, NOW.replace(tzinfo=UTC))


def test_month_arithmetic_clamps_and_stays_in_range():
    assert parse_bound("1m", datetime(2026, 3, 31, 12), upper=False) == datetime(2026, 3, 1)
    with pytest.raises(QueryError, match="before year 1"):
        parse_bound("30000m", NOW, upper=False)


# -- through the CLI

def _at(day: datetime, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture(scope="module")
def dated_index(tmp_path_factory):
    today = datetime.now(UTC)
    dates = {"today": _at(today), "yesterday": _at(today - timedelta(days=1)),
             "before": _at(today - timedelta(days=2), 23), "nov15": datetime(2025, 11, 15, 9, tzinfo=UTC)}
    articles = [Article(id=name, headline=f"Quarry news {name}", body=f"The quarry story of {name}.",
                        source="s", published=when, path=f"{name}.txt") for name, when in dates.items()]
    return str(build_index(tmp_path_factory.mktemp("dates") / "index", articles))


def _ids(*args: str, index: str) -> set[str]:
    r = cli("query", "quarry", "--jsonl", "--index-dir", index, *args)
    assert r.exit_code in (0, 1), r.output
    return {json.loads(x)["id"] for x in r.stdout.splitlines()}


def test_since_2d_is_today_and_yesterday_whole_days(dated_index):
    assert _ids("--since", "2d", index=dated_index) >= {"today", "yesterday"}
    assert "before" not in _ids("--since", "2d", index=dated_index)
    assert _ids("--since", "yesterday", "--until", "yesterday", index=dated_index) == {"yesterday"}


@pytest.mark.parametrize("written", ["Nov 15 2025", "15 November 2025", "2025-11-15"])
def test_written_dates_in_options_and_the_query(dated_index, written):
    assert _ids("--since", written, "--until", written, index=dated_index) == {"nov15"}
    assert _ids(f'published:"{written}"', index=dated_index) == {"nov15"}


def test_a_guess_is_one_line_and_exit_2(dated_index):
    r = cli("query", "quarry", "--since", "03/04/2026", "--index-dir", dated_index)
    assert r.exit_code == 2 and len(r.output.strip().splitlines()) == 1
    assert "YYYY-MM-DD" in r.output


def test_alerts_show_reads_the_same_grammar(dated_index):
    add = cli("alerts", "add", "quarries", "quarry", "--index-dir", dated_index)
    assert add.exit_code == 0, add.output
    for since in ("yesterday", "1y", "1m", "Nov 30 2026", "90min"):
        r = cli("alerts", "show", "quarries", "--since", since,
                                      "--index-dir", dated_index)
        assert r.exit_code in (0, 1), (since, r.output)  # read, not a usage error
    bad = cli("alerts", "show", "quarries", "--since", "30 November",
                                    "--index-dir", dated_index)
    assert bad.exit_code == 2 and "year" in bad.output
