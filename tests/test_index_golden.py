"""A golden index: an index of the current format, committed, opened and searched by the suite.

A change that breaks existing indexes (a renamed class that the table of contents pickles,
a new layout of a segment part, different analysis) fails here, not on users' disks. When
the format really changes, bump SCHEMA_VERSION (search/engine/FORMAT.md says when) and
write a new golden index:

    python tests/test_index_golden.py     # rebuilds tests/data/golden-index from corpus/
"""
from __future__ import annotations

import io
import json
import pickle
import shutil
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "data" / "golden-index"
EXPECTED = TESTS / "data" / "golden-expected.json"
QUERIES = ['"red lines"', "Lukashenko", "Kiev", "Belarus AND NOT Peskov", "headline:kremlin",
           "sanction*", "Lukashenk~", "source:rferl"]

# Every global the table of contents of an index may pickle. Each name here is part of the
# on-disk format: renaming or moving one makes every existing index unreadable, unless an
# alias stays at the old name or the schema version is bumped.
_PLAIN = {("__builtin__", "frozenset"), ("__builtin__", "long"), ("builtins", "int"),
          ("collections", "defaultdict"), ("re", "_compile")}


def _ours_in(package: str) -> set[tuple[str, str]]:
    return {(f"{package}.analysis", "NewsNormalizeFilter"),
            (f"{package}.analysis", "NewsStemFilter"),
            (f"{package}.analysis", "NewsTokenizer"),
            (f"{package}.codec", "NewsCodec"),
            (f"{package}.postings", "CompactPositions")}


# What an index written today pickles.
PICKLED_GLOBALS = _PLAIN | _ours_in("search.engine")
# What indexes written before the engine moved to search/engine/ pickle (the committed
# golden index is one): aliases at these names keep them opening.
LEGACY_PICKLED_GLOBALS = _PLAIN | _ours_in("search.indexing")
WHOOSH_PREFIX = "whoosh."


class _Recorder(pickle.Unpickler):
    def __init__(self, data: bytes, seen: set[tuple[str, str]]):
        super().__init__(io.BytesIO(data))
        self.seen = seen

    def find_class(self, module: str, name: str):
        self.seen.add((module, name))
        return super().find_class(module, name)


def pickled_globals(toc: Path) -> set[tuple[str, str]]:
    """The (module, name) of every class the TOC's pickles name, read the way Whoosh's
    `TOC.read` reads the file: a header, the schema as a length-prefixed pickle, then the
    segment list as a pickle."""
    from whoosh.filedb.structfile import StructFile

    seen: set[tuple[str, str]] = set()
    with open(toc, "rb") as f:
        stream = StructFile(f)
        for _ in range(3):
            stream.read_varint()  # sizes of int, long, float
        stream.read_int(), stream.read_int()  # byte-order check, TOC version
        for _ in range(3):
            stream.read_varint()  # Whoosh release
        _Recorder(stream.read_string(), seen).load()
        stream.read_int(), stream.read_int()  # generation, unused
        _Recorder(f.read(), seen).load()
    return seen


def _ours(names: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {n for n in names if not n[0].startswith(WHOOSH_PREFIX)}


def build_golden(dest: Path) -> None:
    from search.indexing import WriteSettings, index_paths
    shutil.rmtree(dest, ignore_errors=True)
    index_paths(dest, [TESTS.parent / "corpus"], settings=WriteSettings(procs=1))
    meta = json.loads((dest / "news-search.json").read_text("utf-8"))
    meta["roots"] = ["corpus"]  # no machine path in a committed file
    (dest / "news-search.json").write_text(json.dumps(meta, indent=2, sort_keys=True), "utf-8")
    import sqlite3
    db = sqlite3.connect(dest / f"{meta['generation']}.manifest.sqlite")
    with db:
        db.execute("UPDATE files SET root = 'corpus'")
    db.execute("VACUUM")
    db.close()
    for junk in ("writer.lock", "runs.jsonl"):
        (dest / junk).unlink(missing_ok=True)


def search_golden(index_dir: Path) -> dict[str, dict]:
    from search import NewsIndex
    out = {}
    with NewsIndex.open(index_dir) as ix:
        for q in QUERIES:
            res = ix.search(q)
            # What matches is the format's business; the order is ranking's, not pinned here.
            out[q] = {"total": res.total, "ids": sorted(h.id for h in res.hits)}
    return out


@pytest.fixture
def golden(tmp_path) -> Path:
    copy = tmp_path / "golden"
    shutil.copytree(GOLDEN, copy)
    return copy


def test_the_golden_index_opens_and_answers_as_recorded(golden):
    assert search_golden(golden) == json.loads(EXPECTED.read_text("utf-8"))


def test_the_golden_index_checks_clean(golden):
    from search.indexing.check import check_index
    report = check_index(golden)
    assert report.ok, report.problems
    assert report.articles == 2


def _toc(index_dir: Path) -> Path:
    gen = json.loads((index_dir / "news-search.json").read_text("utf-8"))["generation"]
    return max((index_dir / gen).glob("_MAIN_*.toc"))


def test_the_golden_index_names_the_old_module_paths(golden):
    """It was written before the move to search/engine/: this pins that the aliases at the
    old paths are what keeps it (and every user's index of that age) opening. A schema
    version bump refuses such indexes anyway: then the golden index is rewritten, and this
    test and the alias modules go."""
    assert _ours(pickled_globals(_toc(golden))) == LEGACY_PICKLED_GLOBALS


def test_an_index_written_now_pickles_only_the_listed_globals(tmp_path):
    """A class added to, renamed in or moved out of what an index pickles shows up here,
    with the reason it matters."""
    fresh = tmp_path / "fresh"
    build_golden(fresh)
    assert _ours(pickled_globals(_toc(fresh))) == PICKLED_GLOBALS, (
        "the classes an index pickles changed: existing indexes name the old ones; keep "
        "an alias at the old name, or bump SCHEMA_VERSION and rebuild tests/data/golden-index")


if __name__ == "__main__":
    sys.path.insert(0, str(TESTS.parent))
    build_golden(GOLDEN)
    EXPECTED.write_text(json.dumps(search_golden(GOLDEN), indent=2, ensure_ascii=False) + "\n",
                        "utf-8")
    print(f"wrote {GOLDEN} and {EXPECTED}")
