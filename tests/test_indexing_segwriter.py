"""Our segment writer writes the very bytes Whoosh's writer writes from the same documents,
on real articles in English and Arabic, in one process or several, with its pool spilled
to disk or not, and merges segments as Whoosh does."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from conftest import corpus_file
from whoosh import index
from whoosh.writing import SegmentWriter

from search.article import Article
from search.engine.analysis import TextTerms, news_analyzer, text_terms_for
from search.engine.codec import NewsCodec
from search.engine.segwriter import NewsSegmentWriter, index_writer
from search.indexing.schema import build_schema, document_for
from search.ingest import read_corpus

ARTICLES = 600


def _docs(corpus: str, n: int = ARTICLES) -> list[dict]:
    arts = itertools.islice((a for a in read_corpus([corpus_file(corpus)]) if isinstance(a, Article)), n)
    return [document_for(a) for a in arts]


@pytest.fixture(scope="module")
def bbc_docs() -> list[dict]:
    return _docs("bbc")


def _segment_files(path: Path) -> dict[str, bytes]:
    """Each segment file's bytes by extension (segment names are random)."""
    files = {}
    for f in sorted(path.iterdir()):
        if f.name.startswith("MAIN_") and f.name != "MAIN_WRITELOCK":
            ext = f.name.split(".", 1)[1]
            assert ext not in files, "one segment expected"
            files[ext] = f.read_bytes()
    return files


def _write_one_segment(path: Path, docs: list[dict], writer_class, **kwargs) -> dict[str, bytes]:
    path.mkdir(parents=True)
    ix = index.create_in(str(path), build_schema())
    w = writer_class(ix, codec=NewsCodec(), compound=False, **kwargs)
    for doc in docs:
        w.add_document(**doc)
    w.commit(merge=False)
    return _segment_files(path)


def _assert_same_files(ours: dict[str, bytes], theirs: dict[str, bytes]) -> None:
    assert sorted(ours) == sorted(theirs)
    for ext in theirs:
        assert ours[ext] == theirs[ext], f"the .{ext} files differ"


@pytest.mark.parametrize("corpus", ["bbc", "reuters", "saudinewsnet"])
def test_segment_bytes_equal_whooshs_writer(tmp_path, corpus):
    docs = _docs(corpus)
    assert len(docs) == ARTICLES
    theirs = _write_one_segment(tmp_path / "whoosh", docs, SegmentWriter)
    ours = _write_one_segment(tmp_path / "ours", docs, NewsSegmentWriter)
    assert {"pst", "ntd", "_stored.col", "_body_len.col"} <= set(theirs)
    _assert_same_files(ours, theirs)


def test_segment_bytes_equal_whooshs_writer_on_russian_and_odd_words(tmp_path):
    """Cyrillic (Snowball Russian, ё/е), Arabic with harakat and tatweel, a lost space after
    a full stop: no corpus needed (tests/data/russian)."""
    root = Path(__file__).parent / "data" / "russian"
    docs = [document_for(a) for a in read_corpus([root]) if isinstance(a, Article)]
    assert len(docs) == 8
    docs[0]["headline"] = "مُدَرِّسَة والرياض العـــربية أمريكا always dangerous.The U.S. DATA.O Пётр ёлка"
    theirs = _write_one_segment(tmp_path / "whoosh", docs, SegmentWriter)
    ours = _write_one_segment(tmp_path / "ours", docs, NewsSegmentWriter)
    _assert_same_files(ours, theirs)


def test_spilled_pool_writes_the_same_bytes(tmp_path, bbc_docs):
    """limitmb=1 spills sorted runs to disk many times over 600 articles. (Both spill: a
    block's pickle refers back to a value object met twice, and values read back from a
    run are distinct objects, so spilled bytes differ from unspilled ones, not what they
    decode to.)"""
    theirs = _write_one_segment(tmp_path / "whoosh", bbc_docs, SegmentWriter, limitmb=1)
    ours = _write_one_segment(tmp_path / "ours", bbc_docs, NewsSegmentWriter, limitmb=1)
    _assert_same_files(ours, theirs)


def test_boosts_and_odd_values_take_whooshs_path_with_the_same_result(tmp_path, bbc_docs):
    docs = [dict(d) for d in bbc_docs[:50]]
    docs[0]["_boost"] = 3.0
    docs[1]["_body_boost"] = 0.5
    docs[2]["headline"] = "the of and"   # only stop words: no terms, no spelling words
    docs[3]["body"] = ""
    docs[4]["headline"] = "Ünïcödé façade naïve café's ÉTÉ x.y.z 3.14 e.g. U.S."
    theirs = _write_one_segment(tmp_path / "whoosh", docs, SegmentWriter)
    ours = _write_one_segment(tmp_path / "ours", docs, NewsSegmentWriter)
    _assert_same_files(ours, theirs)


