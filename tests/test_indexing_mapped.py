"""Segment parts read through their own memory maps read exactly what Whoosh's copies read."""
from __future__ import annotations

import os

import pytest
from helpers import SAMPLE_CORPUS, add_articles, articles_from, build_index
from whoosh.filedb.filestore import FileStorage

from search.engine.mapped import MappedPart, NewsFileStorage
from search.indexing.store import read_meta


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    articles = articles_from([SAMPLE_CORPUS])
    index_dir = build_index(tmp_path_factory.mktemp("mapped") / "index", articles[:1])
    add_articles(index_dir, articles[1:])  # two compound segments
    return index_dir


def _parts(storage, gen_dir):
    ix = storage.open_index()
    out = {}
    for segment in ix._segments():
        assert segment.is_compound()
        compound = segment.open_compound_file(storage)
        for name in compound.list():
            f = compound.open_file(name)
            out[name] = f
    return ix, out


def test_every_part_reads_the_same_bytes_and_positions(index_dir):
    gen_dir = str(index_dir / read_meta(index_dir)["generation"])
    _, plain = _parts(FileStorage(gen_dir), gen_dir)
    _, mapped = _parts(NewsFileStorage(gen_dir), gen_dir)
    assert set(plain) == set(mapped) and len(plain) >= 8
    for name, theirs in plain.items():
        ours = mapped[name]
        if ours.__class__ is MappedPart:
            assert ours.file is ours._map  # no copy: reads go straight to the map
        whole = theirs.read()
        ours.seek(0)
        assert ours.read() == whole, name
        assert ours.tell() == len(whole)
        middle = len(whole) // 2
        for f in (theirs, ours):
            f.seek(middle)
        assert ours.read(7) == theirs.read(7) and ours.tell() == theirs.tell()
        tail = min(3, len(whole))
        ours.seek(-tail, os.SEEK_END)
        assert ours.read() == whole[len(whole) - tail:]
        assert ours.get(middle, 5) == theirs.get(middle, 5) == whole[middle:middle + 5]
        ours.close()
        theirs.close()


def test_searcher_reads_the_same_documents_and_postings(index_dir):
    gen_dir = str(index_dir / read_meta(index_dir)["generation"])
    results = []
    for storage in (FileStorage(gen_dir), NewsFileStorage(gen_dir)):
        with storage.open_index().searcher() as s:
            stored = [s.stored_fields(d) for d in range(s.doc_count_all())]
            postings = {(f, t): list(s.reader().postings(f, t).items_as("positions"))
                        for f, t in s.reader().all_terms() if f in ("body", "headline")}
            results.append((stored, postings))
    assert results[0] == results[1]
    assert len(results[0][1]) > 300


def test_opening_reads_the_next_commit_when_the_listed_one_is_gone(index_dir, tmp_path):
    """What a reader sees when a commit deletes the TOC it listed: the next read finds the new one."""
    from search.indexing.store import OPEN_ATTEMPTS, read_latest

    gen_dir = index_dir / read_meta(index_dir)["generation"]
    tocs = iter([tmp_path / "_MAIN_1.toc", *sorted(gen_dir.glob("_MAIN_*.toc"))])  # first: deleted
    assert read_latest(lambda: next(tocs).read_bytes())  # the second attempt reads the live TOC
    with pytest.raises(FileNotFoundError):
        read_latest(lambda: (tmp_path / "gone.toc").read_bytes())  # gives up after OPEN_ATTEMPTS
    assert OPEN_ATTEMPTS > 1
