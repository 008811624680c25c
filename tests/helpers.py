"""The tests' toolkit (no tests here): indexes built the way the product builds them, the
command line run in this process or as a real one, real corpus files, and waiting on a
condition with a deadline.

Why each part is shaped as it is:
- `build_index` / `add_articles` write through `NewsIndex.add` / `upsert`, the product's
  writer and codec (NewsCodec segments read through the term dictionary blocks), so a
  test searches the format a user's index holds. Whoosh's own writer (W3Codec) is used
  only by the tests whose point is reading such segments (test_indexing_format.py).
  One writer process and no fsync: the segments are the same, and a 2-article index
  costs ~0.05 s instead of ~0.15 s with two writer processes.
- `index_files` indexes files under corpus roots (`index_paths`), as `news-search index`.
- `cli()` runs a command in this process on click's CliRunner (click >= 8.2 keeps stderr
  apart from stdout), with exceptions propagating so a crash is never taken for an exit
  status. A `query` costs 84 ms in-process and 3.0 s as a new interpreter (median of 7, 2-core
  machine at load ~30), nearly all of it imports; `cli_process` and `start_cli_process`
  are for where a real process is the point: kills, locks, signals, terminals, pipes.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from search.article import Article

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = PROJECT / "corpus"
T = TypeVar("T")


# -- articles and corpus files -------------------------------------------------------------

def articles_from(paths: Iterable[str | Path]) -> list[Article]:
    """The articles ingestion reads from files or folders (skips and exact copies left out)."""
    from search.ingest import Skip, read_corpus

    return [a for a in read_corpus([str(p) for p in paths]) if not isinstance(a, Skip)]


def write_files(root: Path, files: dict[str, str]) -> Path:
    """A folder of UTF-8 text files, name -> text; returns the folder."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


WORDS = ("minister parliament harbour election budget drought tariff pipeline vaccine "
         "court strike treaty summit border refinery festival league museum").split()


def write_articles(folder: Path, count: int, start: int = 0) -> Path:
    """Plain-text articles, one per file (story-NNNN.txt): a headline line and a prose
    paragraph; article n is the same text whoever writes it."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(start, start + count):
        a, b, c = WORDS[n % len(WORDS)], WORDS[(n * 7) % len(WORDS)], WORDS[(n * 11) % len(WORDS)]
        (folder / f"story-{n:04d}.txt").write_text(
            f"Report {n} on the {a} and the {b}\n\n"
            f"The {a} was discussed on day {n} by officials who said the {b} and the {c} "
            f"would be reviewed again next week. Item number {n} was filed by the desk.\n",
            encoding="utf-8")
    return folder


def tar_bytes(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    """A tar archive (gzipped by default) holding name -> bytes, built in memory."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def extract_members(archive: Path, dest: Path, wanted: Callable[[str], bool], limit: int) -> list[Path]:
    """Extract up to `limit` regular members whose name passes `wanted`; returns their paths."""
    out: list[Path] = []
    with tarfile.open(archive) as tf:
        for m in tf:
            if len(out) >= limit:
                break
            if m.isfile() and wanted(m.name):
                tf.extract(m, dest, filter="data")
                out.append(dest / m.name)
    return out


def bbc_subset(archive: Path, dest: Path, per_section: int = 40) -> Path:
    """A small real BBC corpus: the first `per_section` articles of each of the 5 sections."""
    counts: dict[str, int] = {}

    def wanted(name: str) -> bool:
        parts = name.split("/")
        if len(parts) != 3 or not parts[2].endswith(".txt"):
            return False
        counts[parts[1]] = counts.get(parts[1], 0) + 1
        return counts[parts[1]] <= per_section

    extract_members(archive, dest, wanted, limit=per_section * 5)
    return dest / "bbc"


# -- indexes, written by the product -------------------------------------------------------

def _test_writes():
    """One writer process, no fsync (a test's tmp dir does not outlive a power cut)."""
    from search.indexing.indexer import WriteSettings

    return WriteSettings(procs=1, durable=False)


def build_index(index_dir: Path, articles: Iterable[Article]) -> Path:
    """A new index at `index_dir` holding `articles`, written by `NewsIndex.add`."""
    from search.api import NewsIndex

    with NewsIndex.open(index_dir, create=True) as ix:
        run = ix.add(list(articles), alerts=False, settings=_test_writes())
    assert run.outcome == "ok" and not run.errors, run
    return Path(index_dir)


