"""Shared helpers for the scheduler and alerts tests (no tests here).

Everything is real: corpus folders in tmp_path made from the bundled seeds and
BBC articles, indexes built with the indexing API, schedulers run as separate
processes of the CLI, and conditions polled with deadlines (never slept on).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

from conftest import SAMPLE_CORPUS, corpus_file

CLI = [sys.executable, "-c", "from search.cli import main; main()"]


def index_api():
    """`index_paths`, `reindex` of issue 3 (imported late: collection stays light)."""
    from search.indexing import index_paths, reindex
    return index_paths, reindex


def make_corpus(root: Path, bbc: int = 0, category: str = "politics") -> Path:
    """Seeds plus the first `bbc` BBC articles of a category, as plain files under root."""
    shutil.copytree(SAMPLE_CORPUS, root)
    if bbc:
        extract_bbc(root / "bbc", bbc, category)
    return root


def extract_bbc(dest: Path, count: int, category: str = "politics", start: int = 1) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {f"bbc/{category}/{n:03d}.txt" for n in range(start, start + count)}
    out = []
    with tarfile.open(corpus_file("bbc")) as tar:
        for member in tar:
            if member.name in wanted:
                target = dest / f"{category}-{Path(member.name).name}"
                target.write_bytes(tar.extractfile(member).read())
                out.append(target)
    assert len(out) == count, f"only {len(out)} of {count} BBC files found"
    return out


def build_index(index_dir: Path, corpus: Path):
    index_paths, _ = index_api()
    run = index_paths(index_dir, [corpus])
    assert run.outcome == "ok", run
    return run


_FILLER = "The report was filed by our correspondent late on Friday afternoon."


def write_article(path: Path, headline: str, body: str) -> Path:
    """A plain-text article as the BBC corpus has them: headline on line 1."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{headline}\n\n{body}\n\n{_FILLER}\n", encoding="utf-8")
    return path


def wait_for(condition: Callable[[], object], timeout: float, what: str, poll: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(poll)  # polling interval of a condition with a deadline, not a race fix


def read_log(path: Path) -> list[str]:
    try:
        return path.read_text("utf-8").splitlines()
    except FileNotFoundError:
        return []


def run_lines(path: Path) -> list[str]:
    """The per-run summary lines ('... run ok started=... added=...')."""
    return [ln for ln in read_log(path) if " run " in ln and " started=" in ln]


def counts(line: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in line.split() if "=" in part)


class SchedulerProcess:
    """A `news-search schedule` process logging to a file."""

    def __init__(self, index_dir: Path, log: Path, *args: str, env: dict | None = None):
        self.log = log
        self.proc = subprocess.Popen(
            CLI + ["schedule", "--index-dir", str(index_dir), "--log", str(log), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})})

    def runs(self) -> list[str]:
        return run_lines(self.log)

    def wait_runs(self, n: int, timeout: float = 60) -> list[str]:
        def enough():
            if self.proc.poll() is not None:
                raise AssertionError(f"scheduler exited {self.proc.returncode}: "
                                     f"{self.proc.stderr.read().decode()}\n"
                                     + "\n".join(read_log(self.log)))
            runs = self.runs()
            return runs if len(runs) >= n else None
        return wait_for(enough, timeout, f"{n} scheduled run(s)")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        finally:
            self.proc.stdout.close()
            self.proc.stderr.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)
        self.proc.stdout.close()
        self.proc.stderr.close()


def index_ids(index_dir: Path) -> dict[str, str]:
    """id -> path of every article, read by a separate process (as another reader would)."""
    code = (
        "import json,sys\n"
        "from search.indexing.store import open_index\n"
        "h = open_index(sys.argv[1])\n"
        "with h.ix.searcher() as s:\n"
        "    print(json.dumps({f['id']: f.get('path') for f in s.all_stored_fields()}))\n")
    out = subprocess.run([sys.executable, "-c", code, str(index_dir)], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def search_ids(index_dir: Path, query: str) -> set[str]:
    """Ids matching a query, searched by another process through the search API if present."""
    code = (
        "import json,sys\n"
        "try:\n"
        "    from search.api import NewsIndex\n"
        "except ImportError:\n"
        "    NewsIndex = None\n"
        "if NewsIndex is not None:\n"
        "    with NewsIndex.open(sys.argv[1]) as ix:\n"
        "        res = ix.search(sys.argv[2], limit=1000)\n"
        "        print(json.dumps([h.id for h in res.hits]))\n"
        "else:\n"
        "    from whoosh.qparser import MultifieldParser\n"
        "    from search.indexing.store import open_index\n"
        "    h = open_index(sys.argv[1])\n"
        "    with h.ix.searcher() as s:\n"
        "        q = MultifieldParser(['headline','body'], h.ix.schema).parse(sys.argv[2])\n"
        "        print(json.dumps([x['id'] for x in s.search(q, limit=None)]))\n")
    out = subprocess.run([sys.executable, "-c", code, str(index_dir), query],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout))


def cli(*args: str, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + list(args), capture_output=True, text=True, input=input,
                          timeout=timeout)
