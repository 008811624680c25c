from datetime import datetime, timezone

import pytest

from search.ingest.dates import parse_date

UTC = timezone.utc


@pytest.mark.parametrize("text,expected", [
    ("2021-09-27", datetime(2021, 9, 27, tzinfo=UTC)),
    ("2021-09-27T15:01:02+03:00", datetime(2021, 9, 27, 12, 1, 2, tzinfo=UTC)),
    ("2021-09-27T15:01:02Z", datetime(2021, 9, 27, 15, 1, 2, tzinfo=UTC)),
    ("Mon, 27 Sep 2021 10:00:00 +0200", datetime(2021, 9, 27, 8, tzinfo=UTC)),
    ("Mon, 27 Sep 2021 10:00:00 GMT", datetime(2021, 9, 27, 10, tzinfo=UTC)),
    ("27 September 2021", datetime(2021, 9, 27, tzinfo=UTC)),
    ("Sep 27, 2021", datetime(2021, 9, 27, tzinfo=UTC)),
    ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC)),
    ("2015-07-21 10:32:11", datetime(2015, 7, 21, 10, 32, 11, tzinfo=UTC)),
])
def test_formats_news_files_use(text, expected):
    got = parse_date(text)
    assert got == expected and got.tzinfo is not None


@pytest.mark.parametrize("text", ["", "yesterday", "not a date", "27 September", "99-XYZ-2021 1:2:3"])
def test_unparseable_or_yearless_dates_are_none_never_invented(text):
    assert parse_date(text) is None


def test_naive_datetime_is_taken_as_utc():
    assert parse_date(datetime(2021, 1, 1)).tzinfo == UTC
