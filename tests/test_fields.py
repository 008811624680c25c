"""Field and facet names come from one place (search/indexing/fields.py) and mean what the
schema, the query language, the facets and the command line do with them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from whoosh.fields import DATETIME, KEYWORD, TEXT

from search.api import NewsIndex
from search.cli import main
from search.indexing import index_paths
from search.indexing.fields import (
    CONTENT_FIELDS,
    DATE_FACETS,
    DATE_FIELD,
    FACET_NAMES,
    KEYWORD_FIELDS,
    LIST_FIELDS,
)
from search.indexing.schema import build_schema
from search.query.parser import DEFAULT_FIELDS, parse_query
from search.query.parser import KEYWORD_FIELDS as QUERY_KEYWORD_FIELDS

SAMPLE_CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def sample_index(tmp_path_factory) -> Path:
    ix = tmp_path_factory.mktemp("fields") / "ix"
    assert index_paths(ix, [SAMPLE_CORPUS]).added == 2
    return ix


def test_the_schema_is_built_under_the_names_everyone_imports():
    schema = build_schema()
    for name in CONTENT_FIELDS:
        assert isinstance(schema[name], TEXT) and schema[name].stored, name
    for name in KEYWORD_FIELDS:
        assert isinstance(schema[name], KEYWORD) and schema[name].column_type, name
    assert set(LIST_FIELDS) <= set(KEYWORD_FIELDS)
    for name in LIST_FIELDS:  # several values, comma-separated
        assert [t.text for t in schema[name].analyzer("Oil, Gas")] == ["oil", "gas"], name
    assert isinstance(schema[DATE_FIELD], DATETIME) and schema[DATE_FIELD].column_type
    # The query language reads its fields from the same schema.
    assert DEFAULT_FIELDS == CONTENT_FIELDS
    assert set(KEYWORD_FIELDS) <= set(QUERY_KEYWORD_FIELDS)


def test_a_plain_word_searches_the_content_fields_and_a_named_one_its_field():
    plain = parse_query("kremlin")
    assert {t.fieldname for t in plain.query.leaves()} == set(CONTENT_FIELDS)
    for name in KEYWORD_FIELDS:
        named = parse_query(f"{name}:rferl")
        assert {t.fieldname for t in named.query.leaves()} == {name}, name


def test_every_facet_name_counts_over_the_index(sample_index):
    with NewsIndex.open(sample_index) as ix:
        res = ix.search("Ukraine", facets=list(FACET_NAMES))
    assert res.total == 2
    assert set(res.facets) == set(FACET_NAMES)
    assert {v.value for v in res.facets["source"]} == {"rferl", "eurasiantimes"}
    for name in FACET_NAMES:  # every article is counted once in a one-value facet
        if name not in LIST_FIELDS:
            assert sum(v.count for v in res.facets[name]) == 2, name


def test_the_command_line_offers_exactly_the_schemas_facets(sample_index):
    for name in (*KEYWORD_FIELDS, DATE_FIELD, *DATE_FACETS):
        result = CliRunner().invoke(main, ["query", "Ukraine", "--facet", name, "--json",
                                           "--index-dir", str(sample_index)])
        assert result.exit_code == 0, (name, result.output)
        assert json.loads(result.stdout)["facets"], name
    result = CliRunner().invoke(main, ["query", "Ukraine", "--facet", "headline",
                                       "--index-dir", str(sample_index)])
    assert result.exit_code == 2 and "headline" in result.output


def test_the_names_load_without_whoosh():
    """The CLI builds --facet's choices at start: the names must not pull Whoosh in."""
    code = ("import sys, search.indexing.fields, search.cli.query_cmd; "
            "print(any(m.split('.')[0] == 'whoosh' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
