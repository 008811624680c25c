"""index / reindex on a real BBC subset: add, update, delete, unchanged, ids, duplicates, CLI."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import corpus_file
from helpers import all_ids, bbc_subset, cli, search_ids

from search.errors import IndexNotFoundError
from search.indexing import index_paths, index_stats, reindex
from search.indexing.store import current_generation, read_meta


@pytest.fixture
def bbc(tmp_path) -> Path:
    return bbc_subset(corpus_file("bbc"), tmp_path / "corpus", per_section=25)


def _touch_text(path: Path, text: str) -> None:
    st = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


def test_reindex_picks_up_add_update_delete_exactly(bbc, tmp_path):
    ix = tmp_path / "ix"
    first = index_paths(ix, [bbc])
    total = first.added
    assert first.outcome == "ok" and total > 115 and first.updated == first.deleted == 0
    assert read_meta(ix)["roots"] == [str(bbc)]
    ids_before = sorted(all_ids(ix))
    assert len(ids_before) == len(set(ids_before)) == total

    noop = reindex(ix)
    assert (noop.added, noop.updated, noop.deleted, noop.unchanged) == (0, 0, 0, total)

    # one update, one new file, one deleted file, one renamed section file (delete + add)
    updated = bbc / "business" / "001.txt"
    _touch_text(updated, "Zanzibarian clove exports soar\n\nClove farmers in Zanzibar report a record harvest.")
    (bbc / "tech" / "900.txt").write_text(
        "Quokka robots join the workforce\n\nA start-up builds quokka-shaped delivery robots.",
        encoding="utf-8")
    (bbc / "sport" / "001.txt").unlink()

    run = reindex(ix)
    assert (run.added, run.updated, run.deleted, run.unchanged) == (1, 1, 1, total - 2)
    assert len(run.changed_ids) == 2
    ids_after = all_ids(ix)
    assert len(ids_after) == len(set(ids_after)) == total
    assert len(search_ids(ix, "zanzibar")) == 1
    assert len(search_ids(ix, "quokka")) == 1
    assert search_ids(ix, "zanzibar") <= set(ids_before)  # the updated article kept its id

    again = reindex(ix)
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)


def test_ids_are_stable_across_runs_and_full_rebuilds(bbc, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    index_paths(a, [bbc])
    index_paths(b, [bbc])
    ids = sorted(all_ids(a))
    assert ids == sorted(all_ids(b))
    gen = current_generation(a)
    run = reindex(a, full=True)
    assert run.kind == "reindex --full" and run.added == len(ids)
    assert current_generation(a) != gen
    assert sorted(all_ids(a)) == ids


def test_index_does_not_delete_but_rereads_changed_files(bbc, tmp_path):
    ix = tmp_path / "ix"
    total = index_paths(ix, [bbc]).added
    shutil.rmtree(bbc / "politics")
    run = index_paths(ix, [bbc])  # `index` only adds and updates
    assert run.deleted == 0 and len(all_ids(ix)) == total
    run = reindex(ix)
    assert run.deleted == 25 and len(all_ids(ix)) == total - 25


def test_duplicates_are_reported_not_indexed(bbc, tmp_path):
    ix = tmp_path / "ix"
    total = index_paths(ix, [bbc]).added
    shutil.copy(bbc / "tech" / "001.txt", bbc / "tech" / "copy-of-001.txt")
    run = reindex(ix)
    assert run.added == 0
    assert any("copy-of-001.txt" in s.path and "exact duplicate" in s.reason for s in run.skipped)
    assert len(all_ids(ix)) == total


def test_cli_index_reindex_stats(bbc, tmp_path):
    ix = str(tmp_path / "ix")
    done = cli("index", str(bbc), "--index-dir", ix, "--json", check=True)
    record = json.loads(done.stdout)
    assert record["outcome"] == "ok" and record["added"] > 115
    assert "added" in done.stderr and "Traceback" not in done.stderr

    (bbc / "tech" / "001.txt").unlink()
    done = cli("reindex", "--index-dir", ix, check=True)
    assert "1 deleted" in done.stderr and done.stdout == ""

    stats = json.loads(cli("stats", "--index-dir", ix, "--json", check=True).stdout)
    assert stats["articles"] == record["added"] - 1
    assert set(stats["per_source"]) == {"business", "entertainment", "politics", "sport", "tech"}
    assert stats["roots"] == [str(bbc)] and stats["schema_version"] >= 2
    assert stats["last_runs"][-1]["kind"] == "reindex" and stats["size_bytes"] > 0
    text = cli("stats", "--index-dir", ix, check=True).stdout
    assert "articles:" in text and "last run:" in text

    help_text = cli("reindex", "--help", check=True).stdout
    assert "Examples:" in help_text and "--full" in help_text


def test_errors_are_one_line_with_status_2(tmp_path):
    done = cli("reindex", "--index-dir", str(tmp_path / "none"))
    assert done.exit_code == 2 and "no index at" in done.stderr and "Traceback" not in done.stderr
    with pytest.raises(IndexNotFoundError):
        index_stats(tmp_path / "none")
    done = cli("stats", "--index-dir", str(tmp_path / "none"))
    assert done.exit_code == 2 and done.stderr.count("\n") == 1


def test_should_stop_commits_the_batch_and_returns_interrupted(bbc, tmp_path):
    from search.indexing import WriteSettings

    ix = tmp_path / "ix"
    calls = []
    run = index_paths(ix, [bbc], settings=WriteSettings(batch_size=20),
                      should_stop=lambda: calls.append(1) or len(calls) >= 2)
    assert run.outcome == "interrupted" and 0 < run.added < 100
    assert len(all_ids(ix)) == run.added  # what it reported is committed
    rest = index_paths(ix, [bbc])
    assert rest.outcome == "ok" and rest.unchanged >= run.added
    ids = all_ids(ix)
    assert len(ids) == len(set(ids)) == run.added + rest.added


def test_api_raises_index_locked_error_naming_the_holder(bbc, tmp_path):
    from search.errors import IndexLockedError
    from search.indexing.lock import WriterLock

    ix = tmp_path / "ix"
    with WriterLock(ix):
        with pytest.raises(IndexLockedError, match=f"pid {os.getpid()} on host"):
            index_paths(ix, [bbc], wait=0.2)
    assert index_paths(ix, [bbc]).outcome == "ok"
