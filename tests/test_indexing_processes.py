"""Real processes: the writer lock, concurrent writers, kill -9 mid-build, readers during writes."""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import corpus_file
from helpers import PROJECT, all_ids, bbc_subset, cli, extract_members, start_cli_process, wait_for

from search.article import Article
from search.indexing import index_paths, open_index
from search.indexing.store import current_generation, generations_on_disk
from search.ingest import read_corpus


@pytest.fixture
def bbc(tmp_path) -> Path:
    return bbc_subset(corpus_file("bbc"), tmp_path / "corpus", per_section=20)


def toc_generation(index_dir: Path) -> int:
    """Latest Whoosh commit number of the current generation (-1 when none yet)."""
    try:
        gen = next(p for p in sorted(index_dir.glob("gen-*")) if p.is_dir())
    except StopIteration:
        return -1
    tocs = [int(p.name.split("_")[2].split(".")[0]) for p in gen.glob("_MAIN_*.toc")]
    return max(tocs, default=-1)


def _python(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.PIPE, text=True, cwd=PROJECT)


def test_lock_names_its_holder_and_a_killed_holder_never_blocks(bbc, tmp_path):
    ix = tmp_path / "ix"
    holder = _python(f"""
        import sys
        from search.indexing.lock import WriterLock
        lock = WriterLock({str(ix)!r}); lock.acquire()
        print("locked", flush=True); sys.stdin.read()
    """)
    try:
        assert holder.stdout.readline().strip() == "locked"
        done = cli("index", str(bbc), "--index-dir", str(ix), "--wait", "0.3")
        assert done.exit_code == 2
        assert f"pid {holder.pid} on host {socket.gethostname()} since " in done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    done = cli("index", str(bbc), "--index-dir", str(ix), "--wait", "0")
    assert done.exit_code == 0, done.stderr


