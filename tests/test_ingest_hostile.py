"""Hostile input files: archive bombs, truncations, odd names, links and garbage (issue 18).

The bombs are read in a child process whose address space is capped at 1 GiB
(RLIMIT_AS): each must come back as a reported skip, not a killed process.
Before the limits, 24 levels of gzip took 764 MB and 1,000 levels ~23 GB.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import random
import struct
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import tar_bytes

from search.cli import main as cli
from search.ingest import IngestOptions, Skip, read_corpus

STORY = b"Ministers meet in Brussels\n\nEuropean ministers met on Monday to discuss the budget.\n"
MIB = 1024 * 1024

# Reads the corpus under a 1 GiB address-space cap and prints what came back as JSON.
CHILD = r"""
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from search.ingest import IngestOptions, Skip, read_corpus
opts = IngestOptions(**json.loads(sys.argv[2]))
t = time.perf_counter()
items = list(read_corpus([sys.argv[1]], opts))
print(json.dumps({
    "seconds": time.perf_counter() - t,
    "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "articles": [i.path for i in items if not isinstance(i, Skip)],
    "skips": [[i.path, i.reason] for i in items if isinstance(i, Skip)],
}))
"""


def read_capped(path: Path, **opts) -> dict:
    """`read_corpus(path)` in a child limited to 1 GiB of address space."""
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), json.dumps(opts)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def story(i: int) -> bytes:
    return STORY.replace(b"Monday", f"day {i} of the summit".encode())


def zip_bytes(members: dict[str, bytes | int]) -> bytes:
    """A zip; an int member is that many zero bytes, written in 1 MiB pieces."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            if isinstance(data, int):
                with zf.open(name, "w") as f:
                    for left in range(data, 0, -MIB):
                        f.write(bytes(min(MIB, left)))
            else:
                zf.writestr(name, data)
    return buf.getvalue()


def read(*paths, **opts) -> tuple[list, list[Skip]]:
    items = list(read_corpus([str(p) for p in paths], IngestOptions(**opts)))
    return [a for a in items if not isinstance(a, Skip)], [s for s in items if isinstance(s, Skip)]


# -- item 2: bombs, read under a 1 GiB cap --------------------------------------------------

class _Zeros(io.RawIOBase):
    def __init__(self, n: int):
        self.left = n

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def make_gzip_nest(folder: Path, levels: int) -> None:
    data = STORY
    for _ in range(levels):
        data = gzip.compress(data, mtime=0)
    (folder / "story.txt.gz").write_bytes(data)


def make_zip_bomb(folder: Path) -> None:
    """16 x 16 x 16 x 16 members of 19 MB of zeros (1.2 TB) in ~21 KB."""
    layer = zip_bytes({f"{i:x}.txt": 19 * MIB for i in range(16)})
    for _ in range(3):
        layer = zip_bytes({f"{i:x}.zip": layer for i in range(16)})
    (folder / "bomb.zip").write_bytes(layer)


def make_lying_zip(folder: Path) -> None:
    """A 300 MB member of zeros whose directory entry says 1,000 bytes."""
    data = bytearray(zip_bytes({"good.txt": story(1), "liar.txt": 300 * MIB}))
    cd = data.find(b"PK\x01\x02")  # central directory entries
    while data[cd + 46: cd + 54] != b"liar.txt":
        cd = data.find(b"PK\x01\x02", cd + 4)
    struct.pack_into("<I", data, cd + 24, 1000)  # its uncompressed size: 1,000 bytes
    (folder / "liar.zip").write_bytes(bytes(data))


def make_big_tar_gz(folder: Path) -> None:
    """A 400 MB member of zeros, then a story: compressed as written, ~1.8 MB on disk."""
    with tarfile.open(folder / "big.tar.gz", "w:gz", compresslevel=1) as tf:
        info = tarfile.TarInfo("a/huge.txt")
        info.size = 400 * MIB
        tf.addfile(info, io.BufferedReader(_Zeros(info.size), MIB))
        info = tarfile.TarInfo("a/story.txt")
        info.size = len(STORY)
        tf.addfile(info, io.BytesIO(STORY))


@pytest.mark.parametrize("levels", [24, 1000])
def test_gzip_nested_many_times_is_one_skip_at_the_depth_limit(tmp_path, levels):
    make_gzip_nest(tmp_path, levels)
    (tmp_path / "good.txt").write_bytes(story(1))
    out = read_capped(tmp_path)
    assert out["articles"] == ["good.txt"]
    [(where, reason)] = out["skips"]
    assert where.startswith("story.txt.gz!") and "--max-depth" in reason
    assert "the rest of story.txt.gz was not read" in reason