def _merged_files(path: Path, docs: list[dict], writer_class) -> dict[str, bytes]:
    """Three segments (the middle one with deletions), then one merging commit."""
    path.mkdir(parents=True)
    ix = index.create_in(str(path), build_schema())
    third = len(docs) // 3
    for part in (docs[:third], docs[third:2 * third], docs[2 * third:]):
        w = writer_class(ix, codec=NewsCodec(), compound=False)
        for doc in part:
            w.add_document(**doc)
        w.commit(merge=False)
    w = writer_class(ix, codec=NewsCodec(), compound=False)
    for doc in docs[third:third + 20]:
        w.delete_by_term("id", doc["id"])
    w.commit(optimize=True)
    return _segment_files(path)


def test_merging_segments_writes_the_same_bytes(tmp_path, bbc_docs):
    theirs = _merged_files(tmp_path / "whoosh", bbc_docs, SegmentWriter)
    ours = _merged_files(tmp_path / "ours", bbc_docs, NewsSegmentWriter)
    _assert_same_files(ours, theirs)


def test_sub_process_writers_hold_every_document_once(tmp_path, bbc_docs):
    ix = index.create_in(str(tmp_path), build_schema())
    w = index_writer(ix, procs=2, codec=NewsCodec())
    for doc in bbc_docs:
        w.add_document(**doc)
    w.commit(merge=False)
    with ix.searcher() as s:
        assert len(ix._segments()) == 2
        assert s.doc_count() == len(bbc_docs)
        ids = [s.stored_fields(n)["id"] for n in range(s.doc_count_all())]
        assert sorted(ids) == sorted(d["id"] for d in bbc_docs)
        word = next(iter(news_analyzer()("Government"))).text
        assert s.doc_frequency("body", word) == sum(
            word in {t.text for t in news_analyzer()(d.get("body", ""))} for d in bbc_docs)


@pytest.mark.parametrize("corpus,cache_size", [("bbc", 200_000), ("saudinewsnet", 200_000),
                                               ("bbc", 300)])
def test_text_terms_equal_the_analyzer_chain(corpus, cache_size, monkeypatch):
    """Also when the word cache fills up and starts over (cache_size=300)."""
    monkeypatch.setattr("search.engine.analysis.STEM_CACHE_SIZE", cache_size)
    terms = text_terms_for(news_analyzer())
    assert isinstance(terms, TextTerms)
    for doc in _docs(corpus, 300):
        for text in (doc.get("headline", ""), doc.get("body", "")):
            expected: dict[bytes, list[int]] = {}
            for t in news_analyzer()(text, positions=True):
                expected.setdefault(t.text.encode("utf-8"), []).append(t.pos)
            got = terms.positions(text)
            assert list(got.items()) == list(expected.items())
            assert terms.unstemmed(text) == sorted({t.text for t in news_analyzer()(text, no_morph=True)})


def test_other_analyzers_keep_whooshs_path():
    from search.engine.analysis import name_analyzer
    assert text_terms_for(name_analyzer()) is None
    assert text_terms_for(build_schema()["id"].analyzer) is None


def test_date_ranges_match_exactly_the_articles_dated_within_them(tmp_path):
    """Dates are indexed every 16 bits (schema.py, `_date_field`): random ranges from a
    minute to three days, on Reuters' own dates, find exactly the articles dated inside."""
    import random
    from datetime import timedelta

    from whoosh import query as wq

    docs = _docs("reuters", 3000)
    ix = index.create_in(str(tmp_path), build_schema())
    w = index_writer(ix, procs=1, codec=NewsCodec())
    for doc in docs:
        w.add_document(**doc)
    w.commit()
    dated = [(n, doc["published"]) for n, doc in enumerate(docs) if "published" in doc]
    assert len(dated) > 2500
    rnd = random.Random(7)
    with ix.searcher() as s:
        for _ in range(40):
            start = rnd.choice(dated)[1] + timedelta(seconds=rnd.randint(-50_000, 50_000))
            end = start + timedelta(seconds=rnd.randint(60, 3 * 86_400))
            found = set(s.docs_for_query(wq.DateRange("published", start, end)))
            assert found == {n for n, p in dated if start <= p <= end}
