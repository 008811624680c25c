"""Queries as people type them: several words, `-word` negations, `--`, `title:`, and a
word about undated articles; and the exit status of an unknown id. CliRunner, in-process."""
from __future__ import annotations

import json

import pytest
from helpers import SAMPLE_CORPUS, articles_from, build_index, cli


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return str(build_index(tmp_path_factory.mktemp("typed") / "index", articles_from([SAMPLE_CORPUS])))


@pytest.fixture(scope="module")
def undated_dir(tmp_path_factory):
    """The seeds without the date one of their sidecars gives (corpus/*.meta.json)."""
    import dataclasses

    undated = [dataclasses.replace(a, published=None) for a in articles_from([SAMPLE_CORPUS])]
    return str(build_index(tmp_path_factory.mktemp("undated") / "index", undated))


def ids(result) -> set[str]:
    return {json.loads(line)["id"] for line in result.output.splitlines() if line.startswith("{")}


def test_several_arguments_are_one_query(index_dir):
    one = cli("query", "Lukashenko Kremlin", "--all", "--jsonl", "--index-dir", index_dir)
    two = cli("query", "Lukashenko", "Kremlin", "--all", "--jsonl", "--index-dir", index_dir)
    assert two.exit_code == 0, two.output
    assert ids(two) == ids(one) and ids(two)


@pytest.mark.parametrize("order", ["words first", "options first"])
def test_a_leading_dash_word_is_a_negation_not_an_option(index_dir, order):
    everything = ids(cli("query", "Kyiv", "--jsonl", "--index-dir", index_dir))
    with_washington = ids(cli("query", "Kyiv", "Washington", "--all", "--jsonl", "--index-dir", index_dir))
    assert everything and with_washington and with_washington != everything
    words, options = ["Kyiv", "-washington"], ["--jsonl", "--index-dir", index_dir]
    r = cli("query", *(words + options if order == "words first" else options + words))
    assert r.exit_code == 0, r.output
    assert ids(r) == everything - with_washington


def test_everything_after_double_dash_is_the_query(index_dir):
    r = cli("query", "--jsonl", "--index-dir", index_dir, "--", "Kyiv", "-washington")
    assert r.exit_code == 0, r.output
    assert ids(r) == ids(cli("query", "Kyiv -washington", "--jsonl", "--index-dir", index_dir))


def test_real_options_still_work_beside_negations(index_dir):
    r = cli("query", "Kyiv", "-washington", "--limit=1", "--source", "eurasiantimes", "--jsonl",
            "--index-dir", index_dir)
    assert r.exit_code == 0, r.output
    assert [json.loads(x)["source"] for x in r.stdout.splitlines()] == ["eurasiantimes"]
    assert cli("query", "Kyiv", "-h", "--index-dir", index_dir).output.startswith("Usage:")
    typo = cli("query", "Kyiv", "--lmit", "3", "--index-dir", index_dir)
    assert typo.exit_code == 2 and "--lmit" in typo.output


def test_title_is_an_alias_of_headline(index_dir):
    title = cli("query", "title:Kremlin", "--jsonl", "--index-dir", index_dir)
    headline = cli("query", "headline:Kremlin", "--jsonl", "--index-dir", index_dir)
    assert title.exit_code == 0 and ids(title) == ids(headline) and ids(title)
    unknown = cli("query", "titel:Kremlin", "--index-dir", index_dir)
    assert unknown.exit_code == 2 and "title:" in unknown.output and "headline:" in unknown.output


def test_field_names_come_from_the_schema():
    from search.indexing.schema import build_schema
    from search.query.parser import FIELD_ALIASES, KNOWN_FIELDS

    schema = build_schema()
    assert set(KNOWN_FIELDS) <= set(schema.names())
    assert {"headline", "body", "author", "source", "tags", "published"} <= set(KNOWN_FIELDS)
    assert all(target in KNOWN_FIELDS for target in FIELD_ALIASES.values())


def test_date_filter_on_undated_articles_says_so(undated_dir):
    r = cli("query", "Kyiv", "--since", "2005", "--index-dir", undated_dir)
    assert r.exit_code == 1
    assert "none of the 2 articles has a date" in r.output
    q = cli("query", "Kyiv published:2021", "--json", "--index-dir", undated_dir)
    assert "none of the 2 articles has a date" in q.output
    doc = json.loads(q.output[q.output.index("{"):q.output.rindex("}") + 1])
    assert doc["undated"]["undated_articles"] == 2 and doc["undated"]["articles"] == 2


def test_date_sort_on_undated_matches_says_so(undated_dir):
    r = cli("query", "Kyiv", "--sort", "newest", "--index-dir", undated_dir)
    assert r.exit_code == 0 and "none of the matches has a date" in r.output
    plain = cli("query", "Kyiv", "--index-dir", undated_dir)
    assert "has a date" not in plain.output


@pytest.mark.parametrize("command", ["show", "similar"])
def test_an_unknown_id_is_nothing_found(index_dir, command):
    r = cli(command, "zzz", "--index-dir", index_dir)
    assert r.exit_code == 1
    assert r.stdout == "" and r.stderr.count("\n") == 1 and "no article with id zzz" in r.stderr


def test_the_lazy_command_table_names_every_command_of_its_module():
    from importlib import import_module

    from search.cli import COMMAND_MODULES

    for module in set(COMMAND_MODULES.values()):
        names = {c.name for c in import_module(f"search.cli.{module}").COMMANDS}
        assert names == {n for n, m in COMMAND_MODULES.items() if m == module}, module


# What a cold `query` does not import: other commands, Whoosh's downloaders, ingestion,
# stories and timelines (six dataclasses), OpenSSL, html's entity table, and what
# Whoosh and click import for features we do not use (search/engine/lean.py).
COLD_QUERY_SKIPS = ('urllib.request', 'ssl', 'socket', 'search.cli.serve_cmd',
                    'search.cli.index_cmd', 'search.cli.schedule_cmd', 'dateparser', 'search.ingest',
                    'search.query.timeline', 'search.query.story', 'search.query.collapse',
                    'hashlib', 'html', 'tempfile', 'shutil', 'random', 'queue', 'decimal',
                    'uuid', 'platform', 'whoosh.lang.porter', 'whoosh.lang.dmetaphone')


@pytest.mark.parametrize("options", [["--count"], []], ids=["count", "page-with-snippets"])
def test_a_cold_query_loads_none_of_what_it_does_not_use(index_dir, options):
    """What start-up skips (bench/bench_startup.py measures what that saves)."""
    import subprocess
    import sys

    code = ("import sys\nfrom search.cli import main\n"
            f"try:\n    main(['query', 'Kyiv', *{options!r}, '--index-dir', sys.argv[1]])\n"
            "except SystemExit:\n    pass\n"
            f"print(sorted(m for m in sys.modules if m in {COLD_QUERY_SKIPS!r}))")
    p = subprocess.run([sys.executable, "-c", code, index_dir], capture_output=True, text=True, timeout=60)
    assert "Kyiv" in p.stdout or options, p.stdout + p.stderr  # the page was printed
    assert p.stdout.strip().splitlines()[-1] == "[]", p.stdout + p.stderr
