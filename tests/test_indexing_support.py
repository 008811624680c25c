"""Helpers shared by the test_indexing_* files (no tests here).

Real corpora subsets are extracted into tmp_path with tarfile; real processes
are started with `python -m search.cli`.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable
from pathlib import Path

from whoosh.qparser import QueryParser

from search.indexing.store import open_index

PROJECT = Path(__file__).resolve().parent.parent


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


def write_files(root: Path, files: dict[str, str]) -> Path:
    """A folder of UTF-8 text files, name -> text; returns the folder."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def all_ids(index_dir: Path) -> list[str]:
    handle = open_index(index_dir)
    with handle.ix.searcher() as s:
        return [f["id"] for f in s.all_stored_fields()]


def search_ids(index_dir: Path, text: str, field: str = "body") -> set[str]:
    handle = open_index(index_dir)
    with handle.ix.searcher() as s:
        q = QueryParser(field, handle.ix.schema).parse(text)
        return {hit["id"] for hit in s.search(q, limit=None)}


def cli(*args: str, check: bool = False, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "search.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=PROJECT)
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}: {proc.stderr}")
    return proc


def start_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "search.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=PROJECT)


def wait_for(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def toc_generation(index_dir: Path) -> int:
    """Latest Whoosh commit number of the current generation (-1 when none yet)."""
    try:
        gen = next(p for p in sorted(index_dir.glob("gen-*")) if p.is_dir())
    except StopIteration:
        return -1
    tocs = [int(p.name.split("_")[2].split(".")[0]) for p in gen.glob("_MAIN_*.toc")]
    return max(tocs, default=-1)


def env_with_corpora() -> dict[str, str]:
    return dict(os.environ)