def test_gzip_nested_24_times_is_read_when_the_depth_allows_and_names_stay_short(tmp_path):
    make_gzip_nest(tmp_path, 24)
    out = read_capped(tmp_path, max_depth=30)
    [path] = out["articles"]
    # Each level adds its own short name (it used to add the whole chain: 2^24 x the name).
    assert path == "story.txt.gz" + "!story.txt" * 24


def test_nested_zip_bomb_stops_at_a_limit_in_one_skip(tmp_path):
    make_zip_bomb(tmp_path)
    assert (tmp_path / "bomb.zip").stat().st_size < 100_000
    (tmp_path / "good.txt").write_bytes(story(1))
    out = read_capped(tmp_path)
    assert out["articles"] == ["good.txt"]
    [(where, reason)] = out["skips"]
    assert where.startswith("bomb.zip!") and "--max-ratio" in reason
    assert "the rest of bomb.zip was not read" in reason


def test_zip_whose_header_under_reports_a_member_is_read_no_further_than_it_says(tmp_path):
    make_lying_zip(tmp_path)
    with zipfile.ZipFile(tmp_path / "liar.zip") as zf:
        assert zf.getinfo("liar.txt").file_size == 1000  # the lie, as zipfile reads it
    out = read_capped(tmp_path)
    assert out["articles"] == ["liar.zip!good.txt"]
    [(where, reason)] = out["skips"]
    assert where == "liar.zip!liar.txt" and "Bad CRC" in reason


def test_huge_tar_gz_member_over_max_bytes_is_skipped_without_being_kept(tmp_path):
    make_big_tar_gz(tmp_path)
    out = read_capped(tmp_path)
    [(where, too_large), (_, ratio)] = out["skips"]
    assert where == "big.tar.gz!a/huge.txt" and too_large.startswith(
        "too large: 419,430,400 bytes over the 20,971,520-byte limit (--max-bytes)")
    # Passing over it expands zeros 200x: the ratio limit ends the archive there.
    assert "--max-ratio" in ratio and "the rest of big.tar.gz was not read" in ratio
    # With the ratio limit raised it is passed over in 1 MiB pieces and the next member read.
    out = read_capped(tmp_path, max_ratio=1_000_000)
    assert out["articles"] == ["big.tar.gz!a/story.txt"]
    assert [p for p, _ in out["skips"]] == ["big.tar.gz!a/huge.txt"]


def test_member_over_max_bytes_is_skipped_and_the_members_after_it_are_read(tmp_path):
    noise = random.Random(7).randbytes(200_000)  # incompressible: no ratio limit involved
    (tmp_path / "a.tar.gz").write_bytes(tar_bytes({"big.txt": noise, "s.txt": story(1)}))
    (tmp_path / "a.tar").write_bytes(tar_bytes({"big.txt": noise, "s.txt": story(2)}, mode="w"))
    articles, skips = read(tmp_path, max_bytes=50_000)
    assert sorted(a.path for a in articles) == ["a.tar!s.txt", "a.tar.gz!s.txt"]
    assert sorted(s.path for s in skips) == ["a.tar!big.txt", "a.tar.gz!big.txt"]


# -- item 2: each limit, small, in process ------------------------------------------------------

def test_archive_byte_limit_ends_the_archive_and_names_its_option(tmp_path):
    members = {f"{i:02}.txt": story(i) for i in range(20)}
    (tmp_path / "a.tar.gz").write_bytes(tar_bytes(members))
    (tmp_path / "b.txt").write_bytes(story(99))
    articles, skips = read(tmp_path, max_archive_bytes=5000)
    assert "b.txt" in [a.path for a in articles]
    n_read = sum(a.path.startswith("a.tar.gz!") for a in articles)
    assert 0 < n_read < 20
    [skip] = skips
    assert "--max-archive-bytes" in skip.reason and skip.path.startswith("a.tar.gz")


def test_run_byte_limit_skips_the_archives_after_it(tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.tar.gz").write_bytes(tar_bytes({f"{name}{i}.txt": story(ord(name) * 100 + i)
                                                             for i in range(3)}))
    articles, skips = read(tmp_path, max_run_bytes=12_000)  # one is 10,240 bytes expanded
    assert [a.path for a in articles[:3]] == ["a.tar.gz!a0.txt", "a.tar.gz!a1.txt", "a.tar.gz!a2.txt"]
    assert not any(a.path.startswith("c.tar.gz") for a in articles)
    [b_skip, c_skip] = skips
    assert b_skip.path.startswith("b.tar.gz!") and "--max-run-bytes" in b_skip.reason
    assert c_skip.path == "c.tar.gz" and c_skip.reason.startswith("not read: archives in this run")


