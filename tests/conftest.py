"""Shared fixtures: the shared real corpora, and the bundled sample corpus.

Tests that need a shared corpus find it under $NEWS_SEARCH_CORPORA (CI sets it
to ../shared/corpora). Unset (a user's fresh clone): those tests skip, saying
how to run them. Set but the corpus missing: they fail, because CI must run them.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = PROJECT / "corpus"

CORPUS_FILES = {
    "bbc": "bbc-fulltext/bbc-fulltext.tar.gz",
    "reuters": "reuters21578/reuters21578.tar.gz",
    "agnews": "ag-news/ag_news_csv-test.tar.gz",
    "saudinewsnet": "saudinewsnet/SaudiNewsNet.tar",
    "time": "time/time.tar.gz",
}


def corpus_file(name: str) -> Path:
    """Path of a shared corpus archive, or skip/fail as the module docstring says."""
    root = os.environ.get("NEWS_SEARCH_CORPORA")
    if not root:
        pytest.skip(f"needs the {name} corpus: set NEWS_SEARCH_CORPORA=../shared/corpora to run")
    path = Path(root) / CORPUS_FILES[name]
    if not path.is_file():
        pytest.fail(f"NEWS_SEARCH_CORPORA is set but {path} is missing")
    return path


@pytest.fixture
def sample_corpus() -> Path:
    return SAMPLE_CORPUS


# -- no test may leave a process running -----------------------------------------------
# A scheduler started by a test that then skipped (no corpora) outlived pytest once; so at
# the end of the run every still-running child of pytest (and of each xdist worker, which
# reports its own) fails the run by name, and is then ended so it does not linger.

def _process_table() -> dict[int, tuple[int, str, str]]:
    """pid -> (parent pid, state letter, command line), read from /proc (Linux)."""
    table = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # it ended while we looked
            continue
        fields = stat[stat.rfind(")") + 2:].split()  # after "pid (comm) "
        table[int(entry.name)] = (int(fields[1]), fields[0], cmdline.strip())
    return table


def leftover_processes(root: int) -> list[tuple[int, str]]:
    """(pid, command line) of every live (not zombie) descendant of process `root`."""
    if not Path("/proc/self/stat").exists():
        return []
    table = _process_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        ppid, state, cmd = table[pid]
        if state not in ("Z", "X"):
            found.append((pid, cmd))
        todo.extend(children.get(pid, []))
    return sorted(found)


def _end(processes: list[tuple[int, str]]) -> None:
    import signal

    for pid, _ in processes:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


_LEFTOVERS: list[tuple[int, str]] = []


def pytest_testnodedown(node, error):  # xdist controller: what a worker found
    _LEFTOVERS.extend(tuple(p) for p in getattr(node, "workeroutput", {}).get("leftover_processes", []))


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    workers = getattr(config.option, "numprocesses", None)
    if hasattr(config, "workerinput"):  # an xdist worker: report to the controller
        found = leftover_processes(os.getpid())
        _end(found)
        config.workeroutput["leftover_processes"] = [list(p) for p in found]
        return
    if not workers:  # no xdist: our own children are the tests'
        found = leftover_processes(os.getpid())
        _end(found)
        _LEFTOVERS.extend(found)
    if _LEFTOVERS:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"{len(_LEFTOVERS)} process(es) started by tests were still running at the end "
                 "(now killed): a test must stop what it starts, also when it fails or skips"]
        lines += [f"  pid {pid}: {cmd[:200]}" for pid, cmd in _LEFTOVERS]
        for line in lines:
            if reporter:
                reporter.write_line(line, red=True)
            else:
                print(line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
