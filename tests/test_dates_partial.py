"""Partial dates (issue 16): "March 2021", "2003-12" and "2003" are stored at their precision,
never as an invented day, and filters, facets, timelines and output are honest about it.

The index here is built by the product's indexer from real text files with `Date:` headers;
the golden index (written before precision was kept) still opens, searches and takes new
partial-date articles.
"""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.api import NewsIndex
from search.article import Article, format_published
from search.cli import main
from search.errors import SearchOptionError
from search.ingest.dates import parse_date, parse_date_precise

UTC = timezone.utc
GOLDEN = Path(__file__).resolve().parent / "data" / "golden-index"


@pytest.mark.parametrize("text, when, precision", [
    ("March 2021", datetime(2021, 3, 1, tzinfo=UTC), "month"),
    ("Mar 2021", datetime(2021, 3, 1, tzinfo=UTC), "month"),
    ("2003-12", datetime(2003, 12, 1, tzinfo=UTC), "month"),
    ("2021/03", datetime(2021, 3, 1, tzinfo=UTC), "month"),
    ("12/2003", datetime(2003, 12, 1, tzinfo=UTC), "month"),
    ("2003", datetime(2003, 1, 1, tzinfo=UTC), "year"),
    ("15 March 2021", datetime(2021, 3, 15, tzinfo=UTC), "day"),
    ("March 15, 2021", datetime(2021, 3, 15, tzinfo=UTC), "day"),
    ("2021-03-15", datetime(2021, 3, 15, tzinfo=UTC), "day"),
    ("20210315", datetime(2021, 3, 15, tzinfo=UTC), "day"),
    ("2021-03-15T10:00", datetime(2021, 3, 15, 10, tzinfo=UTC), "time"),
    ("Fri, 2006/09/15 08:19:53 EDT", datetime(2006, 9, 15, 12, 19, 53, tzinfo=UTC), "time"),
    ("Sat, 30 Jan 2021 10:00:00 +0200", datetime(2021, 1, 30, 8, tzinfo=UTC), "time"),
    ("26-FEB-1987 15:01:01.79", datetime(1987, 2, 26, 15, 1, 1, 790000, tzinfo=UTC), "time"),
])
def test_every_date_form_keeps_its_precision(text, when, precision):
    parsed = parse_date_precise(text)
    assert parsed is not None and (parsed.when, parsed.precision) == (when, precision)
    assert parse_date(text) == when  # the instant alone, as before


@pytest.mark.parametrize("text", ["March", "Jan 31", "2003-13", "1066", "Spring"])
def test_no_year_or_no_real_period_is_no_date(text):
    assert parse_date_precise(text) is None


def test_partial_dates_never_take_todays_day():
    """dateutil fills missing parts from today: 2 December made "2003" 2003-12-02."""
    for text in ("2003", "2003-12", "March 2021"):
        assert parse_date_precise(text).when.day == 1


def test_format_published_shows_the_precision():
    when = datetime(2021, 3, 1, tzinfo=UTC)
    assert format_published(when, "month") == "2021-03"
    assert format_published(when, "year") == "2021"
    assert format_published(when, None) == "2021-03-01T00:00:00+00:00"
    assert format_published(None, "month") is None


# -- an index of real files with partial dates ------------------------------------------------

STORY = ("The central bank kept its main interest rate unchanged on Thursday, saying that "
         "inflation was easing but that the labour market remained tight. Analysts had "
         "expected the decision after weeks of signals from policymakers.")
FILES = {  # name -> Date header (None: no date)
    "march.txt": "March 2021",
    "year.txt": "2021",
    "day.txt": "15 March 2021",
    "moment.txt": "2021-03-20T10:30:00Z",
    "april.txt": "2021-04-02",
    "undated.txt": None,
}


def _write_corpus(root: Path) -> None:
    corpus = root / "wire"
    corpus.mkdir(parents=True)
    for k, (name, date) in enumerate(FILES.items()):
        header = f"Date: {date}\n" if date else ""
        (corpus / name).write_text(f"{header}Headline: Rates story {k} {name}\n\n"
                                   f"{STORY} Report number {k} of the series.\n", encoding="utf-8")


@pytest.fixture(scope="module")
def partial_index(tmp_path_factory) -> Path:
    from search.indexing import index_paths

    root = tmp_path_factory.mktemp("partial")
    _write_corpus(root)
    index_dir = root / "index"
    index_paths(index_dir, [root / "wire"])
    return index_dir


