"""`news-search check [--repair]` on damaged indexes: every kind of file, cut or bit-flipped."""
from __future__ import annotations

import json
import pickle
import struct
from pathlib import Path

import pytest
from helpers import cli, write_articles

from search.indexing import WriteSettings, index_paths
from search.indexing.check import check_index, recover_roots
from search.indexing.store import META_FILE, current_generation

ARTICLES = 300


@pytest.fixture
def built(tmp_path) -> Path:
    ix = tmp_path / "ix"
    # One writer process: the same articles always make the same segment bytes.
    index_paths(ix, [write_articles(tmp_path / "corpus", ARTICLES)],
                settings=WriteSettings(procs=1))
    return ix


def _segment(ix: Path) -> Path:
    return next((ix / current_generation(ix)).glob("*.seg"))


def _parts(seg: Path) -> dict[str, tuple[int, int]]:
    """Where each part of a compound segment file lies: Whoosh's layout, a big-endian
    offset of the directory, then the directory pickled."""
    data = seg.read_bytes()
    (offset,) = struct.unpack("!q", data[:8])
    directory = pickle.loads(data[offset:])
    return {name.split(".", 1)[1]: (e["offset"], e["length"]) for name, e in directory.items()}


def _flip(seg: Path, part: str, count: int = 1) -> None:
    offset, length = _parts(seg)[part]
    data = bytearray(seg.read_bytes())
    for k in range(count):
        data[offset + length * (k + 1) // (count + 1)] ^= 0x5A
    seg.write_bytes(bytes(data))


def test_a_healthy_index_checks_clean(built):
    report = check_index(built)
    assert report.ok and report.articles == ARTICLES and report.postings > ARTICLES * 10
    result = cli("check", "--index-dir", str(built), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["ok"] is True


@pytest.mark.parametrize("damage", [
    "toc-truncated", "toc-garbage", "segment-truncated", "term-dictionary-flip",
    "postings-flips", "stored-flip", "id-column-flip", "metadata-garbage", "generation-deleted"])
def test_check_finds_each_damage_and_repair_restores_every_article(built, damage):
    gen = built / current_generation(built)
    toc = max(gen.glob("_MAIN_*.toc"))
    seg = _segment(built)
    if damage == "toc-truncated":
        toc.write_bytes(toc.read_bytes()[: toc.stat().st_size // 2])
    elif damage == "toc-garbage":
        toc.write_bytes(bytes(range(256)) * 4)
    elif damage == "segment-truncated":
        seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 2])
    elif damage == "term-dictionary-flip":
        _flip(seg, "ntd")
    elif damage == "postings-flips":
        _flip(seg, "pst", count=16)
    elif damage == "stored-flip":
        _flip(seg, "_stored.col")
    elif damage == "id-column-flip":
        _flip(seg, "id.col")
    elif damage == "metadata-garbage":
        (built / META_FILE).write_bytes(b"\x00{not json")
    elif damage == "generation-deleted":
        import shutil
        shutil.rmtree(gen)

    result = cli("check", "--index-dir", str(built))
    assert result.exit_code == 2, result.output
    assert "damaged:" in result.stdout and "Traceback" not in result.output
    assert result.stderr.strip() == ("news-search: error: the index is damaged: run "
                                     "`news-search check --repair`")

    result = cli("check", "--repair", "--index-dir", str(built))
    assert result.exit_code == 0, result.output
    assert f"rebuilt {ARTICLES:,} article(s)" in result.stdout
    after = check_index(built)
    assert after.ok and after.articles == ARTICLES
    result = cli("query", "harbour", "--index-dir", str(built), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["total"] > 0


def test_the_repair_report_says_what_it_found_did_and_left_as_fields(built):
    toc = max((built / current_generation(built)).glob("_MAIN_*.toc"))
    toc.write_bytes(b"")
    result = cli("check", "--repair", "--json", "--index-dir", str(built))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["problems"]  # what the check found before
    assert any(line.startswith(f"rebuilt {ARTICLES:,} article(s)") for line in report["repaired"])
    assert report["still_damaged"] == []  # a field, not a prefix of the repaired lines
    assert not any("still damaged" in line for line in report["repaired"])


def test_roots_are_recovered_from_the_manifest_when_the_metadata_is_lost(built, tmp_path):
    (built / META_FILE).unlink()
    assert recover_roots(built) == [str(tmp_path / "corpus")]
