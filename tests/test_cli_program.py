"""`news-search` as a program (search/program.py: the console script, `python -m search`):
a read-only command ends without Python's teardown, having printed everything; any other
command exits as usual. Real processes: the point is what the process does at its end."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import SAMPLE_CORPUS, articles_from, build_index

# An exit hook of the program's own process: it runs when Python tears down as usual.
PROGRAM = ("import atexit, sys\n"
           "atexit.register(lambda: sys.stderr.write('TEARDOWN\\n'))\n"
           "from search.program import run\n"
           "run()\n")


def _program(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROGRAM, *args], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1"}, timeout=120)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return str(build_index(tmp_path_factory.mktemp("program") / "index",
                           articles_from([SAMPLE_CORPUS])))


def test_a_query_ends_without_teardown_and_prints_every_hit(index_dir):
    p = _program("query", "Lukashenko OR Kyiv", "--all-hits", "--jsonl", "--index-dir", index_dir)
    assert p.returncode == 0, p.stderr
    assert "TEARDOWN" not in p.stderr
    assert len([json.loads(line) for line in p.stdout.splitlines()]) == 2


@pytest.mark.parametrize("args, status", [(("query", "zzzqqqnothing"), 1),
                                          (("query", "oil AND ("), 2),
                                          (("show", "0000000000000000"), 1)])
def test_a_read_only_command_keeps_its_exit_status(index_dir, args, status):
    p = _program(*args, "--index-dir", index_dir)
    assert p.returncode == status, p.stderr
    assert "TEARDOWN" not in p.stderr and "Traceback" not in p.stderr


def test_a_writing_command_exits_as_usual(tmp_path):
    p = _program("index", "--index-dir", str(tmp_path / "index"), "-q", str(SAMPLE_CORPUS))
    assert p.returncode == 0, p.stderr
    assert "TEARDOWN" in p.stderr


def test_help_exits_as_usual():
    p = _program("--help")
    assert p.returncode == 0 and "Usage:" in p.stdout
    assert "TEARDOWN" in p.stderr  # no command ran


def test_the_garbage_collector_is_on_while_a_command_runs(index_dir):
    """`run` turns it off only while the command's modules load."""
    code = ("import gc, sys, search.api as api\n"
            "real = api.NewsIndex.search\n"
            "def search(self, *a, **k):\n"
            "    print('gc', gc.isenabled(), file=sys.stderr)\n"
            "    return real(self, *a, **k)\n"
            "api.NewsIndex.search = search\n"
            "from search.program import run\n"
            "run()\n")
    p = subprocess.run([sys.executable, "-c", code, "query", "Kyiv", "--index-dir", index_dir],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "gc True" in p.stderr