def _ids_by_file(ix: NewsIndex) -> dict[str, str]:
    res = ix.search("rates", limit=50, match="all")
    return {h.path.split("/")[-1]: h.id for h in res.hits}


def _files(ix: NewsIndex, **options) -> set[str]:
    res = ix.search("rates", limit=50, match="all", **options)
    return {h.path.split("/")[-1] for h in res.hits}


def test_partial_dates_are_stored_and_shown_at_their_precision(partial_index):
    with NewsIndex.open(partial_index) as ix:
        ids = _ids_by_file(ix)
        march, year, day = ix.get(ids["march.txt"]), ix.get(ids["year.txt"]), ix.get(ids["day.txt"])
        assert (march.published, march.published_precision) == (datetime(2021, 3, 1, tzinfo=UTC), "month")
        assert (year.published, year.published_precision) == (datetime(2021, 1, 1, tzinfo=UTC), "year")
        assert day.published == datetime(2021, 3, 15, tzinfo=UTC) and day.published_precision is None
        assert march.to_dict()["published"] == "2021-03"
        hits = {h.path.split("/")[-1]: h for h in ix.search("rates", limit=50, match="all").hits}
        assert hits["march.txt"].to_dict()["published"] == "2021-03"
        assert hits["year.txt"].to_dict()["published"] == "2021"
        assert hits["moment.txt"].to_dict()["published"] == "2021-03-20T10:30:00+00:00"
    runner = CliRunner()
    shown = runner.invoke(main, ["show", ids["march.txt"], "--index-dir", str(partial_index), "--json"])
    assert shown.exit_code == 0 and json.loads(shown.stdout)["published"] == "2021-03"
    text = runner.invoke(main, ["show", ids["year.txt"], "--index-dir", str(partial_index)])
    assert text.exit_code == 0 and "published:" in text.output
    assert [ln.split()[-1] for ln in text.output.splitlines() if ln.startswith("published:")] == ["2021"]
    listed = runner.invoke(main, ["query", "rates", "--all", "--index-dir", str(partial_index)])
    assert listed.exit_code == 0 and " · 2021-03 · " in listed.output


def test_a_range_matches_a_partial_date_only_when_its_whole_period_is_inside(partial_index):
    with NewsIndex.open(partial_index) as ix:
        assert _files(ix, since="2021-03-15") == {"day.txt", "moment.txt", "april.txt"}
        assert _files(ix, until="2021-03-15") == {"day.txt"}
        assert _files(ix, until="2021-03-31") == {"march.txt", "day.txt", "moment.txt"}
        assert _files(ix, since="2021-03", until="2021-03") == {"march.txt", "day.txt", "moment.txt"}
        assert _files(ix, until="2021") == set(FILES) - {"undated.txt"}
        assert _files(ix, since="2021-03-01", until="2021-04-30") == {
            "march.txt", "day.txt", "moment.txt", "april.txt"}
    with NewsIndex.open(partial_index) as ix:
        def q(text: str) -> set[str]:
            return {h.path.split("/")[-1] for h in ix.search(f"rates AND {text}", limit=50).hits}

        assert q("published:2021-03") == {"march.txt", "day.txt", "moment.txt"}
        assert q("published:2021-03-01") == set()
        assert q("published:2021") == set(FILES) - {"undated.txt"}
        assert q("published:[2021-01-01 TO 2021-06-30]") == set(FILES) - {"undated.txt", "year.txt"}


def test_date_facets_put_partial_dates_under_their_own_label(partial_index):
    with NewsIndex.open(partial_index) as ix:
        res = ix.search("rates", match="all",
                        facets=["published:day", "published:month", "published:week", "published:year"])
        day = [(v.value, v.count) for v in res.facets["published:day"]]
        assert day == [("2021", 1), ("2021-03", 1), ("2021-03-15", 1), ("2021-03-20", 1),
                       ("2021-04-02", 1), (None, 1)]
        month = [(v.value, v.count) for v in res.facets["published:month"]]
        assert month == [("2021", 1), ("2021-03", 3), ("2021-04", 1), (None, 1)]
        week = [(v.value, v.count) for v in res.facets["published:week"]]
        assert week == [("2021", 1), ("2021-03", 1), ("2021-W11", 2), ("2021-W13", 1), (None, 1)]
        year = [(v.value, v.count) for v in res.facets["published:year"]]
        assert year == [("2021", 5), (None, 1)]


