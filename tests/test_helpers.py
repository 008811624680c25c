"""The test toolkit itself (tests/helpers.py): an index a test builds is the format the
product writes, and the in-process `cli()` shows what a real process shows."""
from __future__ import annotations

import json

from helpers import SAMPLE_CORPUS, articles_from, build_index, cli, cli_process, index_files

from search.engine.codec import NewsCodec
from search.indexing.store import open_index


def _codecs(index_dir) -> set[type]:
    handle = open_index(index_dir)
    return {type(segment.codec()) for segment in handle.ix._segments()}


def test_both_builders_write_the_products_format(tmp_path):
    from_memory = build_index(tmp_path / "memory", articles_from([SAMPLE_CORPUS]))
    from_files = index_files(tmp_path / "files", SAMPLE_CORPUS)
    assert _codecs(from_memory) == _codecs(from_files) == {NewsCodec}


def test_in_process_cli_shows_what_a_real_process_shows(tmp_path):
    index_dir = str(index_files(tmp_path / "index", SAMPLE_CORPUS))
    for args in (["query", "Kyiv", "--json", "--facet", "source", "--index-dir", index_dir],
                 ["query", "Minsc", "--index-dir", index_dir],
                 ["query", "(Putin", "--index-dir", index_dir],
                 ["stats", "--index-dir", str(tmp_path / "none")]):
        ours, real = cli(*args), cli_process(*args)
        assert (ours.exit_code, ours.stdout, ours.stderr) == (real.exit_code, real.stdout, real.stderr), args
    assert json.loads(cli("query", "Kyiv", "--json", "--index-dir", index_dir).stdout)["total"] == 2
