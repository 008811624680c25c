"""The archive's search path (search/cluster/client.py, merge.py, shard.py) without Ray.

`ClusterIndex.search` talks to its shards only through `scatter`; here `scatter` calls
`Shard` objects (the actors' plain class) in this process, each over a real index of a
third of the articles. So the merging (pages, facets, empty date buckets, did-you-mean,
wildcard expansions) is checked against one index of all the articles in seconds, and
where Ray is not installed; tests/test_cluster.py does the same through a real cluster.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from helpers import build_index

from search import Article, NewsIndex
from search.cluster.client import ClusterIndex
from search.cluster.shard import Shard

WORDS = ("grain wheat harvest exports tonnes coffee brazil prices market shares company "
         "profit dividend quarter bank rates inflation minister budget deficit").split()
# words one shard holds, to correct towards (did you mean) or to expand to (wildcards)
OWN = ("soybeans", "sugarcane", "shipments")
START = datetime(2021, 1, 4, 9, tzinfo=timezone.utc)


def _articles(count: int = 150, seed: int = 11) -> list[Article]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        body = rng.choices(WORDS, k=rng.randint(10, 40))
        if rng.random() < 0.2:
            body.append(OWN[i % 3])
        when, precision = START + timedelta(days=rng.choice([0, 1, 3, 9, 10, 30, 31, 80, 150])), None
        if i % 13 == 0:
            precision = "month"  # a partial date: its own label in day and week facets
        if i % 17 == 0:
            when = None
        out.append(Article(id=f"m{i:03d}", headline=" ".join(rng.choices(WORDS, k=4)).capitalize(),
                           body=" ".join(body).capitalize() + ".", source=rng.choice(["wire", "daily"]),
                           published=when, published_precision=precision if when else None,
                           language="en"))
    return out


class LocalArchive:
    """`ClusterIndex`'s search path, its shards called in this process instead of by Ray."""

    search = ClusterIndex.search
    _suggestion = ClusterIndex._suggestion

    def __init__(self, dirs: list):
        self.shards = {f"shard-{k}": Shard(f"shard-{k}", str(d)) for k, d in enumerate(dirs)}
        self.archive = SimpleNamespace(shards=list(self.shards))
        self.allow_partial = False

    def submit(self, method: str, calls: dict):
        return {s: getattr(self.shards[s], method)(*args) for s, args in calls.items()}, {}

    def gather(self, sent, allow_partial: bool):
        return sent

    def scatter(self, method: str, calls: dict, allow_partial: bool):
        return self.gather(self.submit(method, calls), allow_partial)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    articles = _articles()
    root = tmp_path_factory.mktemp("merge")
    single = build_index(root / "single", articles)
    shards = [build_index(root / f"shard-{k}", articles[k::3]) for k in range(3)]
    with NewsIndex.open(single) as ix:
        archive = LocalArchive(shards)
        yield ix, archive
        for shard in archive.shards.values():
            shard.ix.close()


def _same(ix, archive, query, **options):
    want = ix.search(query, **options)
    got = archive.search(query, **options)
    d = got.to_dict()
    d.pop("partial"), d.pop("missing_shards")
    assert d == want.to_dict(), (query, options)
    assert [h.score for h in got.hits] == pytest.approx([h.score for h in want.hits], rel=1e-12)
    return want


@pytest.mark.parametrize("facet", ["published:day", "published:week", "published:month"])
def test_empty_date_buckets_are_filled_after_the_merge(both, facet):
    ix, archive = both
    want = _same(ix, archive, "grain OR coffee", facets=[facet], empty_buckets=True)
    assert any(v.count == 0 for v in want.facets[facet])  # periods no shard holds
    assert any(len(v.value or "") == 7 for v in want.facets[facet]) or facet.endswith("month")
    _same(ix, archive, "wheat", facets=[facet, "source"], empty_buckets=True, facet_size=5)


@pytest.mark.parametrize("query", ["soybaens prices", "sugarcan", "shipmnts AND grain",
                                   "coffe brazl", "infaltion budget", "grain"])
def test_did_you_mean_is_the_one_index_suggestion(both, query):
    ix, archive = both
    _same(ix, archive, query)


def test_did_you_mean_finds_a_word_only_one_shard_holds(both):
    ix, archive = both
    want = _same(ix, archive, "sugrcane prices")
    assert want.suggestion == "sugarcane prices"


@pytest.mark.parametrize("query", ["soy*", "s?gar*", "ship*", "headline:gr?in", "sugarcan~",
                                   "shipmnts~2 OR coffee", "pr* AND NOT bank"])
def test_wildcards_and_fuzzy_words_rank_as_one_index(both, query):
    ix, archive = both
    for page in (1, 2):
        _same(ix, archive, query, page=page, limit=7, facets=["source"])
