"""`news-search inspect`, run as a user runs it (in-process, from the project folder)."""
from __future__ import annotations

import json

from helpers import PROJECT, cli


def run(*args: str):
    return cli(*args, cwd=PROJECT)


def test_inspect_seeds_shows_fields_and_provenance():
    r = run("inspect", "corpus")
    assert r.exit_code == 0, r.stderr
    assert "Kremlin Warns Over NATO Infrastructure In Ukraine" in r.stdout
    assert "Russia and Belarus warn Nato to avoid military expansion in Ukraine" in r.stdout
    assert "[folder 'rferl']" in r.stdout and "how encoding: utf-8 (strict)" in r.stdout
    assert "\x1b[" not in r.stdout  # NO_COLOR, and not a terminal
    assert r.stderr.strip().endswith("2 article(s), 0 skipped")


def test_inspect_json_is_one_document(tmp_path):
    (tmp_path / "a.txt").write_text("Headline here\n\nSome body text for the story.\n")
    (tmp_path / "c.txt").write_text("Another headline\n\nMore body text for another story.\n")
    (tmp_path / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    r = run("inspect", "--json", str(tmp_path))
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert [a["headline"] for a in doc["articles"]] == ["Headline here", "Another headline"]
    assert doc["skipped"] == [{"path": "b.png", "line": None, "record": None,
                               "reason": "not text: PNG image"}]


def test_inspect_json_lines_articles_and_skips(tmp_path):
    (tmp_path / "a.txt").write_text("Headline here\n\nSome body text for the story.\n")
    (tmp_path / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    r = run("inspect", "--jsonl", str(tmp_path))
    assert r.exit_code == 0
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert rows[0]["headline"] == "Headline here" and rows[0]["provenance"]["headline"]
    assert rows[1] == {"skipped": {"path": "b.png", "line": None, "record": None,
                                   "reason": "not text: PNG image"}}


def test_inspect_nothing_readable_exits_1_with_reasons_and_no_traceback(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    r = run("inspect", str(tmp_path))
    assert r.exit_code == 1
    assert "skipped empty.txt: empty file" in r.stderr
    assert "Traceback" not in r.stderr


def test_inspect_missing_path_is_a_usage_error():
    r = run("inspect", "no/such/dir")
    assert r.exit_code == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr


def test_inspect_shows_the_id_the_index_gives_a_file_inside_its_roots(tmp_path, sample_corpus):
    """`inspect FILE` read the file as its own root: its id differed from the index's, so
    `show ID` with the id from `inspect` failed."""
    ix = str(tmp_path / "ix")
    assert cli("index", str(sample_corpus), "--index-dir", ix, "-q").exit_code == 0
    one = next((sample_corpus / "rferl").glob("*.txt"))
    r = cli("inspect", str(one), "--index-dir", ix, "--json")
    [article] = json.loads(r.stdout)["articles"]
    assert article["path"] == f"rferl/{one.name}" and article["source"] == "rferl"
    shown = cli("show", article["id"], "--index-dir", ix)
    assert shown.exit_code == 0 and article["headline"] in shown.stdout
    # Without an index (or outside its roots) the file is its own root, as before.
    alone = cli("inspect", str(one), "--index-dir", str(tmp_path / "none"), "--json")
    assert json.loads(alone.stdout)["articles"][0]["path"] == one.name