def test_member_count_limit(tmp_path):
    (tmp_path / "many.tar").write_bytes(tar_bytes({f"{i:02}.txt": story(i) for i in range(10)}, mode="w"))
    (tmp_path / "many.zip").write_bytes(zip_bytes({f"{i:02}.txt": story(i + 50) for i in range(10)}))
    articles, skips = read(tmp_path, max_members=5)
    assert [a.path for a in articles] == [f"many.tar!{i:02}.txt" for i in range(5)]
    reasons = {s.path: s.reason for s in skips}
    assert "--max-members" in reasons["many.tar!05.txt"]
    # A zip announces its count: refused before its directory is loaded.
    assert reasons["many.zip"].startswith("archive declares 10 members, over 5")


def test_long_member_names_and_unsafe_names_are_reported(tmp_path):
    (tmp_path / "n.zip").write_bytes(zip_bytes({
        "x" * 300 + ".txt": story(1), "../escape.txt": story(2), "/etc/abs.txt": story(3),
        "a/../../up.txt": story(4), "ok/fine.txt": story(5)}))
    articles, skips = read(tmp_path, max_name_chars=200)
    assert [a.path for a in articles] == ["n.zip!ok/fine.txt"]
    reasons = {s.path: s.reason for s in skips}
    assert reasons["n.zip!../escape.txt"].startswith("unsafe member name")
    assert reasons["n.zip!/etc/abs.txt"].startswith("unsafe member name")
    assert reasons["n.zip!a/../../up.txt"].startswith("unsafe member name")
    [long] = [r for p, r in reasons.items() if p.startswith("n.zip!xxx")]
    assert "member name of 304 characters" in long and "--max-name-chars" in long


def test_tar_unsafe_member_names_are_reported(tmp_path):
    (tmp_path / "t.tar.gz").write_bytes(tar_bytes({"../../x.txt": story(1), "in/y.txt": story(2)}))
    articles, skips = read(tmp_path)
    assert [a.path for a in articles] == ["t.tar.gz!in/y.txt"]
    assert [(s.path, s.reason.split(" (")[0]) for s in skips] == [("t.tar.gz!../../x.txt", "unsafe member name")]


def test_tar_header_claiming_a_huge_long_name_is_refused_before_reading(tmp_path):
    header = tarfile.TarInfo("././@LongLink")
    header.type, header.size = tarfile.GNUTYPE_LONGNAME, 3 * 1024 ** 3
    (tmp_path / "x.tar.gz").write_bytes(gzip.compress(header.tobuf(format=tarfile.GNU_FORMAT)
                                                      + bytes(100_000)))
    articles, [skip] = read(tmp_path)
    assert articles == [] and skip.path == "x.tar.gz"
    assert "a single read of 3,221,225,472 bytes" in skip.reason and "--max-bytes" in skip.reason


# -- item 9: every truncation is reported, with the members read -------------------------------

def _tar_of(n: int, mode: str) -> bytes:
    return tar_bytes({f"d/{i:02}.txt": story(i) for i in range(n)}, mode=mode)


@pytest.mark.parametrize("name,mode", [("cut.tar.gz", "w:gz"), ("cut.tgz", "w:gz"), ("cut.tar", "w")])
def test_forty_random_cuts_of_a_tar_are_all_reported(tmp_path, name, mode):
    data = _tar_of(50, mode)
    # A plain tar cut after its end marker has lost nothing: cut it before (50 x 1,024 bytes).
    end = len(data) if mode != "w" else 50 * 1024 + 512
    cuts = sorted(random.Random(18).sample(range(1, end), 40))
    if mode == "w":  # tarfile takes a missing header at a block boundary for the end
        cuts += [512 * k for k in (2, 4, 40, 100)]
    for cut in cuts:
        path = tmp_path / name
        path.write_bytes(data[:cut])
        articles, skips = read(path)
        assert len(skips) == 1, (cut, skips)
        [skip] = skips
        assert skip.path == name and skip.reason.startswith("corrupt or truncated tar"), (cut, skip)
        assert f"after {len(articles)} member(s) read" in skip.reason, (cut, skip)


