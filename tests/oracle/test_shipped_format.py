"""The engine on the format the product writes, against the reference, with no corpus needed.

240 articles drawn from a fixed seed (a skewed vocabulary, so words are common and rare;
dates, undated articles, sources, sections, tags, inferred headlines), written by
`NewsIndex.add`/`upsert` in three commits with 30 articles replaced (so three segments
and deleted documents). tests/oracle/test_bbc.py does the same on 2,127 BBC articles
when the corpora are there.
"""
from __future__ import annotations

import dataclasses
import random
from datetime import datetime, timedelta, timezone

import pytest
from helpers import add_articles, build_index
from search_fixtures import ReferenceRanking

from search.api import NewsIndex
from search.article import Article
from search.indexing.schema import INFERRED_HEADLINE_PROVENANCE

# Zipf-like: the first words are in most articles, the last in a few.
WORDS = ("oil gas price market minister election court strike treaty border harbour budget "
         "drought tariff pipeline vaccine summit refinery festival league museum grain storm "
         "flood police trial union export bank rate farmer river bridge school hospital doctor "
         "airport railway station factory worker strike engine island coast village mayor "
         "council senate judge lawyer prison army navy ship cargo fishing forest fire rain "
         "harvest wheat coffee sugar copper steel gold silver coal solar wind nuclear dam "
         "canal tunnel highway").split()
STOP = ("the", "of", "and", "a", "in")
SOURCES = ("wire", "daily", "herald")
SECTIONS = ("business", "politics", "sport", None)
TAGS = ("energy", "courts", "weather", "trade")
ARTICLES = 240
START = datetime(2021, 1, 1, 6, 0, tzinfo=timezone.utc)


def _words(rng: random.Random, n: int) -> list[str]:
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    out = []
    for w in rng.choices(WORDS, weights, k=n):
        out.append(w)
        if rng.random() < 0.25:
            out.append(rng.choice(STOP))
    return out


def collection(count: int = ARTICLES, seed: int = 13) -> list[Article]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        body = _words(rng, rng.randint(6, 40))
        inferred = i % 9 == 0
        headline = body[:6] if inferred else _words(rng, rng.randint(2, 6))
        day = None if i % 11 == 0 else START + timedelta(days=rng.randrange(365), hours=i % 5)
        out.append(Article(
            id=f"o{i:03d}", headline=" ".join(headline).capitalize(),
            body=" ".join(body).capitalize() + ".", source=SOURCES[i % 3],
            section=SECTIONS[(i * 7) % 4], tags=tuple(t for k, t in enumerate(TAGS) if (i >> k) & 1),
            published=day, language="en", path=f"gen/{i:03d}.txt",
            provenance={"headline": f"{INFERRED_HEADLINE_PROVENANCE} (test)"} if inferred else {}))
    return out


def revised(article: Article) -> Article:
    """A changed copy: upserting it deletes the indexed one."""
    return dataclasses.replace(article, body=article.body + " Revised storm report.", content_hash="")


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    articles = collection()
    index_dir = build_index(tmp_path_factory.mktemp("shipped") / "index", articles[:100])
    add_articles(index_dir, articles[100:180])
    add_articles(index_dir, articles[180:] + [revised(a) for a in articles[40:70]])
    with NewsIndex.open(index_dir) as ix:
        yield ix


def test_the_index_is_the_format_the_product_writes(shipped):
    """The comparison below is only worth something on NewsCodec segments with deletions."""
    from search.engine.codec import NewsCodec
    from search.engine.termdict import TermDictReader

    def look(searcher, cache):
        leaves = list(searcher.reader().leaf_readers())
        return ([type(r.segment().codec()) for r, _ in leaves],
                [type(r._terms) for r, _ in leaves], any(r.has_deletions() for r, _ in leaves),
                searcher.doc_count())

    codecs, term_readers, deletions, live = shipped._guarded(look)
    assert len(codecs) >= 2 and set(codecs) == {NewsCodec} and set(term_readers) == {TermDictReader}
    assert deletions and live == ARTICLES


# What matches: Whoosh's own searcher decides. Every kind of node the parser makes.
SET_QUERIES = [
    "oil", "harbour", "rate", "oil AND gas", "oil OR gas", "oil AND NOT gas", "oil -gas", "NOT oil",
    "oil OR NOT gas", "(oil OR gas) AND NOT (price AND market)", "oil AND (storm OR flood) -court",
    '"oil gas"', '"oil the gas"', '"price market minister"', '"oil gas"~2', '"oil price" OR storm',
    '"oil gas" AND NOT "gas oil"', "headline:oil", "headline:(oil market)", "body:treaty",
    "source:wire AND oil", "source:herald OR section:sport", "section:business -oil", "tags:energy",
    "tags:courts AND NOT tags:weather", "published:[2021-03-01 TO 2021-06-30]",
    "published:[2021-03-01 TO 2021-06-30] AND oil", "published:2021-05", "pri*", "mark* AND NOT oil",
    "vilage~", "refinary~ OR harbor~", "oil^3 OR gas", "revised AND storm",
]


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "variants"])
@pytest.mark.parametrize("q", SET_QUERIES)
def test_matches_are_what_whoosh_matches(shipped, q, exact):
    parsed = shipped.parse(q, exact=exact).query

    def both(searcher, cache):
        return set(cache.engine.evaluate(parsed, scored=False).docs), set(searcher.docs_for_query(parsed))

    ours, whoosh = shipped._guarded(both)
    live = shipped._guarded(lambda s, c: {d for d in whoosh if not s.reader().is_deleted(d)})
    assert ours == live
    assert shipped.search(q, exact=exact, snippets=False).total == len(live)


