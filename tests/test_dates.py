import warnings
from datetime import datetime, timezone

import pytest

from search.ingest import read_corpus
from search.ingest.dates import parse_date, why_no_date

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


# Time zones: every form, with the value stored (UTC).
@pytest.mark.parametrize("text,expected", [
    ("Fri, 2006/09/15 08:19:53 EDT", datetime(2006, 9, 15, 12, 19, 53, tzinfo=UTC)),
    ("Fri, 15 Sep 2006 08:19:53 EDT", datetime(2006, 9, 15, 12, 19, 53, tzinfo=UTC)),
    ("15 Sep 2006 08:19:53 CEST", datetime(2006, 9, 15, 6, 19, 53, tzinfo=UTC)),
    ("Sep 15, 2006 8:19 AM PDT", datetime(2006, 9, 15, 15, 19, tzinfo=UTC)),
    ("2006-09-15 08:19:53 (CDT)", datetime(2006, 9, 15, 13, 19, 53, tzinfo=UTC)),
    ("15.09.2006 08:19 MSK", datetime(2006, 9, 15, 5, 19, tzinfo=UTC)),
    ("15 Sep 2006 08:19:53 NST", datetime(2006, 9, 15, 11, 49, 53, tzinfo=UTC)),  # -03:30
    ("15 September 2006 08:19 JST", datetime(2006, 9, 14, 23, 19, tzinfo=UTC)),
    ("2006-09-15 08:19:53 -01:01", datetime(2006, 9, 15, 9, 20, 53, tzinfo=UTC)),
    ("2006-09-15T08:19:53-01:01", datetime(2006, 9, 15, 9, 20, 53, tzinfo=UTC)),
    ("2006-09-15T08:19:53+0530", datetime(2006, 9, 15, 2, 49, 53, tzinfo=UTC)),
    ("2006-09-15 08:19:53 +05:30", datetime(2006, 9, 15, 2, 49, 53, tzinfo=UTC)),
    ("2006-09-15 08:19 +05", datetime(2006, 9, 15, 3, 19, tzinfo=UTC)),
    ("15 Sep 2006 08:19:53 +0530", datetime(2006, 9, 15, 2, 49, 53, tzinfo=UTC)),
    ("15 Sep 2006 08:19:53 GMT+2", datetime(2006, 9, 15, 6, 19, 53, tzinfo=UTC)),  # east, as written
    ("15 Sep 2006 08:19:53 UTC-04:00", datetime(2006, 9, 15, 12, 19, 53, tzinfo=UTC)),
])
def test_named_zones_and_numeric_offsets_of_every_form(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text,reason", [
    ("15 Sep 2006 08:19 IST", "ambiguous time zone 'IST' (India +05:30, Ireland +01:00 or Israel +02:00)"),
    ("Fri, 15 Sep 2006 08:19:53 CST", "ambiguous time zone 'CST'"),
    ("15 Sep 2006 08:19 BST", "ambiguous time zone 'BST'"),
    ("15 Sep 2006 08:19 XYZT", "unknown time zone 'XYZT'"),
])
def test_ambiguous_or_unknown_zones_are_reported_not_guessed(text, reason):
    assert parse_date(text) is None
    assert why_no_date(text).startswith(reason) and why_no_date(text).endswith("left empty")


def test_no_dateutil_warning_reaches_the_user():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_date("15 Sep 2006 08:19 XYZT") is None
        assert parse_date("Fri, 2006/09/15 08:19:53 EDT") is not None


def test_the_reason_reaches_provenance(tmp_path):
    (tmp_path / "a.txt").write_text("Date: 15 Sep 2006 08:19 IST\n\nHeadline here\n"
                                    "The minister said the talks would resume next week in Delhi.\n")
    [article] = list(read_corpus([str(tmp_path)]))
    assert article.published is None
    assert article.provenance["published"].startswith("ambiguous time zone 'IST'")