def test_forty_random_cuts_of_a_zip_are_all_reported(tmp_path):
    data = zip_bytes({f"d/{i:02}.txt": story(i) for i in range(50)})
    for cut in sorted(random.Random(18).sample(range(1, len(data)), 40)):
        (tmp_path / "cut.zip").write_bytes(data[:cut])
        articles, skips = read(tmp_path / "cut.zip")
        assert articles == [] and len(skips) == 1, (cut, skips)
        assert skips[0].path == "cut.zip"
        assert skips[0].reason.startswith("corrupt or truncated zip (0 members read)"), cut


def test_cuts_of_gzip_and_of_nested_archives_are_reported(tmp_path):
    gz = gzip.compress(story(1) * 50)
    inner = _tar_of(20, "w:gz")
    for cut in sorted(random.Random(9).sample(range(1, len(gz)), 20)):
        (tmp_path / "one.txt.gz").write_bytes(gz[:cut])
        articles, skips = read(tmp_path / "one.txt.gz")
        assert articles == [] and [s.path for s in skips] == ["one.txt.gz"], cut
        assert skips[0].reason.startswith("corrupt or truncated gzip (0 members read)")
    for cut in sorted(random.Random(10).sample(range(1, len(inner)), 20)):
        (tmp_path / "outer.zip").write_bytes(zip_bytes({"s.txt": story(99), "in/day.tar.gz": inner[:cut]}))
        articles, skips = read(tmp_path / "outer.zip")
        nested = [a for a in articles if "day.tar.gz!" in a.path]
        [skip] = skips
        assert skip.path == "outer.zip!in/day.tar.gz"
        assert f"after {len(nested)} member(s) read" in skip.reason, (cut, skip)
        assert "outer.zip!s.txt" in [a.path for a in articles]


def test_complete_archives_of_every_kind_are_not_reported(tmp_path):
    (tmp_path / "a.tar.gz").write_bytes(_tar_of(5, "w:gz"))
    (tmp_path / "b.tar").write_bytes(tar_bytes({f"{i}.txt": story(10 + i) for i in range(5)}, mode="w"))
    (tmp_path / "c.zip").write_bytes(zip_bytes({f"{i}.txt": story(20 + i) for i in range(5)}))
    (tmp_path / "d.txt.gz").write_bytes(gzip.compress(story(30)))
    articles, skips = read(tmp_path)
    assert skips == [] and len(articles) == 16


# -- item 3: names that are not UTF-8 --------------------------------------------------------

needs_bytes_names = pytest.mark.skipif(sys.platform == "darwin", reason="macOS refuses non-UTF-8 names")


@needs_bytes_names
def test_non_utf8_file_name_is_indexed_searchable_and_shown_readably(tmp_path):
    corpus = tmp_path / "d"
    corpus.mkdir()
    bad = os.fsdecode(b"bad\xffname.txt")
    (corpus / bad).write_bytes(b"Zanzibar harbour reopens\n\nThe harbour in Zanzibar reopened on Tuesday "
                               b"after repairs to the old pier.\n")
    (corpus / os.fsdecode(b"empty\xfe.txt")).write_bytes(b"")
    index = str(tmp_path / "ix")
    runner = CliRunner()  # click 8.2: stderr kept apart
    result = runner.invoke(cli, ["index", str(corpus), "--index-dir", index, "--verbose"])
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "empty\\xfe.txt: empty file" in result.stderr
    result = runner.invoke(cli, ["query", "zanzibar", "--index-dir", index])
    assert result.exit_code == 0, result.stderr
    assert "Zanzibar harbour reopens" in result.stdout
    # A second run finds the file unchanged (its manifest row was written and read back).
    result = runner.invoke(cli, ["index", str(corpus), "--index-dir", index])
    assert result.exit_code == 0, result.stderr
    result = runner.invoke(cli, ["inspect", str(corpus), "--json"])
    [article] = json.loads(result.stdout)["articles"]
    assert article["path"] == "bad\\xffname.txt"


@needs_bytes_names
def test_non_utf8_folder_and_member_names_are_readable_in_ids_and_sources(tmp_path):
    folder = tmp_path / os.fsdecode(b"caf\xe9")
    folder.mkdir()
    (folder / "s.txt").write_bytes(story(1))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as tf:
        info = tarfile.TarInfo(os.fsdecode(b"x\xff.txt"))
        info.size = len(story(2))
        tf.addfile(info, io.BytesIO(story(2)))
    (tmp_path / "m.tar").write_bytes(buf.getvalue())
    articles, skips = read(tmp_path)
    assert skips == []
    assert sorted(a.path for a in articles) == ["caf\\xe9/s.txt", "m.tar!x\\xff.txt"]
    assert {a.source for a in articles if "/" in a.path} == {"caf\\xe9"}


