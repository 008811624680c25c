"""Never lose an index: rebuilds that would lose articles, duplicates, damaged files, disk faults.

Each test reproduces one defect found by attacking the released tool (issue: data loss,
resource and error-contract defects) with real files, real indexes and real processes.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import corpus_file
from helpers import (
    PROJECT,
    all_ids,
    cli,
    cli_process,
    extract_members,
    start_cli_process,
    wait_for,
    write_articles,
)

from search.article import Article
from search.errors import IndexDamagedError, RebuildRefusedError, StorageError
from search.indexing import index_paths, reindex
from search.indexing.store import current_generation, generations_on_disk
from search.ingest import read_corpus


def one_line_error(result) -> str:
    err = result.stderr if hasattr(result, "stderr") else result.output
    lines = [line for line in err.splitlines() if line.startswith("news-search: error:")]
    assert "Traceback" not in err, err
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def two_roots(tmp_path) -> tuple[Path, Path, Path]:
    a = write_articles(tmp_path / "outlet-a", 60)
    b = write_articles(tmp_path / "outlet-b", 40, start=100)
    ix = tmp_path / "ix"
    run = index_paths(ix, [a, b])
    assert run.added == 100
    return a, b, ix


# -- 1. a rebuild never publishes a generation that lost articles ---------------------------

def test_full_rebuild_with_a_missing_root_keeps_the_current_generation(two_roots, tmp_path):
    a, b, ix = two_roots
    gen = current_generation(ix)
    b.rename(tmp_path / "unmounted")
    result = cli("reindex", "--full", "--index-dir", str(ix), "-q")
    assert result.exit_code == 2
    assert "outlet-b is missing" in one_line_error(result)
    assert current_generation(ix) == gen and len(all_ids(ix)) == 100
    assert generations_on_disk(ix) == [gen]  # the refused build was removed

    with pytest.raises(RebuildRefusedError):
        reindex(ix, full=True)
    # Deliberately forgetting the root is possible, and says what it did.
    run = reindex(ix, full=True, drop_missing_roots=True)
    assert run.outcome == "ok" and len(all_ids(ix)) == 60
    assert any("removed from the corpus roots" in e for e in run.errors)


def test_incremental_reindex_with_a_missing_root_keeps_articles_and_exits_2(two_roots, tmp_path):
    a, b, ix = two_roots
    b.rename(tmp_path / "unmounted")
    result = cli("reindex", "--index-dir", str(ix), "-q")
    assert result.exit_code == 2, result.output
    assert "outlet-b: root is missing (an unmounted disk?); its articles were kept" in result.output
    assert len(all_ids(ix)) == 100


def test_rebuild_after_the_current_generation_was_deleted_reads_everything(two_roots):
    a, b, ix = two_roots
    shutil.rmtree(ix / current_generation(ix))
    result = cli("query", "harbour", "--index-dir", str(ix))
    assert result.exit_code == 2 and "is damaged" in one_line_error(result)
    run = reindex(ix, full=True)
    # The stale manifest of the deleted generation must not claim its files unchanged.
    assert (run.added, run.unchanged) == (100, 0)
    assert len(all_ids(ix)) == 100


def test_a_rebuild_that_shrinks_past_the_limit_needs_allow_shrink(two_roots):
    a, b, ix = two_roots
    for path in sorted(b.iterdir())[:30]:  # 30 of 100 articles (30%) really deleted
        path.unlink()
    with pytest.raises(RebuildRefusedError, match="30% fewer.*--allow-shrink"):
        reindex(ix, full=True)
    assert len(all_ids(ix)) == 100
    run = reindex(ix, full=True, allow_shrink=True)
    assert run.outcome == "ok" and len(all_ids(ix)) == 70


def test_sigkill_of_a_full_rebuild_with_a_root_removed_mid_run_keeps_every_article(tmp_path):
    corpus = tmp_path / "corpus"
    extract_members(corpus_file("reuters"), corpus, lambda n: n.endswith(".sgm"), limit=4)
    roots = [corpus / "first", corpus / "second"]
    for root in roots:
        root.mkdir()
    for n, sgm in enumerate(sorted(corpus.rglob("*.sgm"))):
        sgm.rename(roots[n % 2] / sgm.name)
    ix = tmp_path / "ix"
    total = index_paths(ix, roots).added
    assert total > 3000
    gen = current_generation(ix)

    # Run 1: the second root disappears while the rebuild runs; the run must refuse.
    victim = start_cli_process("reindex", "--full", "--index-dir", str(ix), "--batch-size", "200", "-q")
    wait_for(lambda: len(generations_on_disk(ix)) > 1 or victim.poll() is not None, 60,
             "the new generation to appear")
    roots[1].rename(tmp_path / "gone")
    out, err = victim.communicate(timeout=300)
    assert victim.returncode == 2, err
    assert "second is missing" in err and "Traceback" not in err
    assert current_generation(ix) == gen and len(all_ids(ix)) == total

    # Run 2: the same, killed outright mid-run; the current generation is untouched.
    victim = start_cli_process("reindex", "--full", "--index-dir", str(ix), "--batch-size", "200", "-q")
    wait_for(lambda: len(generations_on_disk(ix)) > 1 or victim.poll() is not None, 60,
             "the new generation to appear")
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert current_generation(ix) == gen and len(all_ids(ix)) == total

    # The root comes back: the rebuild completes with exactly the same articles.
    (tmp_path / "gone").rename(roots[1])
    before = set(all_ids(ix))
    done = cli("reindex", "--full", "--index-dir", str(ix), "--json", "-q", check=True)
    assert json.loads(done.stdout)["added"] == total
    assert set(all_ids(ix)) == before


# -- 8. deleting the indexed copy of an exact duplicate promotes another copy -------------

def corpus_with_a_copy(tmp_path: Path, count: int, copied: str) -> Path:
    """`count` articles in a/, and an exact copy of a/`copied` in b/ (read second)."""
    corpus = tmp_path / "corpus"
    write_articles(corpus / "a", count)
    (corpus / "b").mkdir()
    shutil.copy(corpus / "a" / copied, corpus / "b" / copied)
    return corpus


def test_deleting_the_indexed_copy_of_a_duplicate_promotes_the_other(tmp_path):
    corpus = corpus_with_a_copy(tmp_path, 3, "story-0001.txt")
    ix = tmp_path / "ix"
    run = index_paths(ix, [corpus])
    assert run.added == 3 and any("exact duplicate" in s.reason for s in run.skipped)

    (corpus / "a" / "story-0001.txt").unlink()
    run = reindex(ix)
    assert (run.deleted, run.added) == (1, 1)
    assert _paths(ix) == {"a/story-0000.txt", "a/story-0002.txt", "b/story-0001.txt"}
    result = cli("query", "Report", "--index-dir", str(ix), "--json")
    assert json.loads(result.stdout)["total"] == 3
    assert reindex(ix).added == 0  # and it stays: nothing is re-read again


def test_editing_the_indexed_copy_promotes_the_unchanged_copy(tmp_path):
    corpus = corpus_with_a_copy(tmp_path, 2, "story-0000.txt")
    ix = tmp_path / "ix"
    index_paths(ix, [corpus])
    edited = corpus / "a" / "story-0000.txt"
    edited.write_text(edited.read_text("utf-8") + "A correction was appended.\n", "utf-8")
    run = reindex(ix)
    assert (run.updated, run.added) == (1, 1)  # the edit, and the old text from b/
    assert len(all_ids(ix)) == 3


def test_reuters_deleting_a_file_keeps_its_duplicates_in_other_files(tmp_path):
    """reut2-003.sgm holds the indexed copy of stories repeated in reut2-004.sgm."""
    corpus = tmp_path / "reuters"
    wanted = ("reut2-002.sgm", "reut2-003.sgm", "reut2-004.sgm")
    extract_members(corpus_file("reuters"), corpus, lambda n: n.endswith(wanted), limit=3)
    ix = tmp_path / "ix"
    first = index_paths(ix, [corpus])
    assert any("exact duplicate of" in s.reason and "reut2-003" in s.reason
               for s in first.skipped if "reut2-004" in s.path)
    victim = next(corpus.rglob("reut2-003.sgm"))
    victim.unlink()
    run = reindex(ix)
    assert run.added > 0  # the copies in reut2-004.sgm, promoted
    remaining = {a.content_hash for a in read_corpus([corpus]) if isinstance(a, Article)}
    assert _hashes(ix) == remaining  # every story of the other files is indexed, once


def _paths(ix: Path) -> set[str]:
    from search.indexing.store import open_index
    with open_index(ix).ix.searcher() as s:
        return {f["path"] for f in s.all_stored_fields()}


def _hashes(ix: Path) -> set[str]:
    from search.indexing.manifest import indexed_articles
    from search.indexing.store import open_index
    return {a.content_hash for a in indexed_articles(open_index(ix).ix)}


# -- 7. damaged files and disk faults: one line, exit 2 ------------------------------------

@pytest.fixture
def small_index(tmp_path) -> Path:
    ix = tmp_path / "ix"
    index_paths(ix, [write_articles(tmp_path / "c", 20)])
    return ix


def _toc(ix: Path) -> Path:
    return max((ix / current_generation(ix)).glob("_MAIN_*.toc"))


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_table_of_contents_is_one_line_and_exit_2(small_index, damage):
    toc = _toc(small_index)
    data = toc.read_bytes()
    toc.write_bytes({"truncate": data[: len(data) // 2], "garbage": os.urandom(len(data)),
                     "empty": b""}[damage])
    for args in (["query", "harbour"], ["stats"], ["show", "x"], ["reindex"]):
        result = cli(*args, "--index-dir", str(small_index))
        assert result.exit_code == 2, (args, result.output)
        assert "is damaged" in one_line_error(result)
    with pytest.raises(IndexDamagedError):
        __import__("search").NewsIndex.open(small_index)
    # The way out named in the message works.
    assert reindex(small_index, full=True).added == 20


@pytest.mark.parametrize("damage", ["missing", "empty"])
def test_a_missing_or_empty_segment_file_is_one_line_for_stats_and_query(small_index, damage):
    gen = small_index / current_generation(small_index)
    victim = max(p for p in gen.iterdir() if p.suffix == ".seg")
    if damage == "missing":
        victim.unlink()
    else:
        victim.write_bytes(b"")
    for args in (["stats"], ["query", "harbour"]):
        result = cli(*args, "--index-dir", str(small_index))
        assert result.exit_code == 2, (args, result.output)
        one_line_error(result)


def test_bad_bytes_in_the_run_history_spoil_only_their_line(small_index):
    runs = small_index / "runs.jsonl"
    runs.write_bytes(runs.read_bytes() + b'{"kind": "\xff\xfe broken\n')
    result = cli("stats", "--index-dir", str(small_index))
    assert result.exit_code == 0, result.output
    assert "articles:       20" in result.output
    assert reindex(small_index).outcome == "ok"


def test_debug_shows_the_traceback(small_index):
    _toc(small_index).write_bytes(b"")
    proc = cli_process("--debug", "query", "harbour", "--index-dir", str(small_index))
    assert proc.exit_code != 0 and "Traceback" in proc.stderr
    proc = cli_process("query", "harbour", "--index-dir", str(small_index))
    assert proc.exit_code == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1


def _as_root_with_mounts() -> None:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs (CI runs as root)")


@pytest.fixture
def tiny_disk(tmp_path):
    _as_root_with_mounts()
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mnt)]).returncode:
        pytest.skip("mounting a tmpfs is not permitted here")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)])


def test_a_full_disk_is_one_line_naming_the_fix_and_keeps_the_last_commit(tiny_disk, tmp_path):
    corpus = write_articles(tmp_path / "c", 10)
    ix = tiny_disk / "ix"
    assert index_paths(ix, [corpus]).added == 10
    big = write_articles(tmp_path / "big", 3000, start=1000)
    result = cli("index", str(big), "--index-dir", str(ix), "-q", "--batch-size", "100")
    assert result.exit_code == 2
    line = one_line_error(result)
    assert ("No space left on device" in line or "disk is full" in line) and "free space" in line
    ids = all_ids(ix)
    assert len(ids) == len(set(ids)) >= 10  # everything committed before the fault is there
    with pytest.raises(StorageError):
        index_paths(ix, [big])


def test_a_read_only_index_is_one_line_for_writers_and_searchable(tiny_disk, tmp_path):
    ix = tiny_disk / "ix"
    index_paths(ix, [write_articles(tmp_path / "c", 10)])
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    try:
        for args in (["reindex"], ["index", str(tmp_path / "c")], ["alerts", "add", "x", "harbour"],
                     ["schedule", "--once"]):
            result = cli(*args, "--index-dir", str(ix))
            assert result.exit_code == 2, (args, result.output)
            assert "read-only" in one_line_error(result), args
        result = cli("query", "harbour", "--index-dir", str(ix))
        assert result.exit_code == 0, result.output
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tiny_disk)])


def test_another_users_index_is_one_line_naming_the_owner_fix(tmp_path):
    _as_root_with_mounts()
    ix = tmp_path / "ix"
    index_paths(ix, [write_articles(tmp_path / "c", 5)])
    os.chmod(tmp_path, 0o755)
    for path in [ix, *ix.rglob("*")]:
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
    # The interpreter and the checkout may live where `nobody` cannot read (a 0700 temporary
    # folder): import every module of the package as root, then drop to nobody.
    as_nobody = (
        "import os, sys, pwd, importlib, pkgutil\n"
        "import search, search.cli\n"
        "for m in pkgutil.walk_packages(search.__path__, 'search.'):\n"
        "    if not m.name.endswith('__main__'):  # that one runs the command\n"
        "        importlib.import_module(m.name)\n"
        "user = pwd.getpwnam('nobody'); os.setgid(user.pw_gid); os.setuid(user.pw_uid)\n"
        "sys.argv = ['news-search', *sys.argv[1:]]\n"
        "search.cli.main()\n")
    for args in (["query", "harbour"], ["reindex"], ["stats"]):
        proc = subprocess.run([sys.executable, "-c", as_nobody, *args, "--index-dir", str(ix)],
                              capture_output=True, text=True, cwd=PROJECT)
        assert proc.returncode == 2, (args, proc.stderr)
        assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr
        assert "permission denied" in proc.stderr.lower(), proc.stderr


def test_a_rebuild_that_cannot_carry_over_articles_from_memory_is_refused(small_index):
    from search import Article, NewsIndex
    with NewsIndex.open(small_index) as nx:
        assert nx.add([Article(id="mem-1", headline="Harbour pilots strike",
                               body="Harbour pilots went on strike on Monday over pay.",
                               source="wire")]).added == 1
    _toc(small_index).write_bytes(b"")  # the only place that article lives is now unreadable
    with pytest.raises(RebuildRefusedError, match="could not be carried over.*--allow-shrink"):
        reindex(small_index, full=True)
    result = cli("check", "--repair", "--index-dir", str(small_index))
    assert result.exit_code == 2 and "--allow-shrink" in one_line_error(result)
    result = cli("check", "--repair", "--allow-shrink", "--index-dir", str(small_index))
    assert result.exit_code == 0, result.output
    assert len(all_ids(small_index)) == 20  # the corpus files' articles, rebuilt
