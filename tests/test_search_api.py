"""NewsIndex behaviour on a small dated index: dates, sorting, facets, paging, refresh, threads."""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone

import pytest
from helpers import add_articles, build_index

from search.api import MAX_EXPANSIONS, NewsIndex
from search.article import Article
from search.errors import QueryError, SearchOptionError
from search.indexing.store import create_index, read_meta, write_meta

NOW = datetime(2021, 10, 6, 12, 0)


def art(i: int, body: str, *, source="alpha", day: int | None = None, month=9, section=None,
        tags=(), headline=None) -> Article:
    published = datetime(2021, month, day, 9, 0, tzinfo=timezone.utc) if day else None
    return Article(id=f"a{i:03d}", headline=headline or f"story {i}", body=body, source=source,
                   published=published, section=section, tags=tuple(tags), language="en",
                   path=f"x/{i}.txt")


ARTICLES = [
    art(1, "Oil prices rose in Riyadh", source="alpha", day=1, section="business", tags=("oil", "gulf")),
    art(2, "Oil output fell", source="beta", day=15, section="business", tags=("oil",)),
    art(3, "Oil and gas talks in Kyiv", source="beta", day=30, section="politics"),
    art(4, "Oil minister visits Riyadh", source="gamma", day=2, month=10, section="politics"),
    art(5, "Oil tanker seized", source="alpha"),  # no date
    art(6, "Football results", source="alpha", day=3, section="sport"),
]


@pytest.fixture()
def index_dir(tmp_path):
    return build_index(tmp_path / "index", ARTICLES)


@pytest.fixture()
def ix(index_dir):
    with NewsIndex.open(index_dir, clock=lambda: NOW) as ix:
        yield ix


def ids(res):
    return [h.id for h in res.hits]


def test_date_ranges_in_query_are_exact_days(ix):
    assert ids(ix.search("oil published:[2021-09-01 TO 2021-09-15]", sort="oldest")) == ["a001", "a002"]
    assert ids(ix.search("oil published:[2021-09-15 TO]", sort="oldest")) == ["a002", "a003", "a004"]
    assert ids(ix.search("oil published:[TO 2021-09-01]")) == ["a001"]
    assert ids(ix.search("oil published:2021-10")) == ["a004"]


def test_relative_dates_use_now(ix):
    # NOW is 2021-10-06 12:00: 7d reaches back to 2021-09-29 12:00
    assert sorted(ids(ix.search("oil", since="7d"))) == ["a003", "a004"]
    assert sorted(ids(ix.search('oil published:"last week"'))) == ["a003", "a004"]
    assert ids(ix.search("oil", since="2021-09-30", until="2021-09-30")) == ["a003"]


def test_sort_by_date_puts_undated_last(ix):
    assert ids(ix.search("oil", sort="newest")) == ["a004", "a003", "a002", "a001", "a005"]
    assert ids(ix.search("oil", sort="oldest")) == ["a001", "a002", "a003", "a004", "a005"]
    assert all(h.score is None for h in ix.search("oil", sort="newest").hits)
    hit = ix.search("oil", sort="newest").hits[0]
    assert hit.published == datetime(2021, 10, 2, 9, 0, tzinfo=timezone.utc)


def test_date_facets_sorted_by_date_with_unknown_bucket(ix):
    res = ix.search("oil", facets=["published:month", "published:day", "published:year"])
    assert [(v.value, v.count) for v in res.facets["published:month"]] == [
        ("2021-09", 3), ("2021-10", 1), (None, 1)]
    assert [v.value for v in res.facets["published:day"]][:2] == ["2021-09-01", "2021-09-15"]
    assert sum(v.count for v in res.facets["published:year"]) == res.total == 5


def test_term_facets_sorted_by_count_and_ignore_own_filter(ix):
    res = ix.search("oil", sources=["beta"], facets=["source", "section", "tags"])
    assert res.total == 2
    assert [(v.value, v.count) for v in res.facets["source"]] == [("alpha", 2), ("beta", 2), ("gamma", 1)]
    # other facets do apply the source filter
    assert [(v.value, v.count) for v in res.facets["section"]] == [("business", 1), ("politics", 1)]
    assert [(v.value, v.count) for v in res.facets["tags"]] == [("oil", 1), (None, 1)]


def test_date_filter_is_ignored_by_date_facet_only(ix):
    res = ix.search("oil", since="2021-10-01", facets=["published:month", "source"])
    assert res.total == 1
    assert sum(v.count for v in res.facets["published:month"]) == 5
    assert [(v.value, v.count) for v in res.facets["source"]] == [("gamma", 1)]


