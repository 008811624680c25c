"""Wildcards, prefixes and fuzzy words scored by the engine as the OR of their words
(search/engine/expand.py), on real indexes: the same articles score the same however
they are cut into segments, and shards given the archive's statistics (the union of
their expansions, engine/collection.py) score, highlight and refuse as one index does.
Ray-free: the shards are plain indexes here; tests/test_cluster.py runs the real thing.
"""
from __future__ import annotations

import random

import pytest
from helpers import add_articles, build_index

from search import Article, NewsIndex
from search.engine.collection import CollectionStats, local_statistics, using
from search.errors import QueryError
from search.query.limits import QueryLimits

COMMON = ("oil oils oily oilfield price prices priced prison market marker harbour harbor river "
          "rivers riser grain grains gain village villages court storm").split()
# words only one shard holds, some only in its headlines, some only in its bodies
OWN = [("oilseed", "oilman"), ("oilrig", "pricey"), ("rover", "oilcake")]
PATTERNS = ["oil*", "headline:oil*", "body:oil*", "pri*", "ri?er", "headline:r?ver",
            "vilage~", "headline:oilsed~", "harbr~ OR storm", "pri* AND oil", "oil*^2 OR court",
            "headline:storm -headline:pri*", "headline:ma*", "grain~2"]


def _articles(count: int = 90, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        shard = i % 3
        head_words = rng.choices(COMMON, k=rng.randint(2, 5))
        body_words = rng.choices(COMMON, k=rng.randint(8, 30))
        headline_own, body_own = OWN[shard]
        if rng.random() < 0.3:
            head_words.append(headline_own)
        if rng.random() < 0.3:
            body_words.append(body_own)
        if shard == 1 and rng.random() < 0.3:  # shard 0's headline word, here in bodies only
            body_words.append(OWN[0][0])
        out.append(Article(id=f"x{i:03d}", headline=" ".join(head_words).capitalize(),
                           body=" ".join(body_words).capitalize() + ".", source="wire",
                           language="en"))
    return out


def _scores(ix: NewsIndex, q: str, **kw) -> dict[str, float]:
    res = ix.search(q, limit=1000, snippets=False, exact=True, **kw)
    assert res.total == len(res.hits)
    return {h.id: h.score for h in res.hits}


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    """The same articles as one segment, as four segments (four commits), and cut into
    three shard indexes (article i on shard i mod 3)."""
    articles = _articles()
    root = tmp_path_factory.mktemp("expand")
    one = build_index(root / "one", articles)
    four = build_index(root / "four", articles[:20])
    for start in (20, 45, 70):
        add_articles(four, articles[start:start + 25])
    shards = [build_index(root / f"shard-{k}", articles[k::3]) for k in range(3)]
    return one, four, shards


@pytest.mark.parametrize("q", PATTERNS)
def test_a_pattern_scores_the_same_however_the_index_is_cut_into_segments(layouts, q):
    one, four, _ = layouts
    with NewsIndex.open(one) as a, NewsIndex.open(four) as b:
        want, got = _scores(a, q), _scores(b, q)
    assert want and set(got) == set(want)
    for i, score in want.items():
        assert got[i] == pytest.approx(score, rel=1e-12, abs=1e-12), i


def test_a_pattern_scores_as_its_words_written_out(layouts):
    one, _, _ = layouts
    with NewsIndex.open(one) as ix:
        pattern = _scores(ix, "body:oil*", match="all")
        written = _scores(ix, "body:(oil OR oilcake OR oilfield OR oily OR oilman OR oilseed)",
                          match="all")
    assert pattern == pytest.approx(written, rel=1e-12)


def _archive_search(shards: list, q: str, limits: QueryLimits | None = None, **kw):
    """What the cluster client does, without Ray: statistics from every shard, their sum
    (with the union of the expansions), then each shard's search under it."""
    handles = [NewsIndex.open(s, **({"limits": limits} if limits else {})) for s in shards]
    try:
        parts = []
        for ix in handles:
            parsed = ix.parse(q, exact=True)
            parts.append(ix.with_engine(lambda engine, p=parsed: local_statistics(
                engine, p.query, ix.limits.max_expansions)))
        stats = CollectionStats.combine(parts)
        hits = {}
        with using(stats):
            for ix in handles:
                res = ix.search(q, limit=1000, exact=True, **kw)
                hits.update({h.id: h for h in res.hits})
        return hits
    finally:
        for ix in handles:
            ix.close()


@pytest.mark.parametrize("q", PATTERNS)
def test_shards_with_the_archive_statistics_score_and_highlight_as_one_index(layouts, q):
    one, _, shards = layouts
    with NewsIndex.open(one) as ix:
        want = {h.id: h for h in ix.search(q, limit=1000, exact=True).hits}
    got = _archive_search(shards, q)
    assert want and set(got) == set(want)
    for i, hit in want.items():
        assert got[i].score == pytest.approx(hit.score, rel=1e-12, abs=1e-12), i
        assert got[i].snippet == hit.snippet, i


def test_a_word_only_other_shards_hold_in_the_field_is_highlighted(layouts):
    """`headline:oil*` stands for `oilseed` (shard 0's headlines): an article of shard 1
    with it only in its body has it marked, as in one index."""
    one, _, shards = layouts
    with NewsIndex.open(one) as ix:
        want = {h.id: h.snippet for h in ix.search("headline:oil*", limit=1000).hits}
    got = {i: h.snippet for i, h in _archive_search(shards, "headline:oil*").items()}
    marked = [i for i, s in want.items() if "oilseed" in s.lower() and int(i[1:]) % 3 == 1]
    assert marked and all(got[i] == want[i] for i in marked)


def test_the_expansion_limit_counts_the_archive_union(layouts):
    """Each shard holds few enough `oil*` body words; the archive holds more: refused as
    one index refuses it, with the same message."""
    one, _, shards = layouts
    limits = QueryLimits(max_expansions=5)  # each shard: oil, oili, oilfield + its own one
    for shard in shards:
        with NewsIndex.open(shard, limits=limits) as ix:
            ix.search("body:oil*", snippets=False)  # accepted on each shard alone
    with NewsIndex.open(one, limits=limits) as ix, pytest.raises(QueryError) as single:
        ix.search("body:oil*")
    with pytest.raises(QueryError) as archive:
        _archive_search(shards, "body:oil*", limits=limits)
    assert str(archive.value) == str(single.value)
    assert "more than 5 different words" in str(single.value)