# -- item 10: links, garbage -----------------------------------------------------------------

def test_symlinks_outside_the_root_are_reported_unless_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(story(1))
    (outside / "sub").mkdir()
    (outside / "sub" / "deep.txt").write_bytes(story(2))
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "own.txt").write_bytes(story(3))
    (root / "z-link.txt").symlink_to(root / "own.txt")
    (root / "out-link.txt").symlink_to(outside / "secret.txt")
    (root / "out-dir").symlink_to(outside / "sub")
    (root / "loop").symlink_to(root)
    articles, skips = read(root)
    assert sorted(a.path for a in articles) == ["own.txt"]  # the inside link is an exact duplicate
    reasons = {s.path: s.reason for s in skips}
    assert reasons["out-link.txt"].startswith("symlink to a file outside the corpus root")
    assert reasons["out-dir"].startswith("symlink to a folder outside the corpus root")
    assert "--follow-links" in reasons["out-link.txt"]
    assert reasons["z-link.txt"].startswith("exact duplicate of own.txt")

    articles, skips = read(root, follow_links=True)
    assert sorted(a.path for a in articles) == ["out-dir/deep.txt", "out-link.txt", "own.txt"]
    assert any(s.path == "loop" and s.reason.startswith("symlink loop") for s in skips)


def test_random_bytes_named_txt_are_skipped_as_garbled(tmp_path):
    rng = random.Random(3)
    noise = bytes(b for b in rng.randbytes(6000) if b)  # no NUL byte to give it away
    (tmp_path / "noise.txt").write_bytes(noise)
    (tmp_path / "good.txt").write_bytes("Café owners protest\n\nCafé owners in Lyon protested "
                                        "against the new rules on Friday.\n".encode("latin-1"))
    articles, skips = read(tmp_path)
    assert [a.path for a in articles] == ["good.txt"]
    [skip] = skips
    assert skip.path == "noise.txt" and skip.reason.startswith("not text: binary or garbled data")


def test_the_limits_are_command_line_options(tmp_path):
    data = STORY
    for _ in range(8):
        data = gzip.compress(data, mtime=0)
    (tmp_path / "s.txt.gz").write_bytes(data)
    runner = CliRunner()
    result = runner.invoke(cli, ["inspect", str(tmp_path), "--jsonl"])
    [line] = result.stdout.splitlines()
    assert result.exit_code == 1 and "--max-depth" in json.loads(line)["skipped"]["reason"]
    result = runner.invoke(cli, ["inspect", str(tmp_path), "--json", "--max-depth", "9"])
    [article] = json.loads(result.stdout)["articles"]
    assert result.exit_code == 0 and article["headline"] == "Ministers meet in Brussels"
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_bytes(story(5))
    (tmp_path / "link.txt").symlink_to(outside)
    result = runner.invoke(cli, ["inspect", str(tmp_path), "--jsonl", "--max-depth", "9", "--follow-links"])
    assert sorted(json.loads(line)["path"] for line in result.stdout.splitlines()) == [
        "link.txt", "s.txt.gz" + "!s.txt" * 8]


BOMBS = {  # name -> (builder, the skip it must come back as)
    "gzip x24": (lambda d: make_gzip_nest(d, 24), "--max-depth"),
    "gzip x1000": (lambda d: make_gzip_nest(d, 1000), "--max-depth"),
    "nested zip 16^4 x 19 MB": (make_zip_bomb, "--max-ratio"),
    "zip header under-reporting 300 MB": (make_lying_zip, "Bad CRC"),
    "tar.gz member of 400 MB": (make_big_tar_gz, "--max-bytes"),
}

if __name__ == "__main__":
    # Peak memory and time of each bomb, read under the 1 GiB cap:
    #   python tests/test_ingest_hostile.py
    import tempfile

    for name, (build, expect) in BOMBS.items():
        with tempfile.TemporaryDirectory() as d:
            build(Path(d))
            size = sum(p.stat().st_size for p in Path(d).iterdir())
            out = read_capped(Path(d))
            assert any(expect in reason for _, reason in out["skips"]), out["skips"]
            print(f"{name:<36} {size:>10,} bytes on disk  {out['seconds']:6.2f} s  "
                  f"peak RSS {out['maxrss_kb'] / 1024:6.1f} MB  {len(out['skips'])} skip(s)")
