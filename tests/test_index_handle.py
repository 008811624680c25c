"""The index directory's handle (search/indexing/store.py): what alerts and long-lived readers
ask of an index without opening Whoosh themselves, on real indexes on disk."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from search.api import NewsIndex
from search.article import Article
from search.indexing import index_paths, reindex
from search.indexing.store import GenerationWatch, current_generation, open_index

SAMPLE_CORPUS = Path(__file__).resolve().parent.parent / "corpus"
NEW_STORY = """Headline: Harbour cranes idle as dockers strike
Source: rferl

Dockers at the harbour walked out on Monday, leaving the cranes idle and ships waiting.
"""


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(SAMPLE_CORPUS, root)
    return root


def test_version_hashes_and_ids_follow_commits(corpus, tmp_path):
    ix = tmp_path / "ix"
    index_paths(ix, [corpus])
    with open_index(ix) as handle:
        before, hashes = handle.version(), handle.content_hashes()
    assert len(hashes) == 2

    (corpus / "rferl" / "strike.txt").write_text(NEW_STORY, "utf-8")
    run = reindex(ix)
    assert run.added == 1
    with open_index(ix) as handle:
        assert handle.version() != before  # a commit changes the version
        new = handle.content_hashes() - hashes
        assert handle.ids_with_hashes(new) == set(run.changed_ids)
        assert handle.ids_with_hashes([]) == set()

    (corpus / "rferl" / "strike.txt").unlink()
    assert reindex(ix).deleted == 1
    with open_index(ix) as handle:  # a deleted article's id is never returned
        assert handle.ids_with_hashes(new) == set()


def test_an_open_index_follows_a_full_rebuild_by_another_handle(corpus, tmp_path):
    ix_dir = tmp_path / "ix"
    index_paths(ix_dir, [corpus])
    first = current_generation(ix_dir)
    watch = GenerationWatch(ix_dir)
    with NewsIndex.open(ix_dir) as reader, NewsIndex.open(ix_dir) as writer:
        assert reader.search("zebra").total == 0
        assert not watch.switched_from(first)
        writer.reindex(full=True)  # a new generation becomes current
        assert current_generation(ix_dir) != first
        assert watch.switched_from(first)
        assert not watch.switched_from(current_generation(ix_dir))
        # Written into the new generation only: the reader sees it once it has moved there.
        writer.add(Article(id="", headline="Zebra census", body="The zebra count rose."))
        assert reader.search("zebra").total == 1
