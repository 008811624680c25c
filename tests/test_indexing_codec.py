"""The codec's inlined postings and the fused analysis filter: same results, less work."""
from __future__ import annotations

from pathlib import Path

from conftest import corpus_file
from helpers import search_ids
from whoosh.query import Term

from search.article import Article
from search.engine.analysis import news_analyzer, reference_news_analyzer
from search.engine.codec import INLINE_LIMIT
from search.indexing import WriteSettings, index_paths, open_index, reindex
from search.ingest import read_corpus


def _tokens(analyzer, text: str, **kw) -> list[tuple]:
    return [(t.text, t.pos, t.startchar, t.endchar, t.stopped)
            for t in analyzer(text, positions=True, chars=True, **kw)]


def test_fused_filter_gives_the_reference_chains_tokens_on_bbc():
    fused, reference = news_analyzer(), reference_news_analyzer()
    bodies = [a.body for a in read_corpus([corpus_file("bbc")]) if isinstance(a, Article)]
    assert len(bodies) > 2000
    extra = "Erdoğan's İstanbul café: the naïve KELVIN \u212a, أعلنت وزارة الصحة, a I x"
    for text in [*bodies, extra]:
        assert _tokens(fused, text) == _tokens(reference, text)
        kept = {"removestops": False}
        assert _tokens(fused, text, **kept) == _tokens(reference, text, **kept)
    # the unstemmed words of the spelling twin (Whoosh skips "morph" filters only)
    assert _tokens(fused, extra, no_morph=True) == _tokens(reference, extra, no_morph=True)
    assert [t.text for t in fused("Planned settings", no_morph=True)] == ["planned", "settings"]


def _corpus(root: Path, n: int) -> Path:
    root.mkdir(parents=True)
    for k in range(n):
        rare = f"zyx{k:03d}word"  # one article each: inlined
        (root / f"{k:03d}.txt").write_text(
            f"Story {k} about {rare}\n\nOfficials reflect the merger {rare} and NATO "
            f"plans {'common ' * (k % 3)}today.", encoding="utf-8")
    return root


def test_rare_terms_are_inlined_and_survive_merges_updates_and_deletes(tmp_path):
    corpus = _corpus(tmp_path / "news", 30)
    ix = tmp_path / "ix"
    run = index_paths(ix, [corpus], settings=WriteSettings(batch_size=4, procs=1))
    assert run.added == 30
    handle = open_index(ix)
    with handle.ix.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        infos = [leaf.term_info("body", "zyx007word") for leaf in leaves
                 if ("body", "zyx007word") in leaf]
        assert infos and all(i.is_inlined() for i in infos)
        ids = list(reader.lexicon("id"))
        assert len(ids) == 30
        # what a merge reads: every posting of a value-less field comes back
        assert sum(1 for p in reader.iter_postings() if p[0] == "id") == 30
        for leaf in leaves:  # a list of INLINE_LIMIT or more postings goes to the postings file
            info = leaf.term_info("body", "offici")
            assert info.is_inlined() == (info.doc_frequency() < INLINE_LIMIT)
    with handle.ix.searcher() as s:
        assert all(len(s.search(Term("id", i))) == 1 for i in ids)
    assert len(search_ids(ix, "zyx007word")) == 1
    assert len(search_ids(ix, '"merger zyx012word"')) == 1
    assert len(search_ids(ix, '"reflect merger"')) == 0
    assert len(search_ids(ix, "common")) == 20

    (corpus / "007.txt").write_text("Story 7 about zyx007word\n\nNothing rare here now, rewritten.",
                                    encoding="utf-8")
    (corpus / "012.txt").unlink()
    again = reindex(ix, settings=WriteSettings(batch_size=4, procs=1))
    assert (again.updated, again.deleted) == (1, 1)
    assert search_ids(ix, "zyx007word") == set() and search_ids(ix, "zyx012word") == set()
    assert len(search_ids(ix, "rewritten")) == 1
    handle = open_index(ix)
    with handle.ix.searcher() as s:
        assert s.doc_count() == 29
    w = handle.ix.writer()
    w.commit(optimize=True)  # one segment: every inlined list is read and rewritten
    assert len(search_ids(ix, "zyx013word")) == 1 and len(search_ids(ix, "plan")) == 28
