"""The scheduler and alerts tests' own helpers (no tests here); the general ones are in
tests/helpers.py.

Everything is real: corpus folders in tmp_path made from the bundled seeds and BBC
articles, and `news-search schedule` run as a separate process (signals and the
writer lock are the point), polled with deadlines, never slept on.
"""
from __future__ import annotations

import shutil
import signal
import tarfile
from pathlib import Path

from conftest import corpus_file
from helpers import SAMPLE_CORPUS, start_cli_process, wait_for


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


_FILLER = "The report was filed by our correspondent late on Friday afternoon."


def write_article(path: Path, headline: str, body: str) -> Path:
    """A plain-text article as the BBC corpus has them: headline on line 1."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{headline}\n\n{body}\n\n{_FILLER}\n", encoding="utf-8")
    return path


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
        self.proc = start_cli_process("schedule", "--index-dir", str(index_dir), "--log", str(log),
                                      *args, env=env, text=False)

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
        return wait_for(enough, timeout, f"{n} scheduled run(s)", poll=0.05)

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
    """id -> path of every article, read afresh (as another reader would)."""
    from search.indexing.store import open_index

    handle = open_index(index_dir)
    with handle.ix.searcher() as s:
        return {f["id"]: f.get("path") for f in s.all_stored_fields()}


def query_ids(index_dir: Path, query: str) -> set[str]:
    """Ids matching a query in the product's query language, through a fresh NewsIndex."""
    from search.api import NewsIndex

    with NewsIndex.open(index_dir) as ix:
        return {h.id for h in ix.search(query, limit=1000).hits}

