"""The library-first API: one `NewsIndex` handle indexes (from memory and from files),
reindexes, reports stats and runs alerts, on real indexes on disk."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

import search
from search import Article, NewsIndex
from search.errors import AlertError, IndexLockedError, IndexNotFoundError, QueryError, SearchOptionError
from search.indexing.lock import WriterLock


def memory_articles(n: int = 3) -> list[Article]:
    return [Article(id=f"pipe-{i}", headline=f"Zebra census number {i}",
                    body=f"Rangers counted {i} zebras near the okavango delta.", source="pipeline",
                    published=datetime(2026, 11, 20 + i, 9, 0, tzinfo=timezone.utc))
            for i in range(n)]


def write_text_article(path: Path, headline: str, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{headline}\n\n{body}\n", "utf-8")


@pytest.fixture
def corpus(tmp_path: Path, sample_corpus: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(sample_corpus, target)
    return target


@pytest.fixture
def ix(tmp_path: Path):
    with NewsIndex.open(tmp_path / "index", create=True) as handle:
        yield handle


def ids_of(ix: NewsIndex, query: str) -> set[str]:
    return {h.id for h in ix.search(query, limit=100).hits}


def test_memory_articles_survive_reindex_and_full_rebuild(ix, corpus):
    run = ix.add(memory_articles())
    assert (run.kind, run.outcome, run.added) == ("add", "ok", 3)
    files = ix.index(corpus)
    assert files.added >= 2 and files.errors == []
    total = ix.stats()["articles"]
    assert total == 3 + files.added

    again = ix.reindex()
    assert (again.added, again.deleted) == (0, 0)
    assert ids_of(ix, "zebra") == {"pipe-0", "pipe-1", "pipe-2"}

    full = ix.reindex(full=True)
    assert full.outcome == "ok" and full.errors == []
    assert ix.stats()["articles"] == total
    assert ids_of(ix, "zebra") == {"pipe-0", "pipe-1", "pipe-2"}
    kept = ix.get("pipe-1")
    assert kept.headline == "Zebra census number 1" and kept.source == "pipeline"
    assert kept.published == datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
    # and an incremental reindex after the rebuild still keeps them
    assert ix.reindex().deleted == 0 and ix.stats()["articles"] == total


def test_upsert_changes_one_delete_removes_one_ids_stable(ix):
    ix.add(memory_articles())
    same = ix.upsert(memory_articles())
    assert (same.added, same.updated, same.unchanged) == (0, 0, 3)
    changed = Article(id="pipe-1", headline="Zebra census revised", body="Okapi counted too.")
    run = ix.upsert([changed])
    assert (run.updated, run.changed_ids) == (1, ["pipe-1"])
    assert ids_of(ix, "okapi") == {"pipe-1"}
    assert ix.get("pipe-1").headline == "Zebra census revised"

    run = ix.delete(["pipe-2"])
    assert run.deleted == 1
    assert ix.get("pipe-2") is None
    assert ids_of(ix, "zebra") == {"pipe-0", "pipe-1"}
    assert ix.reindex(full=True).outcome == "ok"
    assert ids_of(ix, "zebra") == {"pipe-0", "pipe-1"}
    assert ix.get("pipe-1").headline == "Zebra census revised"


def test_add_skips_an_existing_id_and_names_upsert(ix):
    ix.add(memory_articles(1))
    run = ix.add([Article(id="pipe-0", headline="Other", body="Other text")])
    assert run.added == 0 and "upsert replaces it" in run.skipped[0].reason
    assert ix.get("pipe-0").headline == "Zebra census number 0"


def test_missing_id_and_hash_are_derived_and_stable(ix):
    a = Article(id="", headline="Storm warning", body="Gales tonight.", url="https://x.test/a",
                published=datetime(2026, 11, 30, 8, 0))  # naive: taken as UTC
    first = ix.add([a])
    assert first.added == 1
    (derived,) = first.changed_ids
    assert ix.upsert([a]).unchanged == 1  # the same id again
    assert ix.get(derived).published == datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def test_delete_does_not_touch_corpus_articles_or_unknown_ids(ix, corpus):
    ix.index(corpus)
    some_id = next(iter(ids_of(ix, "Lukashenko")))
    run = ix.delete([some_id, "no-such-id"])
    assert run.deleted == 0
    reasons = [s.reason for s in run.skipped]
    assert any("corpus file" in r for r in reasons) and "no article with this id" in reasons
    assert ix.get(some_id) is not None


def test_duplicates_between_memory_and_files(ix, tmp_path):
    corpus = tmp_path / "dups"
    write_text_article(corpus / "a" / "story.txt", "Harbour reopens",
                       "The harbour reopened to ships early this morning.")
    ix.index(corpus)
    (file_id,) = ids_of(ix, "harbour")
    stored = ix.get(file_id)
    # The same text from memory is an exact duplicate of the file's article: skipped.
    run = ix.add([Article(id="copy", headline=stored.headline, body=stored.body)])
    assert run.added == 0 and run.skipped[0].reason.startswith("exact duplicate of")

    # The other way round: a memory article first, then a file with the same text.
    mem = Article(id="mem-first", headline="Bridge closes",
                  body="The old bridge closed at noon for repairs.")
    ix.add([mem])
    write_text_article(corpus / "b" / "bridge.txt", "Bridge closes", mem.body)
    run = ix.index(corpus)
    assert run.added == 0 and any("exact duplicate" in s.reason for s in run.skipped)
    assert ids_of(ix, "bridge") == {"mem-first"}
    # Deleting the memory article promotes the file's copy, as deleting a file would.
    run = ix.delete("mem-first")
    assert (run.deleted, run.added) == (1, 1)
    (promoted,) = ids_of(ix, "bridge")
    assert promoted != "mem-first" and ix.get(promoted).path.endswith("bridge.txt")
    # and a full rebuild keeps exactly one copy of each story
    ix.reindex(full=True)
    assert len(ids_of(ix, "bridge")) == 1 and len(ids_of(ix, "harbour")) == 1


def test_writers_take_the_lock_and_raise_after_wait(ix):
    with WriterLock(ix.index_dir):
        with pytest.raises(IndexLockedError, match="--wait"):
            ix.add(memory_articles(1), wait=0.1)
        with pytest.raises(IndexLockedError):
            ix.reindex()
    assert ix.add(memory_articles(1)).added == 1


def test_bad_input_is_one_documented_error(ix, tmp_path):
    with pytest.raises(SearchOptionError, match="search.Article"):
        ix.add([{"headline": "a dict"}])
    with pytest.raises(SearchOptionError, match="neither headline nor body"):
        ix.add([Article(id="x", headline=" ", body="")])
    with pytest.raises(SearchOptionError, match="go with full=True"):
        ix.reindex(allow_shrink=True)
    with pytest.raises(QueryError, match="a query is text"):
        ix.search(None)  # type: ignore[arg-type]
    with pytest.raises(IndexNotFoundError):
        NewsIndex.open(tmp_path / "nothing-here")


def test_create_alias_and_open_create(tmp_path):
    with NewsIndex.create(tmp_path / "a") as a:
        assert a.doc_count == 0
    with NewsIndex.open(tmp_path / "a") as again:
        assert again.stats()["articles"] == 0


def test_alerts_through_the_handle(ix, corpus):
    ix.index(corpus)
    saved = ix.alerts.add("zebras", "zebra", sources=["pipeline"])
    assert saved.name == "zebras" and saved.sources == ("pipeline",)
    with pytest.raises(AlertError, match="exists"):
        ix.alerts.add("zebras", "zebra")
    run = ix.add(memory_articles(2))  # delivered by the write itself
    assert [(d.alert, len(d.new)) for d in run.deliveries] == [("zebras", 2)]
    assert run.delivery_error is None
    assert "deliveries" not in run.to_dict()  # the run record is unchanged
    shown = ix.alerts.show("zebras")
    assert {r["id"] for r in shown} == {"pipe-0", "pipe-1"}
    assert ix.alerts.show("zebras", since="1h") == shown
    [status] = ix.alerts.list()
    assert status.delivered == 2 and status.to_dict()["name"] == "zebras"
    # alerts=False defers delivery; deliver() catches up, and never twice
    quiet = ix.add(memory_articles(3)[2:], alerts=False)
    assert quiet.deliveries == []
    assert [len(d.new) for d in ix.alerts.deliver()] == [1]
    assert [len(d.new) for d in ix.alerts.deliver()] == [0]
    ix.alerts.remove("zebras")
    assert ix.alerts.list() == []


def test_stats_is_the_cli_json(ix, corpus):
    from click.testing import CliRunner

    from search.cli import main

    ix.index(corpus)
    st = ix.stats()
    out = CliRunner().invoke(main, ["stats", "--json", "--index-dir", str(ix.index_dir)])
    assert out.exit_code == 0
    assert json.loads(out.output) == json.loads(json.dumps(st))


def test_package_is_typed_and_exports_its_errors():
    root = Path(search.__file__).parent
    assert (root / "py.typed").exists()
    for name in ("SearchOptionError", "ArticleNotFoundError", "SearchFailedError"):
        assert name in search.__all__


def test_published_facet_agrees_between_api_and_cli(ix, corpus):
    from click.testing import CliRunner

    from search.cli import main

    ix.index(corpus)
    api = ix.search("Ukraine", facets=["published"]).to_dict()["facets"]
    out = CliRunner().invoke(main, ["query", "Ukraine", "--facet", "published", "--json",
                                    "--index-dir", str(ix.index_dir)])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["facets"] == api


def test_results_have_no_len_but_a_total(ix, corpus):
    ix.index(corpus)
    res = ix.search("Ukraine", limit=1)
    assert res.total == 2 and len(res.hits) == 1 and len(list(res)) == 1
    with pytest.raises(TypeError):
        len(res)  # type: ignore[arg-type]


def test_upserting_the_indexed_copy_promotes_the_file_copy(ix, tmp_path):
    corpus = tmp_path / "dups"
    text = "The old bridge closed at noon for repairs."
    write_text_article(corpus / "b" / "bridge.txt", "Bridge closes", text)
    ix.add([Article(id="mem", headline="Bridge closes", body=text)])
    ix.index(corpus)
    assert ids_of(ix, "bridge") == {"mem"}
    run = ix.upsert([Article(id="mem", headline="Bridge closes",
                             body="The old bridge reopened at six after repairs.")])
    assert (run.updated, run.added) == (1, 1)  # the edit, and the file's copy of the old text
    assert len(ids_of(ix, "bridge")) == 2
    assert ix.reindex().added == 0 and len(ids_of(ix, "bridge")) == 2


def test_similar_lists_equal_scores_by_id_past_the_cut_off(ix):
    """Copies with one body score alike: they are listed by id, not by the order they were
    written in (a sharded archive cannot know that order), and a tie at the `limit`
    cut-off keeps the lowest ids, not the first written."""
    body = "Okapi herders counted zebra and giraffe near the river delta at dawn."
    copies = [Article(id=f"copy-{k}", headline=f"Census copy {k}", body=body)
              for k in (7, 3, 9, 1, 5, 8, 2, 6, 4, 0, 11, 10, 13, 12)]
    ix.add([Article(id="query", headline="Okapi census", body=body)])
    ix.add(copies[:7])
    ix.add(copies[7:])  # a second segment
    every = ix.similar("query", limit=100).hits
    assert len({h.score for h in every}) == 1
    assert [h.id for h in every] == sorted(c.id for c in copies)
    assert [h.id for h in ix.similar("query", limit=3).hits] == ["copy-0", "copy-1", "copy-10"]
