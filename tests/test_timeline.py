"""Coverage timelines (issue 15) on Reuters-21578 (dated, Feb-Oct 1987), indexed by the product.

What must hold: every period of the span is listed (empty ones with 0); the periods' matches
plus the undated (and coarser-dated) matches are exactly the query's total; the shares are
matching / articles per period, checked against counts made here from the stored documents;
the CLI's chart, --json, --csv and --plot (PNG and SVG, opened and checked) agree; exit
statuses are 0 (matched), 1 (nothing) and 2 (error, one line).
"""
from __future__ import annotations

import csv
import io
import json
import struct
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date, timedelta
from fractions import Fraction

import pytest
from click.testing import CliRunner
from conftest import corpus_file

from search.api import NewsIndex
from search.cli import main
from search.errors import SearchOptionError

pytestmark = [pytest.mark.corpus("reuters"), pytest.mark.slow]

QUERIES = ["oil", "coffee AND brazil", "opec prices", '"interest rates"']
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def reuters(tmp_path_factory):
    from search.indexing import index_paths

    index_dir = tmp_path_factory.mktemp("timeline") / "index"
    index_paths(index_dir, [corpus_file("reuters")])
    return index_dir


@pytest.fixture(scope="module")
def stored(reuters):
    """(published day or None, source) of every article, read from the stored documents."""
    from search.indexing.store import open_index

    handle = open_index(reuters)
    with handle.ix.searcher() as s:
        return {f["id"]: (f["published"].date() if f.get("published") else None, f.get("source"))
                for f in s.all_stored_fields()}


def _cli(*args: str, env: dict | None = None):
    runner = CliRunner(env={"NO_COLOR": "1", **(env or {})})
    return runner.invoke(main, list(args))


