"""Fuzzy words expand over the field's terms (search/engine/fuzzy.py), on real indexes.

Whoosh 2.7.4 expands `headline:grain~` over the headline's spelling words (as written:
"grains") instead of its terms (stemmed: "grain"), so articles whose headlines only say
"Grains" were lost although `headline:grain` finds them.
"""
from __future__ import annotations

from helpers import add_articles, build_index

from search import Article, NewsIndex


def _article(n: int, headline: str, body: str) -> Article:
    return Article(id=f"fz-{n}", headline=headline, body=body, source="wire")


def test_a_fuzzy_headline_word_finds_what_its_stem_finds(tmp_path):
    index_dir = build_index(tmp_path / "ix", [
        _article(1, "Grains exported through the port", "Ships left the harbour on Monday."),
        _article(2, "Grains imported for the mills", "Millers bought from abroad this week."),
    ])
    add_articles(index_dir, [  # a second segment, with a plain "gain"
        _article(3, "Shares gain after the results", "The company beat its own forecast."),
    ])
    with NewsIndex.open(index_dir) as ix:
        stem = {h.id for h in ix.search("headline:grain", limit=50).hits}
        fuzzy = {h.id for h in ix.search("headline:grain~", limit=50).hits}
        plain_or = {h.id for h in ix.search("headline:grain OR headline:gain", limit=50).hits}
    assert stem == {"fz-1", "fz-2"}
    assert fuzzy == plain_or == {"fz-1", "fz-2", "fz-3"}


def test_a_fuzzy_body_word_is_unchanged(tmp_path):
    """The body keeps no spelling words: its expansion was already over its terms."""
    index_dir = build_index(tmp_path / "ix", [
        _article(1, "Port news", "Grains were exported through the port."),
        _article(2, "Market news", "Shares gain after the results."),
        _article(3, "Islands", "The Gran Canaria ferry sailed late."),
    ])
    with NewsIndex.open(index_dir) as ix:
        fuzzy = {h.id for h in ix.search("body:grain~", limit=50).hits}
    assert fuzzy == {"fz-1", "fz-2", "fz-3"}
