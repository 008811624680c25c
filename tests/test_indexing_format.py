"""The compact segment format (term dictionary in blocks, stored fields in blocks) reads
back exactly what Whoosh's own format does, on real articles, through every reader API
the search side uses; and its files stand up on their own (edge cases, old segments)."""
from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from conftest import corpus_file
from whoosh import index
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import TermNotFound

from search.article import Article
from search.engine.codec import NewsCodec
from search.engine.storedblocks import StoredBlocksColumn
from search.engine.termdict import BLOCK_TERMS, TermDictReader, TermDictWriter
from search.indexing.schema import build_schema, document_for
from search.ingest import read_corpus

BBC_ARTICLES = 700


@pytest.fixture(scope="module")
def bbc_docs() -> list[dict]:
    arts = itertools.islice((a for a in read_corpus([corpus_file("bbc")]) if isinstance(a, Article)),
                            BBC_ARTICLES)
    return [document_for(a) for a in arts]


def _build(path: Path, docs: list[dict], codec, batches: int = 1):
    path.mkdir(parents=True)
    ix = index.create_in(str(path), build_schema())
    size = -(-len(docs) // batches)
    for k in range(0, len(docs), size):
        w = ix.writer(codec=codec)
        for doc in docs[k:k + size]:
            w.add_document(**doc)
        w.commit(merge=False)
    return ix


def _postings(reader, field, btext) -> list[tuple]:
    if field.startswith("spell_"):
        # Whoosh posts each spelling word under document 0 of its segment with a stray value
        # of the parent field (see postings.py): only the words are read, never the postings.
        return []
    m = reader.postings(field, btext)
    out = []
    while m.is_active():
        out.append((m.id(), m.weight(), m.value()))
        m.next()
    return out


def _assert_same_index(ours, theirs) -> None:
    with ours.reader() as a, theirs.reader() as b:
        terms = list(a.all_terms())
        assert terms == list(b.all_terms())
        assert len(terms) > 15000
        assert {f for f, _ in terms} >= {"body", "headline", "id", "spell_headline", "content_hash"}
        for field, btext in terms:
            assert (field, btext) in a
            assert _postings(a, field, btext) == _postings(b, field, btext)
            assert a.doc_frequency(field, btext) == b.doc_frequency(field, btext)
            assert a.frequency(field, btext) == b.frequency(field, btext)
            ia, ib = a.term_info(field, btext), b.term_info(field, btext)
            assert (ia.min_length(), ia.max_length(), ia.max_weight(), ia.min_id(), ia.max_id()) \
                == (ib.min_length(), ib.max_length(), ib.max_weight(), ib.min_id(), ib.max_id())
        assert a.doc_count_all() == b.doc_count_all() == BBC_ARTICLES
        for docnum in range(a.doc_count_all()):
            assert a.stored_fields(docnum) == b.stored_fields(docnum)
        for field, prefix in [("body", "econ"), ("body", "a"), ("headline", "zz"), ("id", ""),
                              ("spell_headline", "gov"), ("source", "")]:
            assert list(a.expand_prefix(field, prefix)) == list(b.expand_prefix(field, prefix))
            assert list(itertools.islice(a.terms_from(field, prefix), 300)) == \
                list(itertools.islice(b.terms_from(field, prefix), 300))
        assert list(a.lexicon("headline")) == list(b.lexicon("headline"))
        assert [(t, i.doc_frequency(), i.weight()) for t, i in a.iter_field("body")] == \
            [(t, i.doc_frequency(), i.weight()) for t, i in b.iter_field("body")]
        assert a.most_frequent_terms("body", 20) == b.most_frequent_terms("body", 20)
        # absent terms: before the first, between two, after the last, unknown field
        for field, btext in [("body", b"\x00"), ("body", b"economyzzz"), ("body", b"\xff\xff"),
                             ("headline", b"qqqqqq")]:
            assert (field, btext) not in a
            assert a.doc_frequency(field, btext) == 0 and a.frequency(field, btext) == 0
            with pytest.raises(TermNotFound):
                a.term_info(field, btext)
            with pytest.raises(TermNotFound):
                a.postings(field, btext)
    with ours.searcher() as sa, theirs.searcher() as sb:
        for text in ["economy", "govern*", "econmy~", "\"prime minister\"", "body:[a TO b]",
                     "headline:(profit OR sales) AND body:shares"]:
            from whoosh.qparser import FuzzyTermPlugin, QueryParser
            qp = QueryParser("body", ours.schema)
            qp.add_plugin(FuzzyTermPlugin())
            q = qp.parse(text)
            ha = [(h.docnum, round(h.score, 5)) for h in sa.search(q, limit=None)]
            hb = [(h.docnum, round(h.score, 5)) for h in sb.search(q, limit=None)]
            assert ha == hb and ha, text
        assert sa.document_number(id=sa.stored_fields(123)["id"]) == 123
        assert list(sa.reader().terms_within("spell_headline", "goverment", 1)) == \
            list(sb.reader().terms_within("spell_headline", "goverment", 1))


def test_compact_format_reads_back_what_whoosh_format_holds_on_bbc(tmp_path, bbc_docs):
    ours = _build(tmp_path / "ours", bbc_docs, NewsCodec(), batches=3)
    theirs = _build(tmp_path / "w3", bbc_docs, W3Codec(), batches=3)
    assert len(ours._segments()) == 3
    assert any(p.name.endswith(".seg") for p in (tmp_path / "ours").iterdir())
    _assert_same_index(ours, theirs)
    # a merge reads every term, posting and stored document of our format and rewrites them
    ours.writer(codec=NewsCodec()).commit(optimize=True)
    theirs.writer(codec=W3Codec()).commit(optimize=True)
    assert len(ours._segments()) == 1
    _assert_same_index(ours, theirs)


def test_segments_written_before_format_4_stay_readable(tmp_path, bbc_docs):
    old = NewsCodec()
    del old.format  # what unpickling a codec from a schema-3 segment gives
    assert old.format == 3
    ix = _build(tmp_path / "old", bbc_docs[:150], old)
    new = _build(tmp_path / "new", bbc_docs[:150], NewsCodec())
    with ix.reader() as a, new.reader() as b:
        assert [type(r._terms).__name__ for r, _ in a.leaf_readers()] == ["W3TermsReader"]
        assert [type(r._terms).__name__ for r, _ in b.leaf_readers()] == ["TermDictReader"]
        terms = list(a.all_terms())
        assert terms == list(b.all_terms())
        assert all(_postings(a, f, t) == _postings(b, f, t) for f, t in terms)
        assert all(a.stored_fields(d) == b.stored_fields(d) for d in range(150))


# -- the files on their own --------------------------------------------------------------------

def _info(minid: int, n: int, *, inline: bool, weights=None, values=None, offset=0) -> W3TermInfo:
    ti = W3TermInfo(weight=float(sum(weights or [1.0] * n)), df=n, minlength=3, maxlength=900,
                    maxweight=max(weights or [1.0]), minid=minid, maxid=minid + 3 * (n - 1))
    if inline:
        ti.set_inlined([minid + 3 * k for k in range(n)], weights or [1.0] * n,
                       values if values is not None else ())
    else:
        ti.set_extent(offset, 40 * n)
    return ti


def test_term_dictionary_edge_cases_round_trip(tmp_path):
    storage = FileStorage(str(tmp_path))
    long_prefix = b"x" * 300
    body = sorted({long_prefix + b"a", long_prefix + b"ab", b"", b"caf\xc3\xa9"}
                  | {f"w{k:05d}".encode() for k in range(3 * BLOCK_TERMS + 5)})
    entries: list[tuple[str, bytes, W3TermInfo]] = []
    offset = 4
    for k, t in enumerate(body):
        if k % 3 == 0:
            entries.append(("body", t, _info(k, 1 + k % 7, inline=False, offset=offset)))
            offset += 40 * (1 + k % 7) + (k % 5)  # gaps between posting lists are kept
        else:
            n = 1 + k % 4
            entries.append(("body", t, _info(k, n, inline=True, weights=[0.1 * (j + 1) for j in range(n)]
                                               if k % 5 == 0 else [2.5] * n,
                                               values=[bytes([j]) * j for j in range(n)]
                                               if k % 2 else [None] * n)))
    entries.append(("id", b"only", _info(9, 1, inline=True)))
    w = TermDictWriter(storage.create_file("t.ntd"))
    for field, t, ti in entries:
        w.add(field, t, ti)
    w.close()
    r = TermDictReader(None, storage.open_file("t.ntd"), storage.file_length("t.ntd"),
                       storage.create_file("unused.pst"))
    assert list(r.terms()) == [(f, t) for f, t, _ in entries]
    assert list(r.indexed_field_names()) == ["body", "id"]
    order = list(range(len(entries)))
    random.Random(7).shuffle(order)
    for k in order:  # random access across blocks
        field, t, ti = entries[k]
        got = r.term_info(field, t)
        assert (got.weight(), got.doc_frequency(), got.min_id(), got.max_id(), got.max_weight()) == \
            pytest.approx((ti.weight(), ti.doc_frequency(), ti.min_id(), ti.max_id(), ti.max_weight()))
        assert (got.min_length(), got.max_length()) == (3, 903)  # Whoosh's one-byte lengths
        assert got.is_inlined() == ti.is_inlined()
        if ti.is_inlined():
            assert got.inlined_postings() == ti.inlined_postings()  # float64 weights kept exactly
        else:
            assert got.extent() == ti.extent()
    assert list(r.terms_from("body", b"w0012")) [:2] == [("body", b"w00120"), ("body", b"w00121")]
    assert list(r.terms_from("body", b"zzz")) == [("id", b"only")]  # on into the next field
    assert list(r.terms_from("nofield", b"")) == []
    assert (("body", b"w0012") in r, ("body", b"w00120") in r, ("other", b"w00120") in r) == \
        (False, True, False)
    with pytest.raises(ValueError):
        w = TermDictWriter(storage.create_file("bad.ntd"))
        w.add("body", b"b", _info(0, 1, inline=True))
        w.add("body", b"a", _info(0, 1, inline=True))


def test_stored_blocks_random_access_gaps_and_copies(tmp_path):
    storage = FileStorage(str(tmp_path))
    column = StoredBlocksColumn(block_bytes=2000, dict_bytes=5000)
    docs: dict[int, dict] = {}
    f = storage.create_file("s.col")
    writer = column.writer(f)
    for n in range(0, 900):
        if n % 7 == 3:
            continue  # documents without stored fields
        doc = {"id": f"doc-{n}", "body": "word " * (n % 50), "n": n}
        docs[n] = dict(doc)
        writer.add(n, doc)
        doc.clear()  # what Whoosh does once a document is finished
    writer.finish(905)
    f.close()
    reader = column.reader(storage.open_file("s.col"), 0, storage.file_length("s.col"), 905)
    assert len(reader._firsts) > 20  # several blocks, all but the first with a preset dictionary
    order = list(range(905))
    random.Random(3).shuffle(order)
    for n in order:
        assert reader[n] == docs.get(n)
    reader[5]["id"] = "changed"
    assert reader[5]["id"] == "doc-5"
    assert list(reader) == [docs.get(n) for n in range(905)]
    with pytest.raises(IndexError):
        reader[905]


def test_postings_blocks_are_read_by_whooshs_own_matcher(tmp_path):
    """Large gaps (array typecodes B/H/I), mixed and constant weights, positions values:
    the exact `W3LeafMatcher` class the search side reads blocks with gets them back."""
    from whoosh.codec.whoosh3 import W3LeafMatcher

    from search.engine.codec import NewsPostingsWriter
    from search.engine.postings import CompactPositions, decode_positions

    fmt = CompactPositions()
    storage = FileStorage(str(tmp_path))
    f = storage.create_file("p.pst")
    f.write(b"HEAD")
    rng = random.Random(5)
    lists = {
        "small gaps": sorted(rng.sample(range(300), 200)),
        "huge gaps": [k * 70001 for k in range(300)],
        "mid gaps": sorted(rng.sample(range(2_000_000), 150)),
    }
    written = {}
    for name, ids in lists.items():
        w = NewsPostingsWriter(f, blocklimit=128)
        w.start_postings(fmt, W3TermInfo())
        expected = []
        for k, docnum in enumerate(ids):
            positions = sorted(rng.sample(range(1, 5000), 1 + k % 4))
            weight = 1.0 if name == "huge gaps" else float(len(positions)) * 2.5
            w.add_posting(docnum, weight, fmt.encode(positions), length=10 + k)
            expected.append((docnum, weight, positions))
        info = w.finish_postings()
        assert not info.is_inlined()
        written[name] = (info, expected)
    f.close()
    postfile = storage.open_file("p.pst")
    for name, (info, expected) in written.items():
        offset, length = info.extent()
        m = W3LeafMatcher(postfile, offset, length, fmt)
        got = []
        while m.is_active():
            got.append((m.id(), m.weight(), decode_positions(m.value())))
            m.next()
        assert got == expected, name
        assert info.doc_frequency() == len(expected) and info.max_id() == expected[-1][0]
