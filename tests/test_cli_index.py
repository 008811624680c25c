"""`news-search index`/`reindex` output as people read it: -q is quiet, skips summarised by reason."""
from __future__ import annotations

import shutil

import pytest
from helpers import cli, write_articles


def _corpus(tmp_path):
    corpus = write_articles(tmp_path / "c" / "a", 4)
    (tmp_path / "c" / "b").mkdir()
    for n in range(3):  # three exact duplicates
        shutil.copy(corpus / f"story-000{n}.txt", tmp_path / "c" / "b" / f"copy-{n}.txt")
    (tmp_path / "c" / "empty.txt").write_text("")
    return tmp_path / "c"


def test_skips_are_one_line_per_reason_and_listed_with_verbose(tmp_path):
    corpus, ix = _corpus(tmp_path), str(tmp_path / "ix")
    r = cli("index", str(corpus), "--index-dir", ix)
    assert r.exit_code == 0, r.output
    assert "skipped: 3 exact duplicate; 1 empty file (--verbose lists them)" in r.stderr
    assert "copy-0.txt" not in r.stderr
    r = cli("reindex", "--full", "--index-dir", ix, "--verbose")
    assert r.exit_code == 0, r.output
    assert "b/copy-1.txt: exact duplicate of a/story-0001.txt" in r.stderr


def test_quiet_prints_nothing_but_errors(tmp_path):
    corpus, ix = _corpus(tmp_path), str(tmp_path / "ix")
    r = cli("index", str(corpus), "--index-dir", ix, "-q")
    assert r.exit_code == 0 and r.stderr == "" and r.stdout == ""
    shutil.rmtree(corpus)
    r = cli("reindex", "--full", "--index-dir", ix, "-q")
    assert r.exit_code == 2
    assert r.stderr.startswith("news-search: error: corpus root ") and r.stderr.count("\n") <= 2


@pytest.mark.parametrize("args, message", [
    (["query", "oil", "--sort", "bogus"], "Invalid value for '--sort'"),
    (["query"], "Missing argument 'QUERY'"),
    (["index", "--no-such-option", "x"], "No such option"),
    (["no-such-command"], "No such command 'no-such-command'"),
])
def test_usage_errors_are_one_line_naming_the_help(tmp_path, args, message):
    proc = cli(*args, "--index-dir", str(tmp_path)) if args[0] != "no-such-command" else cli(*args)
    assert proc.exit_code == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("news-search: error: ")
    assert message in proc.stderr and "--help`)" in proc.stderr


def _tar_gz_of_articles(tmp_path, count: int):
    """A tar.gz big enough to be read in many pieces: each article carries ~2 KB of
    seeded random words, which gzip cannot shrink much."""
    import random
    import tarfile
    folder = write_articles(tmp_path / "src" / "wire", count)
    rng = random.Random(7)
    for path in sorted(folder.iterdir()):
        words = " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7))
                         for _ in range(250))
        path.write_text(path.read_text("utf-8") + words + ".\n", "utf-8")
    archive = tmp_path / "corpus" / "wire.tar.gz"
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(folder, arcname="wire")
    return archive


def test_progress_moves_by_bytes_inside_one_archive(tmp_path):
    """One archive is one file: progress used to move only when the whole file was read
    (SaudiNewsNet: 300 s of silence, then 1/1 files)."""
    from search.indexing import index_paths
    archive = _tar_gz_of_articles(tmp_path, 1000)
    seen = []
    run = index_paths(tmp_path / "ix", [archive.parent], progress=seen.append)
    assert run.added == 1000
    inside = [p for p in seen if p.files_done == 0]
    assert len(inside) >= 3  # a report per chunk of 200 articles, before the file ends
    assert sum(0 < p.bytes_done < p.bytes_total for p in inside) >= 3  # bytes move inside it
    done = [p.bytes_done for p in seen]
    assert done == sorted(done) and seen[-1].bytes_done == seen[-1].bytes_total == archive.stat().st_size
    assert [p.articles for p in inside] == sorted(p.articles for p in inside)


def test_the_progress_bar_is_drawn_on_a_terminal_only(tmp_path):
    import os
    import pty
    import subprocess
    import sys
    archive = _tar_gz_of_articles(tmp_path, 600)
    master, slave = pty.openpty()
    proc = subprocess.run([sys.executable, "-m", "search.cli", "index", str(archive.parent),
                           "--index-dir", str(tmp_path / "ix")], stderr=slave,
                          stdout=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    shown = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0
    assert "100%" in shown and "600 articles" in shown and "1/1 files" in shown
    piped = subprocess.run([sys.executable, "-m", "search.cli", "reindex", "--full",
                            "--index-dir", str(tmp_path / "ix")], capture_output=True, text=True)
    assert piped.returncode == 0 and "%" not in piped.stderr  # no bar when not a terminal
