"""Snippets: our one-pass highlighter gives exactly what Whoosh's highlighter gave.

The reference is `whoosh.highlight.highlight` configured as search/query/snippets.py
was before it stopped using it (ContextFragmenter without a char limit, top 2,
touching passages merged), with one deliberate change on both sides: equally
scored passages go to the earlier one (Whoosh broke those ties by memory address).
"""
from __future__ import annotations

import pytest
from conftest import corpus_file
from helpers import articles_from
from whoosh import highlight

from search.engine.analysis import NEWS_WORD, news_analyzer
from search.query import snippets
from search.query.parser import analyze
from search.query.snippets import make_snippet, snippet_html, snippet_terms

QUERIES = ["said", "government", "prime minister", "mobile phone music", "economy growth",
           "film award oscar", "us", "u.s", "new market", "ours", "zzzz"]


class _EarlierFirst(highlight.BasicFragmentScorer):
    def __call__(self, f):
        return (super().__call__(f), -f.startchar)


class _MergingFormatter(highlight.Formatter):
    between = snippets.SEPARATOR

    def format_token(self, text, token, replace=False):
        return f"[[{highlight.get_text(text, token, replace)}]]"

    def format(self, fragments, replace=False):
        merged = []
        for f in sorted(fragments, key=lambda f: f.startchar):
            prev = merged[-1] if merged else None
            if prev is not None and f.startchar <= prev.endchar + snippets.MERGE_GAP:
                tokens = {t.startchar: t for t in prev.matches + f.matches}
                merged[-1] = highlight.Fragment(prev.text, [tokens[k] for k in sorted(tokens)],
                                                prev.startchar, max(prev.endchar, f.endchar))
            else:
                merged.append(f)
        return super().format(merged, replace=replace)


def whoosh_snippet(body: str, terms: set[str]) -> str:
    if not body:
        return ""
    if terms:
        fragmenter = highlight.ContextFragmenter(maxchars=snippets.MAX_CHARS,
                                                 surround=snippets.SURROUND, charlimit=None)
        marked = highlight.highlight(body, terms, news_analyzer(), fragmenter, _MergingFormatter(),
                                     top=2, scorer=_EarlierFirst(), minscore=(1, float("-inf")))
        if marked:
            return " ".join(marked.split())
    return snippets._lead(body)


def terms_of(query: str) -> set[str]:
    return {t for _, t in analyze("body", query)}


@pytest.mark.corpus("bbc")
@pytest.mark.slow
def test_snippets_equal_whoosh_highlighting_on_bbc_bodies():
    articles = articles_from([corpus_file("bbc")])[::6]
    compared = marked = 0
    for query in QUERIES:
        terms = terms_of(query)
        for a in articles:
            ours = make_snippet(a.body, terms)
            assert ours == whoosh_snippet(a.body, terms), (a.id, query)
            compared += 1
            marked += "[[" in ours
    assert compared > 3000 and marked > 500


def test_a_word_past_32768_characters_is_still_marked():
    body = "filler words here. " * 2000 + "The central bank raised rates."
    assert len(body) > 32_768
    assert "[[bank]]" in make_snippet(body, terms_of("bank"))


def test_no_match_in_body_gives_the_lead_cut_at_a_word():
    body = "Opening sentence of the article. " * 20
    out = make_snippet(body, terms_of("elephant"))
    assert out.startswith("Opening sentence") and out.endswith("…") and "[[" not in out
    assert len(out) <= snippets.MAX_CHARS + 1


def test_stemmed_and_folded_forms_are_marked_as_written():
    out = make_snippet("Zürich banks planned cuts; the planning was secret.", terms_of("zurich plan"))
    assert out == "[[Zürich]] banks [[planned]] cuts; the [[planning]] was secret"  # ends at a word, as Whoosh did


def test_html_snippet_escapes_text_but_keeps_marks():
    out = make_snippet("Profits <b>rose</b> & shares fell at AT&T", terms_of("shares"))
    html = snippet_html(out)
    assert "<mark>shares</mark>" in html and "&lt;b&gt;" in html and "&amp;" in html


def test_the_form_cache_starts_over_when_full_without_losing_marks(monkeypatch):
    monkeypatch.setattr(snippets, "MAX_CACHED_FORMS", 5)
    monkeypatch.setattr(snippets, "_FORMS", {})
    body = "Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu red lines."
    for _ in range(3):
        assert make_snippet(body, terms_of("red lines")).count("[[") == 2
    assert len(snippets._FORMS) <= 20


def test_literal_brackets_in_a_body_are_not_taken_for_marks():
    body = "The wiki page [[Central bank]] lists every bank rate; see ]] and [[ too."
    out = make_snippet(body, terms_of("rate"))
    assert snippet_terms(out) == ["rate"]
    assert snippet_html(out).count("<mark>") == 1
    assert snippet_terms(make_snippet(body, terms_of("zzz"))) == []  # the lead, unmarked


@pytest.mark.corpus("reuters")
def test_the_snippet_split_finds_the_index_tokenizers_words_on_reuters():
    from search.query.snippets import _SPLIT

    tokenizer = news_analyzer().items[0]
    articles = articles_from([corpus_file("reuters")])[::4]
    for a in articles:
        text = a.headline + "\n" + a.body + " a.b. x..y 1.5.2 _x_ ."
        assert _SPLIT.split(text)[1::2] == [t.text for t in tokenizer(text)], a.id
    # the tokenizer's expression (NEWS_WORD) is already in the one-way form, used as it is
    assert _SPLIT.pattern == "(" + NEWS_WORD + ")" and _SPLIT.groups == 1
