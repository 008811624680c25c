"""The scoring model and the order of hits (search/engine/evaluate.py) on small real indexes.

Inferred headlines, the empty collection, deterministic ties across differently built
indexes, and the default "words" mode (questions) through the API and the CLI.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from helpers import articles_from, build_index, cli
from search_fixtures import ReferenceRanking

from search.api import NewsIndex
from search.article import Article
from search.indexing.schema import headline_inferred
from search.indexing.store import create_index

LONG = ("The committee met again on Tuesday to discuss the budget, the schedule and the "
        "staffing of the new office, and agreed to meet next month.\n")


def write_json(folder, records) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, record in records.items():
        (folder / f"{name}.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.fixture()
def headlines(tmp_path):
    """Articles read by the real ingestion: with a title, and without one (headline inferred)."""
    write_json(tmp_path / "corpus", {
        "titled": {"title": "Nassau accord signed", "text": "Nassau accord signed.\n" + LONG * 3},
        "untitled": {"text": "Nassau accord signed.\n" + LONG * 3},
        "late": {"text": "Minutes of the meeting.\n" + LONG * 3 + "The Nassau accord was mentioned."},
        "other": {"title": "Budget talks", "text": LONG * 4},
    })
    articles = articles_from([tmp_path / "corpus"])
    index_dir = build_index(tmp_path / "index", articles)
    with NewsIndex.open(index_dir) as ix:
        yield ix, {a.path.split(".")[0]: a for a in articles}


def test_ingestion_flags_inferred_headlines(headlines):
    _, arts = headlines
    assert not headline_inferred(arts["titled"]) and not headline_inferred(arts["other"])
    assert headline_inferred(arts["untitled"]) and headline_inferred(arts["late"])
    assert arts["untitled"].headline == "Nassau accord signed."
    assert arts["titled"].headline == "Nassau accord signed"


def test_real_headline_is_boosted_and_inferred_one_weighs_as_body_text(headlines):
    ix, arts = headlines
    res = ix.search("nassau", snippets=False)
    by_id = {h.id: h.score for h in res.hits}
    titled, untitled, late = (by_id[arts[k].id] for k in ("titled", "untitled", "late"))
    # same body; the real headline counts 2.5 times, the inferred one once (as body text)
    assert titled > untitled > late
    ranking = ix._guarded(lambda s, c: ReferenceRanking(s))
    for h in res.hits:
        d = ix._guarded(lambda s, c: s.document_number(id=h.id))
        assert h.score == pytest.approx(ranking.score(ix.parse("nassau").query, d), rel=1e-9)


def test_one_idf_per_word_across_headline_and_body(headlines):
    """A word's weight does not depend on the field it is found in: `budget` is in
    every body and one headline, and scores as a word of all four articles."""
    ix, arts = headlines

    def idfs(searcher, cache):
        e = cache.engine
        return {f: e.term(f, "budget")[1] for f in ("headline", "body")}

    scores = ix._guarded(idfs)
    assert len(scores["body"]) == 4 and len(scores["headline"]) == 1
    ref = ix._guarded(lambda s, c: ReferenceRanking(s))
    assert ref.idf("headline", "budget") == ref.idf("body", "budget") == pytest.approx(
        __import__("math").log(1 + 0.5 / 4.5))


def test_empty_collections_answer_nothing_without_errors(tmp_path):
    from whoosh import query as wq

    from search.engine.evaluate import QueryEngine

    ix = NewsIndex.create(tmp_path / "empty")
    res = ix.search("oil prices", facets=["source"])
    assert res.total == 0 and res.hits == [] and res.total_all_words in (0, None)
    ix.close()
    # every article deleted: no live documents, so no average length or IDF to divide by
    index_dir = build_index(tmp_path / "gone", [Article(id="a1", headline="Oil", body="Oil rose")])
    handle = create_index(index_dir)
    w = handle.ix.writer()
    w.delete_by_term("id", "a1")
    w.commit()
    with handle.ix.searcher() as s:
        engine = QueryEngine(s)
        assert engine.live_count == 0 and engine.avg_length("body") == 1.0
        assert engine.evaluate(wq.Term("body", "oil")).docs == frozenset()
        assert engine.top(set(), {}, 0, 10) == []
    with NewsIndex.open(index_dir) as ix:
        assert ix.search("oil").total == 0


# -- ties: the same articles built two ways give the same pages

def _tie_corpus(root) -> None:
    """30 articles in 10 groups of identical text (so identical scores), dates varied,
    some equal, some missing, in two folders so two builds can read them in two orders."""
    for k in range(30):
        group = k % 10
        day = None if k % 7 == 0 else 1 + (k * 5) % 4
        # a different headline word per article (no exact duplicates: indexing would skip
        # them), same length, so articles of a group score alike
        record = {"title": f"Report x{k:02d}",
                  "text": f"Grain exports report number {group}. " * (1 + group % 3)}
        if day:
            record["date"] = f"2021-03-{day:02d}"
        write_json(root / ("a" if k % 2 else "b"), {f"r{k:02d}": record})


def test_ties_do_not_depend_on_how_the_index_was_built(tmp_path):
    from search.indexing import index_paths
    from search.indexing.indexer import WriteSettings

    _tie_corpus(tmp_path / "corpus")
    a, b = tmp_path / "corpus" / "a", tmp_path / "corpus" / "b"
    index_paths(tmp_path / "one", [a, b], settings=WriteSettings(batch_size=4, procs=1))
    index_paths(tmp_path / "two", [b, a], settings=WriteSettings(batch_size=1000, procs=2))
    pages = {}
    for name in ("one", "two"):
        with NewsIndex.open(tmp_path / name) as ix:
            assert ix.search("grain").total == 30
            docnums = ix._guarded(lambda s, c: {s.stored_fields(d)["id"]: d
                                                for d in range(s.reader().doc_count_all())})
            pages[name] = {
                "docnums": docnums,
                "relevance": [[(h.id, h.score) for h in ix.search("grain report", limit=7, page=p,
                                                                  snippets=False).hits]
                              for p in range(1, 6)],
                "newest": [[h.id for h in ix.search("grain", sort="newest", limit=7, page=p).hits]
                           for p in range(1, 6)],
                "not": [h.id for h in ix.search("NOT zzzz", limit=30).hits],
            }
    assert pages["one"]["docnums"] != pages["two"]["docnums"]  # the builds do differ
    for kind in ("relevance", "newest", "not"):
        assert pages["one"][kind] == pages["two"][kind], kind
    # ties go newest first (undated last), then by id
    with NewsIndex.open(tmp_path / "one") as ix:
        hits = ix.search("NOT zzzz", limit=30).hits
        keys = [(h.published is None, -(h.published.timestamp() if h.published else 0), h.id)
                for h in hits]
        assert keys == sorted(keys) and all(h.score == 0.0 for h in hits)


def test_date_pages_read_the_whole_date_order(tmp_path):
    """Small pages (a heap picks the cut-off) are slices of the full date order: newest
    first, undated last, equal dates by article id; oldest first the same, undated last."""
    from search.indexing import index_paths

    _tie_corpus(tmp_path / "corpus")
    index_paths(tmp_path / "ix", [tmp_path / "corpus"])
    with NewsIndex.open(tmp_path / "ix") as ix:
        every = ix.search("grain", limit=30).hits
        assert len(every) == 30
        for sort, sign in (("newest", -1), ("oldest", 1)):
            expected = [h.id for h in sorted(every, key=lambda h: (
                h.published is None, sign * h.published.timestamp() if h.published else 0, h.id))]
            paged = [h.id for p in range(1, 6) for h in ix.search("grain", sort=sort, limit=7, page=p,
                                                                  snippets=False).hits]
            assert paged == expected[:35], sort


# -- the default mode: questions

def art(i: int, body: str, day: int) -> Article:
    return Article(id=f"q{i:02d}", headline=f"item {i}", body=body, source="wire", language="en",
                   published=datetime(2021, 5, day, tzinfo=timezone.utc), path=f"{i}.txt")


QUESTION_ARTICLES = [
    art(1, "Kremlin officials spoke about NATO bases in Poland.", 1),
    art(2, "The Kremlin said nothing. The Kremlin, the Kremlin and the Kremlin again.", 2),
    art(3, "NATO bases were expanded.", 3),
    art(4, "Weather report for the weekend.", 4),
    art(5, "Kremlin and NATO held talks on bases and bases.", 5),
]


@pytest.fixture()
def qix(tmp_path):
    with NewsIndex.open(build_index(tmp_path / "index", QUESTION_ARTICLES)) as ix:
        yield ix


def test_question_lists_articles_with_every_word_first(qix):
    res = qix.search("the Kremlin and NATO bases", snippets=False)
    assert res.match == "words" and res.total == 4 and res.total_all_words == 2
    assert not res.matched_all_words
    assert {h.id for h in res.hits[:2]} == {"q01", "q05"}  # q02 says Kremlin four times
    assert res.hits[0].score >= res.hits[1].score and res.hits[2].score >= res.hits[3].score
    d = res.to_dict()
    assert (d["match"], d["total_all_words"], d["matched_all_words"]) == ("words", 2, False)


def test_stop_words_do_not_count_against_an_article(qix):
    with_stops = qix.search("the NATO of the bases", snippets=False)
    assert with_stops.total == with_stops.total_all_words == 3 and with_stops.matched_all_words
    assert [h.id for h in with_stops.hits] == [h.id for h in qix.search("NATO bases").hits]


def test_phrases_and_parentheses_are_parts_of_a_question(qix):
    phrase = qix.search('"NATO bases"')  # one exact phrase: the same articles as strictly
    assert phrase.match == "words" and phrase.total == phrase.total_all_words == 2
    assert {h.id for h in phrase.hits} == {h.id for h in qix.search('"NATO bases"', match="all").hits}
    mixed = qix.search('weather "NATO bases" (kremlin)')
    assert mixed.match == "words" and mixed.total == 5 and mixed.total_all_words == 0
    assert qix.search('weather "NATO bases" (kremlin)', match="all").total == 0
    grouped = qix.search("(Kremlin NATO) bases")
    assert grouped.total == 4 and grouped.total_all_words == 2
    assert {h.id for h in grouped.hits[:2]} == {"q01", "q05"}


def test_operators_keep_their_exact_meaning(qix):
    for q, total in (("Kremlin AND NATO", 2), ("Kremlin -NATO", 1), ('"NATO bases" AND kremlin', 1),
                     ("Kremlin OR weather", 4), ("(Kremlin OR NATO) bases", 3),
                     ("source:wire kremlin", 3), ("headline:(item kremlin)", 0)):
        res = qix.search(q)
        assert res.total == total and res.match == "all" and res.total_all_words is None, q
        assert res.matched_all_words
    assert qix.search("kremlin weather", match="all").total == 0
    anyres = qix.search("kremlin weather", match="any")
    assert anyres.total == 4 and anyres.match == "any" and anyres.total_all_words is None
    words = qix.search("kremlin weather")
    assert words.total == 4 and words.total_all_words == 0


def test_question_pages_and_date_sort_cover_the_same_articles(qix):
    q = "kremlin nato bases weather"
    every = [h.id for h in qix.search(q, limit=10).hits]
    paged = [h.id for p in (1, 2, 3) for h in qix.search(q, limit=2, page=p).hits]
    assert paged == every and len(every) == 5
    newest = qix.search(q, sort="newest")
    assert [h.id for h in newest.hits] == ["q05", "q04", "q03", "q02", "q01"]
    assert newest.total_all_words == 0


def test_cli_says_when_not_every_word_matched(tmp_path):
    index_dir = str(build_index(tmp_path / "index", QUESTION_ARTICLES))
    p = cli("query", "kremlin nato bases", "--index-dir", index_dir, "--json")
    d = json.loads(p.stdout)
    assert p.exit_code == 0 and d["total"] == 4 and d["total_all_words"] == 2
    assert "note: 2 articles have all the words and come first" in p.stderr
    strict = cli("query", "kremlin nato bases", "--index-dir", index_dir, "--all", "--json")
    assert json.loads(strict.stdout)["total"] == 2 and "note:" not in strict.stderr
    none = cli("query", "kremlin weather", "--index-dir", index_dir)
    assert none.exit_code == 0 and "no article has all the words" in none.stderr
    both = cli("query", "kremlin", "--index-dir", index_dir, "--any", "--all")
    assert both.exit_code == 2 and "choose one of --any and --all" in both.stderr


def test_tie_order_when_the_first_segment_has_no_dated_article(tmp_path):
    """Whoosh's multi-segment column reader skips a segment without a `published` column:
    read that way, the dated articles' dates landed on the undated ones of the first
    segment, and equal scores came out in the wrong order. Ties go newest first, undated
    last, then by id."""
    from datetime import datetime, timezone

    from helpers import add_articles, build_index

    from search import Article, NewsIndex

    def article(i: str, day: int | None) -> Article:
        when = datetime(2021, 9, day, tzinfo=timezone.utc) if day else None
        return Article(id=i, headline=f"Harbour report {i}", body="The harbour was quiet.",
                       source="wire", published=when)

    index_dir = build_index(tmp_path / "ix", [article("u1", None), article("u2", None)])
    add_articles(index_dir, [article("d1", 20), article("d2", 25)])
    with NewsIndex.open(index_dir) as ix:
        res = ix.search("NOT zzz", limit=10, snippets=False)
    assert [h.id for h in res.hits] == ["d2", "d1", "u1", "u2"]
