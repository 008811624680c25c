"""The issue's "done when" on the two bundled seed articles, through the API."""
from __future__ import annotations

import pytest
from helpers import SAMPLE_CORPUS, articles_from, build_index

from search.api import NewsIndex


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    index_dir = build_index(tmp_path_factory.mktemp("seeds") / "index", articles_from([SAMPLE_CORPUS]))
    with NewsIndex.open(index_dir) as ix:
        yield ix


@pytest.mark.parametrize("q", ['"red lines"', "Lukashenko", "Kyiv", "Nato AND Belarus",
                               "Lukashenka", "Kiev", "Alexander", "Alyaksandr",
                               '"Alexander Lukashenko"'])
def test_both_seeds_found_with_one_source_each(seeds, q):
    res = seeds.search(q, facets=["source"])
    assert res.total == 2
    assert {h.source for h in res.hits} == {"rferl", "eurasiantimes"}
    assert [(v.value, v.count) for v in res.facets["source"]] == [("eurasiantimes", 1), ("rferl", 1)]


def test_exact_mode_finds_one_spelling_only(seeds):
    assert [h.source for h in seeds.search("=Kyiv").hits] == ["rferl"]
    assert [h.source for h in seeds.search("Kiev", exact=True).hits] == ["eurasiantimes"]
    assert [h.source for h in seeds.search("=Lukashenka").hits] == ["rferl"]


def test_snippets_mark_matched_words(seeds):
    hit = seeds.search('"red lines"').hits[0]
    assert "[[red]] [[lines]]" in hit.snippet
    assert "<mark>red</mark>" in hit.snippet_html


def test_source_filter_and_facet_ignoring_own_filter(seeds):
    res = seeds.search("Lukashenko", sources=["rferl"], facets=["source"])
    assert res.total == 1 and res.hits[0].source == "rferl"
    # the source facet still shows the other source's count
    assert {v.value: v.count for v in res.facets["source"]} == {"rferl": 1, "eurasiantimes": 1}


def test_undated_articles_are_counted_as_unknown(seeds, tmp_path):
    res = seeds.search("Ukraine", facets=["published:month"])
    # The seeds' sidecars (corpus/*.meta.json) date both: 2021-09-25 and the month 2021-09
    assert [(v.value, v.count) for v in res.facets["published:month"]] == [("2021-09", 2)]
    import dataclasses

    one_undated = [a if a.source == "eurasiantimes" else
                   dataclasses.replace(a, published=None, published_precision=None)
                   for a in articles_from([SAMPLE_CORPUS])]
    with NewsIndex.open(build_index(tmp_path / "index", one_undated)) as ix:
        res = ix.search("Ukraine", facets=["published:month"])
    assert [(v.value, v.count) for v in res.facets["published:month"]] == [("2021-09", 1), (None, 1)]


def test_did_you_mean_for_unknown_word(seeds):
    res = seeds.search("Minsc")
    assert res.total == 0 and res.suggestion == "Minsk"
    assert seeds.search("Minsk").suggestion is None


def test_phrase_with_stop_word_requires_the_gap(seeds):
    # eurasiantimes: "cross a red line"; rferl: "cross red lines" (no word between)
    assert [h.source for h in seeds.search('"cross the red line"').hits] == ["eurasiantimes"]
    assert [h.source for h in seeds.search('"cross red lines"').hits] == ["rferl"]


def test_show_and_similar(seeds):
    rferl = seeds.search("source:rferl").hits[0]
    article = seeds.get(rferl.id)
    assert article is not None and article.headline == rferl.headline
    assert article.provenance["source"] == "folder 'rferl'"
    assert seeds.get("nope") is None
    sim = seeds.similar(rferl.id)
    assert [h.source for h in sim.hits] == ["eurasiantimes"]


def test_to_dict_is_json_ready(seeds):
    import json

    d = json.loads(json.dumps(seeds.search("Kyiv", facets=["source"]).to_dict()))
    assert set(d) >= {"query", "total", "page", "limit", "hits", "facets", "suggestion"}
    assert set(d["hits"][0]) >= {"id", "headline", "source", "published", "url", "path", "score", "snippet"}
    assert d["facets"]["source"][0] == {"value": "eurasiantimes", "count": 1}


def test_snippet_passages_that_touch_are_one_passage_not_split_by_an_ellipsis():
    from search.query.snippets import make_snippet
    body = ("Kuleba said Putin's red lines could not extend beyond Russia and Kiev had to make "
            "its own security decisions. Putin's red lines are limited to Russia's borders, he said.")
    snippet = make_snippet(body, {"red", "line"})
    assert "…" not in snippet
    assert snippet.count("[[red]]") == 2 and "security decisions" in snippet
