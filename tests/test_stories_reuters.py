"""Story clusters on Reuters-21578, the whole corpus indexed once for the module: copies of one
story collapse into one hit with the right count, and collapsing never hides an article that
the labelled sample (tests/data/stories-reuters-labels.tsv, judged by reading) says is a
different report."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import corpus_file

from search import NewsIndex

pytestmark = pytest.mark.slow
LABELS = Path(__file__).parent / "data" / "stories-reuters-labels.tsv"
# Lloyds Bank matching a base-rate cut: one report sent three times within two minutes on
# 9 March 1987 (two with and one without the tickers), read in the corpus.
LLOYDS = {"1a144a3ae8d228b6", "3d0942f622a5e5a0", "3bc023c018a0c98e"}
# Manila's debt-bond offer: the first report, a resend with other quote marks, and the next
# day's rewrite (about 96% the same words).
MANILA = {"85903740bf7b7913", "8ea333d56f543d20", "da5abe2d01036d8c"}


def labelled() -> list[dict[str, str]]:
    lines = [line for line in LABELS.read_text("utf-8").splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@pytest.fixture(scope="module")
def reuters(tmp_path_factory):
    archive = corpus_file("reuters")
    with NewsIndex.open(tmp_path_factory.mktemp("reuters-stories") / "index", create=True) as ix:
        run = ix.index(archive)
        assert run.errors == [] and run.added > 19_000
        yield ix


@pytest.mark.parametrize("copies, query", [(LLOYDS, '"base rate" Lloyds'),
                                           (MANILA, 'Manila "debt bonds"')])
def test_copies_of_one_reuters_story_collapse_into_one_hit_with_the_right_count(reuters, copies, query):
    plain = reuters.search(query, limit=100)
    assert copies <= {h.id for h in plain.hits}
    collapsed = reuters.search(query, collapse=True, limit=100)
    story_hits = [h for h in collapsed.hits if h.id in copies]
    assert len(story_hits) == 1
    [hit] = story_hits
    assert hit.copies == len(copies) and hit.sources == ("reuters",)
    assert {c.id for c in reuters.story(hit.story).copies} == copies
    assert collapsed.total_articles == plain.total
    assert collapsed.total == collapsed.total_stories <= plain.total - (len(copies) - 1)
    earliest = reuters.search(query, collapse=True, collapse_by="earliest", limit=100)
    first = min(reuters.story(hit.story).copies, key=lambda c: c.published)
    assert first.id in {h.id for h in earliest.hits}


def test_collapsing_never_hides_an_article_that_is_not_a_near_copy(reuters):
    different = [p for p in labelled() if p["same_story"] == "0"]
    assert len(different) >= 40
    for pair in different:
        ids = [pair["id_a"], pair["id_b"]]
        res = reuters.search("source:reuters", ids=ids, collapse=True)
        assert res.total == 2, f"{pair['id_a']} and {pair['id_b']} were merged: {pair['reason']}"


def test_most_labelled_copies_are_merged(reuters):
    """Recall on the labelled copies (bench/bench_stories.py reports it; heavy rewrites
    and correction notices are the ones missed): a floor, so that a change that stops
    merging shows here."""
    same = [p for p in labelled() if p["same_story"] == "1"]
    merged = [p for p in same
              if reuters.search("source:reuters", ids=[p["id_a"], p["id_b"]], collapse=True).total == 1]
    assert len(merged) / len(same) >= 0.5


def test_story_counts_add_up(reuters):
    res = reuters.search("oil", count_by="story", facets=["source", "published:month"], facet_size=0)
    assert res.total_articles == res.total == reuters.search("oil").total
    assert res.total_stories < res.total_articles
    assert sum(v.count for v in res.facets["source"]) == res.total_stories
    assert sum(v.count for v in res.facets["published:month"]) == res.total_stories
    collapsed = reuters.search("oil", collapse=True, facets=["source"])
    assert collapsed.total == res.total_stories == sum(v.count for v in collapsed.facets["source"])
