"""The end-of-run check in conftest.py: a test that leaves a process running fails the run,
naming it (with and without xdist workers), and the process is ended."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

LEAKY_TEST = '''
import subprocess, sys

def test_leaves_a_sleeper():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # leaky-sleeper"])

def test_cleans_up():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
'''

CONFTEST = f'''
import importlib.util
spec = importlib.util.spec_from_file_location("news_search_conftest", {str(TESTS / "conftest.py")!r})
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
pytest_sessionfinish = mod.pytest_sessionfinish
pytest_testnodedown = mod.pytest_testnodedown
'''


def _sleepers() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and b"leaky-sleeper" in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            pass
    return pids


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_leftover_process_fails_the_run_by_name(tmp_path, workers):
    (tmp_path / "test_leaky.py").write_text(LEAKY_TEST)
    (tmp_path / "conftest.py").write_text(CONFTEST)
    p = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", workers, "-p", "no:cacheprovider",
                        str(tmp_path)], capture_output=True, text=True, cwd=tmp_path, timeout=120,
                       env={**os.environ, "PYTHONPATH": str(TESTS)})
    assert p.returncode == 1, p.stdout + p.stderr
    assert "2 passed" in p.stdout
    assert "still running at the end" in p.stdout and "leaky-sleeper" in p.stdout
    assert "test_cleans_up" not in p.stdout.split("still running")[1]
    assert _sleepers() == []  # ended, not left behind