def _reference(ix, fn):
    """fn(ReferenceRanking) on the searcher the API uses now."""
    return ix._guarded(lambda searcher, cache: fn(ReferenceRanking(searcher)))


def _docnums(ix, res) -> list[int]:
    return ix._guarded(lambda s, c: [s.document_number(id=h.id) for h in res.hits])


RANK_QUERIES = [
    "oil", "harbour", "oil OR gas", "oil AND gas", "oil AND NOT gas", "NOT oil", "oil OR NOT gas",
    '"oil gas"', '"oil the gas"', '"oil gas"~2 AND price', "headline:oil^3 OR market",
    "(oil OR gas) AND NOT (price AND market)", "pri* AND oil", "vilage~ OR court",
    "published:[2021-03-01 TO 2021-06-30] AND oil", "source:wire AND (oil OR treaty)",
    "revised AND storm", "pri*", "headline:mar* OR gas", "ha?bour", "farmr~ AND NOT oil",
    "headline:vilage~2", "(ri* OR harb*) AND price",
]


@pytest.mark.parametrize("q", RANK_QUERIES)
def test_every_score_and_every_page_is_the_reference(shipped, q):
    """The engine's score of every match equals the reference scorer's (to 1e-9), and every
    page, to the last, is the reference order (ties: newest first, then article id)."""
    parsed = shipped.parse(q).query
    expected, order = _reference(shipped, lambda ref: (lambda sc: (sc, ref.order(sc)))(ref.scores(parsed)))
    assert expected, q
    ours = shipped._guarded(lambda s, c: dict(c.engine.evaluate(parsed).scores))
    assert set(ours) == set(expected)
    for d, score in expected.items():
        assert ours[d] == pytest.approx(score, rel=1e-9, abs=1e-9), d
    limit = 20
    pages = -(-len(order) // limit)
    for page in range(1, pages + 1):
        res = shipped.search(q, snippets=False, limit=limit, page=page)
        want = order[(page - 1) * limit:page * limit]
        assert res.total == len(order)
        assert _docnums(shipped, res) == want, page
        assert [h.score for h in res.hits] == pytest.approx([expected[d] for d in want],
                                                             rel=1e-9, abs=1e-9), page


QUESTIONS = ["oil gas", "the minister and the budget", "harbour storm flood", "headline:oil market"]


@pytest.mark.parametrize("q", QUESTIONS)
def test_questions_rank_all_words_first_then_by_reference_score(shipped, q):
    """Plain words (the default mode): every article with any word, those with all of them
    first, each group in the reference order, on every page."""
    from search.query.questions import word_units

    units = word_units(shipped.parse(q).query)
    assert len(units) >= 2

    def expect(ref):
        per_word = [ref.scores(u) for u in units]
        every = set(per_word[0]).intersection(*per_word[1:])
        scores: dict[int, float] = {}
        for word in per_word:
            for d, v in word.items():
                scores[d] = scores.get(d, 0.0) + v
        return scores, every, ref.order(scores, first=every)

    scores, every, order = _reference(shipped, expect)
    limit = 25
    for page in range(1, -(-len(order) // limit) + 1):
        res = shipped.search(q, snippets=False, limit=limit, page=page)
        assert res.match == "words" and res.total == len(scores)
        assert res.total_all_words == len(every)
        want = order[(page - 1) * limit:page * limit]
        assert _docnums(shipped, res) == want, page
        assert [h.score for h in res.hits] == pytest.approx([scores[d] for d in want],
                                                             rel=1e-9, abs=1e-9), page


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_date_order_pages_are_every_match_by_date(shipped, sort):
    """Date sorts: every match once, by publication (undated last), ties by article id."""
    q = "oil OR gas"
    parsed = shipped.parse(q).query

    def expect(searcher, cache):
        ref = ReferenceRanking(searcher)
        docs = ref.matches(parsed)
        stored = {d: searcher.stored_fields(d) for d in docs}
        sign = -1 if sort == "newest" else 1
        return [stored[d]["id"] for d in sorted(docs, key=lambda d: (
            stored[d].get("published") is None,
            sign * stored[d]["published"].timestamp() if stored[d].get("published") else 0.0,
            stored[d]["id"]))]

    want = shipped._guarded(expect)
    got = [h.id for p in range(1, -(-len(want) // 20) + 1)
           for h in shipped.search(q, sort=sort, limit=20, page=p, snippets=False).hits]
    assert got == want
