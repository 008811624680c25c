"""Dates of saved news pages (issue 16): htmldate's ordering decides the day, the page's markup
gives the time and zone on that day, and a page that states only a month keeps only a month.

The pages in tests/data/html-dates are small news pages written the way CMSs write them.
"""
from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

from search.article import Article
from search.ingest import read_corpus

PAGES = Path(__file__).parent / "data" / "html-dates"
UTC = timezone.utc


def _read(tmp_path: Path, name: str) -> Article:
    shutil.copy(PAGES / name, tmp_path)
    [article] = [a for a in read_corpus([tmp_path]) if isinstance(a, Article)]
    return article


def test_a_1988_dc_date_on_a_2017_story_loses_to_htmldate(tmp_path):
    """The first date meta (dc.date, the earthquake's day) was stored before; htmldate picks the
    publication day, and the JSON-LD timestamp on that day gives the time and zone."""
    a = _read(tmp_path, "spitak-anniversary-2017.html")
    assert a.published == datetime(2017, 12, 7, 4, 15, tzinfo=UTC)  # 08:15 +04:00
    assert a.published_precision == "time"
    assert a.provenance["published"] == "JSON-LD datePublished"


def test_a_page_older_than_htmldate_accepts_keeps_its_markup_date(tmp_path):
    a = _read(tmp_path, "wire-archive-1987.html")
    assert a.published == datetime(1987, 3, 2, tzinfo=UTC) and a.published_precision == "day"
    assert a.provenance["published"] == '<meta name="dc.date"> (htmldate found no date from 1995 to today)'


def test_a_page_that_gives_only_a_month_keeps_only_the_month(tmp_path):
    """htmldate turns `2021-03` into a day (the day of the month it runs on): never stored."""
    page = (PAGES / "wire-archive-1987.html").read_text(encoding="utf-8").replace(
        '<meta name="dc.date" content="1987-03-02">',
        '<meta property="article:published_time" content="2021-03">')
    (tmp_path / "month-only.html").write_text(page, encoding="utf-8")
    [a] = [x for x in read_corpus([tmp_path]) if isinstance(x, Article)]
    assert a.published == datetime(2021, 3, 1, tzinfo=UTC) and a.published_precision == "month"
    assert a.to_dict()["published"] == "2021-03"
    assert a.provenance["published"].startswith('<meta property="article:published_time">')
