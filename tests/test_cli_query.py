"""The query/show/similar commands as a user runs them (in-process): output streams, JSON,
exit codes."""
from __future__ import annotations

import json

import pytest
from helpers import SAMPLE_CORPUS, articles_from, build_index, cli


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return build_index(tmp_path_factory.mktemp("cli") / "index", articles_from([SAMPLE_CORPUS]))


def test_query_prints_hits_facets_and_exit_0(index_dir):
    p = cli("query", '"red lines"', "--index-dir", str(index_dir), "--facet", "source")
    assert p.exit_code == 0, p.stderr
    assert "[[red]] [[lines]]" in p.stdout and "\x1b[" not in p.stdout
    assert "eurasiantimes" in p.stdout and "rferl" in p.stdout
    assert "2 matches" in p.stderr and "2 matches" not in p.stdout


def test_query_json_shape(index_dir):
    p = cli("query", "Kyiv", "--index-dir", str(index_dir), "--json", "--facet", "source")
    d = json.loads(p.stdout)
    assert p.exit_code == 0 and d["total"] == 2 and d["page"] == 1 and d["limit"] == 10
    assert d["facets"]["source"] == [{"value": "eurasiantimes", "count": 1}, {"value": "rferl", "count": 1}]
    assert {"id", "headline", "source", "published", "url", "path", "score", "snippet"} <= set(d["hits"][0])


def test_query_jsonl_one_hit_per_line(index_dir):
    p = cli("query", "Lukashenko", "--index-dir", str(index_dir), "--jsonl")
    lines = p.stdout.splitlines()
    assert len(lines) == 2 and all(json.loads(line)["id"] for line in lines)


def test_no_match_exits_1_with_suggestion(index_dir):
    p = cli("query", "Minsc", "--index-dir", str(index_dir))
    assert p.exit_code == 1 and p.stdout.strip() == ""
    assert "did you mean: Minsk" in p.stderr


@pytest.mark.parametrize("query, fragment", [
    ('"red lines', "unbalanced quote"),
    ("(Putin OR Kremlin", "unbalanced parenthesis"),
    ("Putin)", "unbalanced parenthesis"),
    ("foo:bar", "unknown field"),
    ("published:[2021-02-30 TO 2021-03-01]", "bad date"),
    ("published:[2021 2022]", "needs TO"),
    ("*ine", "wildcard"),
    ("Putin OR", "OR needs a term"),
])
def test_query_errors_are_one_line_and_exit_2(index_dir, query, fragment):
    p = cli("query", query, "--index-dir", str(index_dir))
    assert p.exit_code == 2
    assert fragment in p.stderr and "Traceback" not in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "(at column" in p.stderr


def test_bad_since_and_missing_index_exit_2(index_dir, tmp_path):
    p = cli("query", "Kyiv", "--index-dir", str(index_dir), "--since", "soonish")
    assert p.exit_code == 2 and "since" in p.stderr and "Traceback" not in p.stderr
    p = cli("query", "Kyiv", "--index-dir", str(tmp_path / "none"))
    assert p.exit_code == 2 and "no index" in p.stderr


def test_lowercase_or_gets_a_hint(index_dir):
    p = cli("query", "putin or kremlin", "--index-dir", str(index_dir))
    assert p.exit_code == 0 and "OR in capitals" in p.stderr


def test_show_and_similar(index_dir):
    p = cli("query", "source:rferl", "--index-dir", str(index_dir), "--json")
    rferl_id = json.loads(p.stdout)["hits"][0]["id"]
    p = cli("show", rferl_id, "--index-dir", str(index_dir), "--json")
    article = json.loads(p.stdout)
    assert p.exit_code == 0 and article["source"] == "rferl" and article["provenance"]
    p = cli("show", rferl_id, "--index-dir", str(index_dir))
    assert "Kremlin Warns Over NATO" in p.stdout and "provenance:" in p.stdout
    assert cli("show", "nope", "--index-dir", str(index_dir)).exit_code == 1
    p = cli("similar", rferl_id, "--index-dir", str(index_dir), "--json")
    assert [h["source"] for h in json.loads(p.stdout)["hits"]] == ["eurasiantimes"]
    assert cli("similar", "nope", "--index-dir", str(index_dir)).exit_code == 1  # as show


def test_help_shows_examples():
    for cmd in ("query", "show", "similar"):
        p = cli(cmd, "--help")
        assert p.exit_code == 0 and "Examples:" in p.stdout