def test_two_concurrent_writers_never_corrupt_the_index(bbc, tmp_path):
    ix = str(tmp_path / "ix")
    procs = [start_cli_process("index", str(bbc), "--index-dir", ix, "--wait", "120", "--json",
                               "--batch-size", "40") for _ in range(2)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    expected = sum(isinstance(a, Article) for a in read_corpus([bbc]))
    ids = all_ids(Path(ix))
    assert len(ids) == len(set(ids)) == expected
    assert sorted((r["added"], r["unchanged"]) for r in results) == [(0, expected), (expected, 0)]


def _reuters_subset(tmp_path: Path, files: int = 3) -> Path:
    dest = tmp_path / "reuters"
    extract_members(corpus_file("reuters"), dest, lambda n: n.endswith(".sgm"), limit=files)
    return dest


def test_sigkill_mid_build_then_rerun_completes_exactly(tmp_path):
    """Real Reuters SGML (3 of its 22 files, ~3,000 articles, to keep the suite fast)."""
    corpus = _reuters_subset(tmp_path)
    expected = {a.id for a in read_corpus([corpus]) if isinstance(a, Article)}
    assert len(expected) > 2500
    ix = tmp_path / "ix"
    victim = start_cli_process("index", str(corpus), "--index-dir", str(ix), "--batch-size", "300", "--quiet")
    try:
        wait_for(lambda: toc_generation(ix) >= 2 or victim.poll() is not None, 120,
                 "the first batches to commit")
        assert victim.poll() is None, "the build finished before it could be killed"
        victim.send_signal(signal.SIGKILL)
    finally:
        victim.wait()
    survived = all_ids(ix)  # opens at its last commit
    assert 0 < len(survived) < len(expected) and len(survived) == len(set(survived))

    done = cli("index", str(corpus), "--index-dir", str(ix), "--json", check=True)
    run = json.loads(done.stdout)
    assert run["unchanged"] >= len(survived) and run["added"] + run["unchanged"] == len(expected)
    ids = all_ids(ix)
    assert len(ids) == len(set(ids)) and set(ids) == expected


def test_sigkill_during_full_rebuild_keeps_the_old_generation(bbc, tmp_path):
    ix = tmp_path / "ix"
    total = index_paths(ix, [bbc]).added
    gen = current_generation(ix)
    victim = start_cli_process("reindex", "--full", "--index-dir", str(ix), "--batch-size", "20", "--quiet")
    try:
        wait_for(lambda: len(generations_on_disk(ix)) > 1 or victim.poll() is not None, 60,
                 "the new generation to appear")
        victim.send_signal(signal.SIGKILL)
    finally:
        victim.wait()
    assert current_generation(ix) == gen and len(all_ids(ix)) == total
    done = cli("reindex", "--full", "--index-dir", str(ix), "--json", check=True)
    assert json.loads(done.stdout)["added"] == total
    assert len(all_ids(ix)) == total and len(generations_on_disk(ix)) <= 2


_READER = """
    import json, os, sys, time
    from whoosh.qparser import QueryParser
    from search.indexing import open_index
    ix_dir, target, seconds, stop_file = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    errors, counts, queries = [], [], 0
    deadline = time.monotonic() + seconds
    print("ready", flush=True)
    while time.monotonic() < deadline:
        try:
            h = open_index(ix_dir)
            with h.ix.searcher() as s:
                counts.append(s.doc_count())
                q = QueryParser("body", h.ix.schema).parse("government OR market")
                len(s.search(q, limit=5)); queries += 1
        except Exception as exc:
            errors.append(repr(exc))
        if counts and counts[-1] >= target and len(counts) > 5:
            break
        if os.path.exists(stop_file):
            break
    print(json.dumps({"errors": errors, "counts": sorted(set(counts)), "queries": queries}))
"""


def _reader(ix: Path, target: int, seconds: float) -> subprocess.Popen:
    """A process searching in a loop until it sees `target` articles, or ix/../stop exists."""
    p = subprocess.Popen([sys.executable, "-c", textwrap.dedent(_READER), str(ix), str(target),
                          str(seconds), str(ix.parent / "stop")], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=PROJECT)
    assert p.stdout.readline().strip() == "ready"
    return p


def test_search_in_another_process_during_commits(bbc, tmp_path):
    ix = tmp_path / "ix"
    first = sorted(bbc.iterdir())[0]
    initial = index_paths(ix, [first]).added
    expected = sum(isinstance(a, Article) for a in read_corpus([bbc]))
    reader = _reader(ix, expected, 120)
    writer = start_cli_process("index", str(bbc), "--index-dir", str(ix), "--batch-size", "25", "--quiet")
    assert writer.wait(timeout=300) == 0, writer.stderr.read()
    out, err = reader.communicate(timeout=150)
    seen = json.loads(out)
    assert seen["errors"] == [] and seen["queries"] > 0
    assert seen["counts"][0] >= initial and seen["counts"][-1] == expected


def test_full_reindex_swaps_atomically_under_readers(bbc, tmp_path):
    ix = tmp_path / "ix"
    total = index_paths(ix, [bbc]).added
    handle = open_index(ix)
    old_searcher = handle.ix.searcher()
    try:
        reader = _reader(ix, total + 1, 60)  # never reached: it polls through the whole rebuild
        done = cli("reindex", "--full", "--index-dir", str(ix), "--batch-size", "20", check=True)
        assert "added" in done.stderr
        cli("reindex", "--full", "--index-dir", str(ix), "--batch-size", "50", check=True)
        (tmp_path / "stop").touch()
        seen = json.loads(reader.communicate(timeout=60)[0])
        assert seen["errors"] == [] and seen["counts"] == [total]
        assert current_generation(ix) != handle.generation
        assert handle.generation not in generations_on_disk(ix)  # two switches later: removed
        # the searcher opened before both switches still works on its snapshot
        assert old_searcher.doc_count() == total
        assert len(list(old_searcher.all_stored_fields())) == total
        assert len(all_ids(ix)) == total
    finally:
        old_searcher.close()


def test_readers_never_see_a_half_built_generation(bbc, tmp_path):
    ix = tmp_path / "ix"
    total = index_paths(ix, [bbc]).added
    reader = _reader(ix, total + 1, 120)
    cli("reindex", "--full", "--index-dir", str(ix), "--batch-size", "15", check=True)
    (tmp_path / "stop").touch()
    out, err = reader.communicate(timeout=60)
    seen = json.loads(out)
    assert seen["errors"] == [] and seen["queries"] > 3
    assert seen["counts"] == [total]  # never a partial count
