""""Did you mean" (issue 11): only for words the index does not know, never for stop words,
bounded, switchable off; candidates from the index's own words."""
from __future__ import annotations

import pytest
from helpers import build_index

from search.api import NewsIndex
from search.article import Article
from search.query.limits import DEFAULT_LIMITS

BODIES = [
    "Wheat exports rose as sanctions eased; what the company said there mattered.",
    "What happened to wheat prices? The company exports wheat.",
    "What a week: sanctions on exports, said the minister in Minsk.",
    "What traders expect: chicken and beef exports.",
    "One article spells wheet the wrong way; there is a cabinet meeting in Kyiv.",
    "Treasury bills and what else there is.",
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    articles = [Article(id=f"a{i}", headline=f"Report {i}", body=body, source="wire",
                        path=f"{i}.txt") for i, body in enumerate(BODIES)]
    index_dir = build_index(tmp_path_factory.mktemp("suggest") / "index", articles)
    with NewsIndex.open(index_dir) as opened:
        yield opened


@pytest.mark.parametrize("query, suggestion", [
    ("whaet", "wheat"),              # a transposition beats the commoner "what" (a deletion)
    ("sanctoins", "sanctions"),      # the body's stem, shown with the typed ending
    ("exprots", "exports"),
    ("Minsc", "Minsk"),              # capitalised as typed
    ("treasurey bills", "treasury bills"),
    ('"wheat exprots" AND sanctions', '"wheat exports" AND sanctions'),  # query kept as typed
    ("oil OR whaet", "oil OR wheat"),
    ("headline:reprot", "headline:report"),
])
def test_unknown_words_are_corrected(ix, query, suggestion):
    assert ix.search(query).suggestion == suggestion


@pytest.mark.parametrize("query", [
    "wheet",                          # in the index (once): never "corrected", however rare
    "wheat exports",                  # known words
    "the kremlin",                    # a stop word is never a misspelling (was: "there")
    "what did the kremlin say about nato",
    "cricket",                        # 2 edits from "chicken": too far for 7 letters
    "Kiev",                           # unknown, but its variant Kyiv is known
    "wha",                            # fewer than 4 letters
    "x1234",                          # not a word
    "whaet~",                         # fuzzy: the user asked for the spellings already
])
def test_no_suggestion(ix, query):
    assert ix.search(query, match="any").suggestion is None


def test_suggest_false_skips_it(ix):
    assert ix.search("whaet", suggest=False).suggestion is None
    assert ix.search("whaet").suggestion == "wheat"


def test_long_words_are_not_considered(ix):
    long_word = "wheat" + "x" * (DEFAULT_LIMITS.suggest_max_word_chars - 5 + 1)
    assert ix.search(long_word).suggestion is None


def test_only_the_first_unknown_words_are_looked_at(ix):
    n = DEFAULT_LIMITS.suggest_max_words
    query = " OR ".join(["whaet"] * (n + 2))
    words = ix.search(query).suggestion.split(" OR ")
    assert words.count("wheat") == n and words.count("whaet") == 2


def test_json_has_the_suggestion(ix):
    assert ix.search("whaet").to_dict()["suggestion"] == "wheat"