def test_empty_buckets_list_every_period_between_the_first_and_last(partial_index):
    with NewsIndex.open(partial_index) as ix:
        plain = ix.search("rates", match="all", facets=["published:day"])
        full = ix.search("rates", match="all", facets=["published:day"], empty_buckets=True)
    days = [v.value for v in full.facets["published:day"] if v.value and len(v.value) == 10]
    assert days[0] == "2021-03-15" and days[-1] == "2021-04-02" and len(days) == 19
    assert sum(v.count for v in full.facets["published:day"]) == \
        sum(v.count for v in plain.facets["published:day"])
    assert [v.count for v in full.facets["published:day"] if v.value == "2021-03-16"] == [0]
    runner = CliRunner()
    out = runner.invoke(main, ["query", "rates", "--all", "--index-dir", str(partial_index), "--json",
                               "--facet", "published:week", "--empty-buckets"])
    assert out.exit_code == 0
    weeks = [(v["value"], v["count"]) for v in json.loads(out.stdout)["facets"]["published:week"]]
    assert weeks == [("2021", 1), ("2021-03", 1), ("2021-W11", 2), ("2021-W12", 0), ("2021-W13", 1),
                     (None, 1)]


def test_timeline_places_partial_dates_only_in_periods_they_cover(partial_index):
    with NewsIndex.open(partial_index) as ix:
        by_day = ix.timeline("rates", by="day", match="all")
        by_month = ix.timeline("rates", by="month", match="all")
        by_year = ix.timeline("rates", by="year", match="all")
    assert by_day.coarser_matching == {"month": 1, "year": 1} and by_day.undated_matching == 1
    assert by_day.matching_in_periods == 3
    assert by_month.coarser_matching == {"year": 1}
    assert [(p.label, p.matching) for p in by_month.periods] == [("2021-03", 3), ("2021-04", 1)]
    assert [(p.label, p.matching) for p in by_year.periods] == [("2021", 5)]
    for tl in (by_day, by_month, by_year):
        assert tl.matching_in_periods + tl.undated_matching + sum(tl.coarser_matching.values()) == 6


def test_from_memory_a_partial_date_is_kept_and_checked(tmp_path):
    ix = NewsIndex.open(tmp_path / "index", create=True)
    with ix:
        ix.add(Article(id="m1", headline="Harvest report", body=STORY,
                       published=datetime(2021, 3, 17, 9, tzinfo=UTC), published_precision="month"))
        got = ix.get("m1")
        assert (got.published, got.published_precision) == (datetime(2021, 3, 1, tzinfo=UTC), "month")
        with pytest.raises(SearchOptionError, match="published_precision"):
            ix.add(Article(id="m2", headline="x", body=STORY, published=datetime(2021, 3, 1, tzinfo=UTC),
                           published_precision="fortnight"))


def test_an_index_written_before_precision_was_kept_still_searches_and_takes_new_articles(tmp_path):
    """The golden index has no precision field: its articles are day-or-finer as before, and
    a partial-date article added to it is indexed (its precision waits for reindex --full)."""
    copy = tmp_path / "golden"
    shutil.copytree(GOLDEN, copy)
    with NewsIndex.open(copy) as ix:
        before = ix.search("Lukashenko", facets=["published:day"])
        assert before.total > 0
        assert all(v.value is None or len(v.value) == 10 for v in before.facets["published:day"])
        run = ix.add(Article(id="partial-1", headline="Lukashenko archive note", body=STORY,
                             published=datetime(2021, 3, 1, tzinfo=UTC), published_precision="month"))
        assert run.added == 1
        assert ix.get("partial-1").published == datetime(2021, 3, 1, tzinfo=UTC)
        assert ix.search("Lukashenko").total == before.total + 1
        tl = ix.timeline("Lukashenko", by="month")
        assert tl.matching_in_periods + tl.undated_matching == before.total + 1


def test_inspect_shows_what_ingestion_keeps(tmp_path):
    _write_corpus(tmp_path)
    runner = CliRunner(env={"NO_COLOR": "1"})
    text = runner.invoke(main, ["inspect", str(tmp_path / "wire" / "march.txt")])
    assert text.exit_code == 0
    assert [ln.split()[1] for ln in text.stdout.splitlines() if ln.strip().startswith("published:")] == ["2021-03"]
    doc = runner.invoke(main, ["inspect", str(tmp_path / "wire" / "year.txt"), "--json"])
    [article] = json.loads(doc.stdout)["articles"]
    assert (article["published"], article["published_precision"]) == ("2021", "year")