def test_pagination_returns_each_hit_once(ix):
    all_ids = ids(ix.search("oil", limit=100))
    paged = [i for p in (1, 2, 3) for i in ids(ix.search("oil", limit=2, page=p))]
    assert paged == all_ids and len(set(paged)) == 5
    assert ix.search("oil", limit=2, page=4).hits == [] and ix.search("oil", limit=2, page=4).total == 5


def test_ids_restricts_matching(ix):
    assert ids(ix.search("oil", ids={"a002", "a006", "zzz"})) == ["a002"]
    assert ix.search("oil", ids=[]).total == 0


def test_match_modes(ix):
    words = ix.search("oil football")  # default: any of the words, all of them first
    assert (words.match, words.total, words.total_all_words) == ("words", 6, 0)
    assert ix.search("oil football", match="all").total == 0
    assert ix.search("oil football", match="any").total == 6
    both = ix.search("oil riyadh")
    assert both.total == 5 and both.total_all_words == 2
    assert {h.id for h in both.hits[:2]} == {"a001", "a004"}


def test_fuzzy_and_prefix(ix):
    assert ids(ix.search("Riyad~")) and set(ids(ix.search("Riyad~"))) == {"a001", "a004"}
    assert set(ids(ix.search("minist*"))) == {"a004"}


def test_over_broad_wildcard_is_refused(tmp_path):
    words = " ".join(f"zq{n:04d}" for n in range(MAX_EXPANSIONS + 5))
    index_dir = build_index(tmp_path / "big", [art(1, words)])
    with NewsIndex.open(index_dir) as ix:
        with pytest.raises(QueryError, match="more than 1000 different words") as info:
            ix.search("zq*")
        assert info.value.position == 0
        assert ix.search("zq000*").total == 1


def test_bad_options_raise_our_errors(ix):
    for kw in ({"sort": "best"}, {"limit": 0}, {"page": 0}, {"facets": ["colour"]},
               {"since": "soon"}, {"match": "some"}):
        with pytest.raises(SearchOptionError):
            ix.search("oil", **kw)


def test_searcher_is_refreshed_after_an_update(index_dir, ix):
    assert ix.search("tanker").total == 1
    add_articles(index_dir, [art(7, "Another tanker story", day=4)])
    assert ix.search("tanker").total == 2


def test_searcher_follows_a_generation_swap(index_dir, ix):
    assert ix.search("football").total == 1
    handle = create_index(index_dir, generation="gen-0002")
    w = handle.ix.writer()
    w.add_document(id="b1", headline="Cricket", body="Cricket only now", source="delta")
    w.commit()
    meta = read_meta(index_dir)
    write_meta(index_dir, {**meta, "generation": "gen-0002"})
    assert ix.search("football").total == 0
    assert ids(ix.search("cricket")) == ["b1"]


def test_concurrent_searches_from_threads_agree(ix):
    expected = {q: json.dumps(ix.search(q, facets=["source"]).to_dict()) for q in ("oil", "riyadh", "oil -gas")}
    errors, mismatches = [], []

    def worker():
        try:
            for _ in range(30):
                for q, want in expected.items():
                    if json.dumps(ix.search(q, facets=["source"]).to_dict()) != want:
                        mismatches.append(q)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and mismatches == []


QUERIES = ["oil", "oil AND riyadh", "oil -gas", '"oil prices"', "NOT football", "kyiv OR riyadh",
           "oil AND NOT (gas OR tanker)"]


def _answers(ix):
    return [json.dumps(ix.search(q, facets=["source", "tags", "published:month"]).to_dict())
            for q in QUERIES]


def test_dropped_or_evicted_caches_give_the_same_answers(ix, monkeypatch):
    from search.engine import evaluate as engine

    first = _answers(ix)
    assert ix.search("oil").total == 5
    assert _answers(ix) == first  # served from cached postings
    ix.drop_caches()
    assert _answers(ix) == first  # read afresh
    monkeypatch.setattr(engine, "CACHED_POSTINGS", 1)   # every new term evicts the others
    monkeypatch.setattr(engine, "PHRASE_CACHE_ENTRIES", 0)
    ix.drop_caches()
    assert _answers(ix) == first


def test_caches_do_not_outlive_an_update(index_dir, ix):
    assert ix.search('"oil prices"').total == 1
    assert ix.search("oil", facets=["source"]).facets["source"][0].count == 2  # alpha
    add_articles(index_dir, [art(8, "Oil prices fell again", day=5)])
    assert ix.search('"oil prices"').total == 2
    assert ix.search("oil", facets=["source"]).facets["source"][0].count == 3


def test_user_variants_file_in_index_dir_is_read_without_reindex(index_dir, ix):
    assert ix.search("Kiev").total == 1  # shipped file: kyiv, kiev
    assert ix.search("Ar-Riyad").total == 0
    (index_dir / "variants.txt").write_text("tanker, supertanker\n", "utf-8")
    assert ix.search("supertanker").total == 1
