"""`news-search index`/`reindex` output as people read it: -q is quiet, skips summarised by reason."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from test_index_safety import write_articles

from search.cli import main


def _corpus(tmp_path):
    corpus = write_articles(tmp_path / "c" / "a", 4)
    (tmp_path / "c" / "b").mkdir()
    for n in range(3):  # three exact duplicates
        shutil.copy(corpus / f"story-000{n}.txt", tmp_path / "c" / "b" / f"copy-{n}.txt")
    (tmp_path / "c" / "empty.txt").write_text("")
    return tmp_path / "c"


def test_skips_are_one_line_per_reason_and_listed_with_verbose(tmp_path):
    corpus, ix = _corpus(tmp_path), str(tmp_path / "ix")
    r = CliRunner().invoke(main, ["index", str(corpus), "--index-dir", ix])
    assert r.exit_code == 0, r.output
    assert "skipped: 3 exact duplicate; 1 empty file (--verbose lists them)" in r.stderr
    assert "copy-0.txt" not in r.stderr
    r = CliRunner().invoke(main, ["reindex", "--full", "--index-dir", ix, "--verbose"])
    assert r.exit_code == 0, r.output
    assert "b/copy-1.txt: exact duplicate of a/story-0001.txt" in r.stderr


def test_quiet_prints_nothing_but_errors(tmp_path):
    corpus, ix = _corpus(tmp_path), str(tmp_path / "ix")
    r = CliRunner().invoke(main, ["index", str(corpus), "--index-dir", ix, "-q"])
    assert r.exit_code == 0 and r.stderr == "" and r.stdout == ""
    shutil.rmtree(corpus)
    r = CliRunner().invoke(main, ["reindex", "--full", "--index-dir", ix, "-q"])
    assert r.exit_code == 2
    assert r.stderr.startswith("news-search: error: corpus root ") and r.stderr.count("\n") <= 2


@pytest.mark.parametrize("args, message", [
    (["query", "oil", "--sort", "bogus"], "Invalid value for '--sort'"),
    (["query"], "Missing argument 'QUERY'"),
    (["index", "--no-such-option", "x"], "No such option"),
    (["no-such-command"], "No such command 'no-such-command'"),
])
def test_usage_errors_are_one_line_naming_the_help(tmp_path, args, message):
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-m", "search.cli", *args, "--index-dir",
                           str(tmp_path)] if args[0] != "no-such-command" else
                          [sys.executable, "-m", "search.cli", *args],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("news-search: error: ")
    assert message in proc.stderr and "--help`)" in proc.stderr