def _month(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


@pytest.mark.parametrize("by", ["day", "week", "month", "year"])
@pytest.mark.parametrize("query", QUERIES)
def test_counts_sum_to_the_exact_total_plus_the_undated(reuters, query, by):
    with NewsIndex.open(reuters) as ix:
        total = ix.search(query).total
        tl = ix.timeline(query, by=by)
    assert total > 0 and tl.total == total
    assert tl.matching_in_periods + tl.undated_matching + sum(tl.coarser_matching.values()) == total
    assert not tl.coarser_matching  # Reuters dates every article to the hundredth of a second
    starts = [p.start for p in tl.periods]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    if by == "day":  # every day in the span, empty ones included
        assert all(b - a == timedelta(days=1) for a, b in zip(starts, starts[1:]))
    if by == "week":
        assert all(s.weekday() == 0 for s in starts) and all(b - a == timedelta(days=7)
                                                              for a, b in zip(starts, starts[1:]))
    assert tl.periods[0].matching > 0 and tl.periods[-1].matching > 0  # the span is the matches'


def test_empty_months_are_listed_with_zero(reuters):
    with NewsIndex.open(reuters) as ix:
        tl = ix.timeline("oil", by="month")
    labels = [p.label for p in tl.periods]
    assert labels == ["1987-02", "1987-03", "1987-04", "1987-05", "1987-06", "1987-07", "1987-08",
                      "1987-09", "1987-10"]
    empty = [p for p in tl.periods if p.articles == 0]
    assert empty and all(p.matching == 0 and p.share is None for p in empty)


def test_normalized_shares_match_counts_made_plainly(reuters, stored):
    with NewsIndex.open(reuters) as ix:
        tl = ix.timeline("coffee", by="month")
        matched_ids = [h.id for h in ix.iter_hits("coffee")]
    matching = Counter(_month(stored[i][0]) for i in matched_ids if stored[i][0])
    articles = Counter(_month(d) for d, _ in stored.values() if d)
    assert tl.undated_articles == sum(1 for d, _ in stored.values() if d is None)
    for p in tl.periods:
        assert (p.matching, p.articles) == (matching[p.label], articles[p.label])
        if p.articles:
            assert Fraction(p.matching, p.articles) == Fraction(p.share).limit_denominator(10 ** 7)
            assert p.share == matching[p.label] / articles[p.label]
        else:
            assert p.share is None


def test_filters_narrow_both_counts_and_split_adds_up(reuters, stored):
    with NewsIndex.open(reuters) as ix:
        tl = ix.timeline("oil", by="month", since="1987-03-01", until="1987-04-30", split="source")
        filtered = ix.search("oil", since="1987-03-01", until="1987-04-30").total
    assert [p.label for p in tl.periods] == ["1987-03", "1987-04"]
    assert tl.total == filtered == tl.matching_in_periods
    articles = Counter(_month(d) for d, _ in stored.values() if d)
    assert [p.articles for p in tl.periods] == [articles["1987-03"], articles["1987-04"]]
    for p in tl.periods:
        assert sum(s.matching for s in p.split) == p.matching
    assert tl.split_values == ("reuters",)


def test_bad_options_are_documented_errors(reuters):
    with NewsIndex.open(reuters) as ix:
        with pytest.raises(SearchOptionError, match="by must be one of"):
            ix.timeline("oil", by="hour")
        with pytest.raises(SearchOptionError, match="split must be one of"):
            ix.timeline("oil", split="author")
        with pytest.raises(SearchOptionError, match="periods"):
            ix.timeline("oil", by="day", since="1900", until="1987-10")


# -- the command line ------------------------------------------------------------------------

def test_cli_chart_has_one_line_per_period_and_no_colour_when_piped(reuters):
    r = _cli("timeline", "oil", "--by", "month", "--index-dir", str(reuters))
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert len(lines) == 1 + 9 and "\x1b[" not in r.stdout
    assert lines[1].startswith("1987-02 ") and "█" in lines[1] and lines[1].rstrip().endswith("228")
    assert lines[4].startswith("1987-05 ") and "█" not in lines[4]
    assert "1,525 matches in 9 periods by month" in r.stderr
    assert "2 matches are undated" in r.stderr
    coloured = CliRunner().invoke(main, ["timeline", "oil", "--index-dir", str(reuters)],
                                  color=True, env={"NO_COLOR": "1"})
    assert "\x1b[" not in coloured.stdout  # NO_COLOR wins even on a terminal


def test_cli_json_and_csv_carry_the_same_counts(reuters):
    j = _cli("timeline", "coffee", "--by", "week", "--json", "--index-dir", str(reuters))
    c = _cli("timeline", "coffee", "--by", "week", "--csv", "--index-dir", str(reuters))
    assert j.exit_code == 0 and c.exit_code == 0
    doc = json.loads(j.stdout)
    rows = list(csv.DictReader(io.StringIO(c.stdout)))
    periods = [r for r in rows if not r["period"].startswith("(")]
    assert [(r["period"], int(r["matching"]), int(r["articles"])) for r in periods] == \
        [(p["period"], p["matching"], p["articles"]) for p in doc["periods"]]
    undated = next(r for r in rows if r["period"] == "(undated)")
    assert int(undated["matching"]) == doc["undated"]["matching"]
    assert sum(p["matching"] for p in doc["periods"]) + doc["undated"]["matching"] == doc["total"]


def test_cli_exit_statuses(reuters):
    assert _cli("timeline", "oil", "--index-dir", str(reuters)).exit_code == 0
    none = _cli("timeline", "zzqxjv", "--index-dir", str(reuters))
    assert none.exit_code == 1 and "no matches" in none.stderr and none.stdout == ""
    for bad in (["--by", "hour"], ["--split", "author"], ["--since", "1900", "--by", "day"],
                ["--plot", "chart.gif"], ["--json", "--csv"]):
        r = _cli("timeline", "oil", *bad, "--index-dir", str(reuters))
        assert r.exit_code == 2, bad
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plot_writes_a_real_png_and_svg(reuters, tmp_path):
    pytest.importorskip("matplotlib", reason="--plot needs the plot extra: pip install -e '.[plot]'")
    png, svg = tmp_path / "oil.png", tmp_path / "oil.svg"
    assert _cli("timeline", "oil", "--by", "month", "--plot", str(png), "--index-dir",
                str(reuters)).exit_code == 0
    width, height = _png_size(png.read_bytes())
    assert width >= 600 and height >= 400 and png.stat().st_size > 5_000
    r = _cli("timeline", "oil", "--by", "month", "--normalize", "--split", "source", "--plot", str(svg),
             "--index-dir", str(reuters))
    assert r.exit_code == 0
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg") and float(root.get("width").rstrip("pt")) >= 400
    bars = [el.get("id") for el in root.iter() if (el.get("id") or "").startswith("bar-")]
    assert bars == [f"bar-1987-{m:02d}-reuters" for m in range(2, 11)]