def add_articles(index_dir: Path, articles: Iterable[Article]) -> None:
    """Add or replace articles in an existing index (`NewsIndex.upsert`: a commit of its own,
    so a new segment, and an older copy of a changed article deleted)."""
    from search.api import NewsIndex

    with NewsIndex.open(index_dir) as ix:
        run = ix.upsert(list(articles), alerts=False, settings=_test_writes())
    assert run.outcome == "ok" and not run.errors, run


def index_files(index_dir: Path, *roots: Path) -> Path:
    """Index the files under `roots` into `index_dir` (created if needed), as
    `news-search index ROOT...` does (the roots are recorded for `reindex`)."""
    from search.indexing import index_paths

    run = index_paths(index_dir, list(roots), settings=_test_writes())
    assert run.outcome == "ok", run
    return Path(index_dir)


def all_ids(index_dir: Path) -> list[str]:
    """Every article id in the index, in document order."""
    from search.indexing.store import open_index

    handle = open_index(index_dir)
    with handle.ix.searcher() as s:
        return [f["id"] for f in s.all_stored_fields()]


def search_ids(index_dir: Path, text: str, field: str = "body") -> set[str]:
    """Ids of the articles matching `text` in one field, parsed by Whoosh's plain parser
    (the indexing tests check what was written, not the product's query language)."""
    from whoosh.qparser import QueryParser

    from search.indexing.store import open_index

    handle = open_index(index_dir)
    with handle.ix.searcher() as s:
        q = QueryParser(field, handle.ix.schema).parse(text)
        return {hit["id"] for hit in s.search(q, limit=None)}


# -- the command line ----------------------------------------------------------------------

@dataclass(frozen=True)
class CliResult:
    """What a user sees of one command: its exit status, its two streams apart, and both as
    a terminal shows them (`output`, in the order written; a real process leaves it "")."""

    exit_code: int
    stdout: str
    stderr: str
    output: str = ""


NO_COLOR = {"NO_COLOR": "1"}


@contextmanager
def _working_dir(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def cli(*args: str, input: str | None = None, env: dict[str, str] | None = None,
        cwd: Path | None = None, check: bool = False) -> CliResult:
    """`news-search ARGS...` run in this process; `check`: fail the test on a non-zero exit."""
    from click.testing import CliRunner

    from search.cli import main

    runner = CliRunner(env={**NO_COLOR, **(env or {})}, catch_exceptions=False)
    with _working_dir(cwd):
        r = runner.invoke(main, list(args), input=input, prog_name="news-search")
    result = CliResult(r.exit_code, r.stdout, r.stderr, r.output)
    if check and result.exit_code != 0:
        raise AssertionError(f"exit {result.exit_code}: {result.stderr}")
    return result


def _command(args: Iterable[str]) -> list[str]:
    return [sys.executable, "-m", "search.cli", *args]


def cli_process(*args: str, input: str | None = None, env: dict[str, str] | None = None,
                cwd: Path = PROJECT, timeout: float = 300, check: bool = False) -> CliResult:
    """`news-search ARGS...` as a real process (the environment plus NO_COLOR and `env`)."""
    proc = subprocess.run(_command(args), capture_output=True, text=True, input=input,
                          env={**os.environ, **NO_COLOR, **(env or {})}, cwd=cwd,
                          timeout=timeout)
    result = CliResult(proc.returncode, proc.stdout, proc.stderr)
    if check and result.exit_code != 0:
        raise AssertionError(f"exit {result.exit_code}: {result.stderr}")
    return result


def start_cli_process(*args: str, env: dict[str, str] | None = None, **popen: Any) -> subprocess.Popen:
    """`news-search ARGS...` started as a real process, stdout and stderr piped as text
    (the caller waits for it, or kills it, and so ends it)."""
    options: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True,
                               "cwd": PROJECT, "env": {**os.environ, **(env or {})}}
    return subprocess.Popen(_command(args), **{**options, **popen})


# -- waiting -------------------------------------------------------------------------------

def wait_for(condition: Callable[[], T], timeout: float, what: str, poll: float = 0.02) -> T:
    """Poll `condition` until it returns something true (returned), or fail after `timeout`
    seconds naming `what`. `poll` is a polling period, never a race fix."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(poll)
