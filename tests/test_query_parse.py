"""The query language as parsed: errors with positions and hints, dates, variants (no index)."""
from __future__ import annotations

from datetime import datetime

import pytest
from whoosh import query as wq

from search.errors import QueryError
from search.query.dates import parse_bound, parse_range, parse_span
from search.query.lexer import tokenize
from search.query.parser import parse_query
from search.query.variants import Variants, parse_variants

NOW = datetime(2021, 10, 6, 15, 30)


def parse(text: str, **kw):
    variants = Variants.from_groups(parse_variants("kyiv, kiev\nlukashenko, lukashenka"))
    return parse_query(text, variants=variants, now=NOW, **kw)


@pytest.mark.parametrize("text, column, fragment", [
    ('"red lines', 1, "unbalanced quote"),
    ("(Putin OR Kremlin", 1, "never closed"),
    ("Putin)", 6, "')' without '('"),
    ("foo:bar", 1, "unknown field 'foo:'"),
    ("published:[2021-13-01 TO 2021-10-01]", 11, "bad date"),
    ("published:[2021-09-30 TO 2021-09-01]", 11, "starts after it ends"),
    ("published:[2021 2022]", 11, "needs TO"),
    ("Putin OR", 7, "OR needs a term after it"),
    ("AND Putin", 1, "AND needs a term before it"),
    ("*sanctions", 1, "cannot start with a wildcard"),
    ("Zelensky~5", 1, "too large"),
    ("headline: Putin", 1, "nothing after"),
    ('"red lines"~', 12, "needs a number"),
    ("()", 1, "empty parentheses"),
    ("source:[a TO b]", 8, "ranges work only on published"),
])
def test_errors_say_what_and_where(text, column, fragment):
    with pytest.raises(QueryError) as info:
        parse(text)
    assert fragment in str(info.value)
    assert info.value.position == column - 1
    assert f"(at column {column})" in str(info.value)


def test_every_error_has_a_hint_of_what_to_write():
    for text in ('"x', "(x", "foo:bar", "published:nonsense", "x OR"):
        with pytest.raises(QueryError) as info:
            parse(text)
        assert info.value.hint, text


def test_lowercase_operators_get_a_hint_but_uppercase_do_not():
    assert any("OR in capitals" in h for h in parse("putin or kremlin").hints)
    assert parse("Putin OR Kremlin").hints == []
    assert parse('"red and blue"').hints == []  # inside a phrase it is a word


def test_operators_build_the_expected_tree():
    q = parse("Putin OR Kremlin").query
    assert isinstance(q, wq.Or)
    q = parse("Putin -Kremlin").query
    assert isinstance(q, wq.And) and isinstance(q.subqueries[-1], wq.Not)
    assert isinstance(parse("NOT Kremlin").query, wq.Not)
    q = parse("a1 a2 -a3").query
    assert isinstance(q, wq.And) and len(q.subqueries) == 3
    assert isinstance(parse("apple pear", match="any").query, wq.Or)
    assert isinstance(parse("apple pear").query, wq.And)


def test_variants_expand_unless_exact():
    terms = {t for _, t in parse("Kiev").query.iter_all_terms()}
    assert {"kiev", "kyiv"} <= terms
    assert {t for _, t in parse("=Kiev").query.iter_all_terms()} == {"kiev"}
    assert {t for _, t in parse("Kiev", exact=True).query.iter_all_terms()} == {"kiev"}


def test_variants_expand_inside_phrases_as_or_of_phrases():
    q = parse('"Lukashenko said"').query
    phrases = [p for p in q.leaves() if isinstance(p, wq.Phrase)]
    assert {tuple(p.words) for p in phrases} >= {("lukashenko", "said"), ("lukashenka", "said")}


def test_stop_word_gap_in_phrase_is_kept():
    q = parse('headline:"cross the line"').query
    assert not isinstance(q, wq.Phrase)  # a gap-exact span query, not an adjacency phrase


def test_tokens_carry_columns():
    toks = tokenize('headline:"red lines"~2 AND -Kiev')
    assert [(t.kind, t.pos) for t in toks] == [("FIELD", 0), ("PHRASE", 9), ("AND", 23),
                                                 ("MINUS", 27), ("WORD", 28)]
    assert toks[1].slop == 2


def test_dates_absolute_spans():
    assert parse_span("2021", NOW) == (datetime(2021, 1, 1), datetime(2021, 12, 31, 23, 59, 59, 999999))
    assert parse_span("2021-09", NOW)[1] == datetime(2021, 9, 30, 23, 59, 59, 999999)
    assert parse_span("2021-09-03T10:00+02:00", NOW)[0] == datetime(2021, 9, 3, 8, 0)
    assert parse_range("2021-09-01", "2021-09-30", NOW) == (
        datetime(2021, 9, 1), datetime(2021, 9, 30, 23, 59, 59, 999999))
    assert parse_range(None, "2021-09", NOW)[0] is None


def test_dates_relative_to_now():
    # 7d: the last 7 calendar days, today included, as whole days (README)
    assert parse_bound("7d", NOW, upper=False) == datetime(2021, 9, 30)
    assert parse_bound("-7d", NOW, upper=True) == datetime(2021, 9, 30)
    assert parse_span("yesterday", NOW) == (datetime(2021, 10, 5), datetime(2021, 10, 5, 23, 59, 59, 999999))
    assert parse_span("last week", NOW) == (datetime(2021, 9, 30), NOW)
    assert parse_span("today", NOW)[0] == datetime(2021, 10, 6)
    with pytest.raises(QueryError):
        parse_span("next tuesday", NOW)


def test_variants_file_lines_need_two_spellings():
    with pytest.raises(QueryError, match="at least two"):
        parse_variants("kyiv\n", "mine.txt")
    v = Variants.from_groups(parse_variants("# c\nKyiv, Kiev  # city\n"))
    assert v.of("KIEV") == ("kyiv", "kiev")


def test_query_words_carry_their_fields_and_terms_for_did_you_mean():
    words = parse('Kiev "the Lukashenko said" headline:Minsk author:smith').words
    by_text = {w.text: w for w in words}
    assert set(by_text["Kiev"].terms) == {"kiev", "kyiv"}           # every spelling
    assert by_text["the"].terms == ()                               # a stop word: no term
    assert {"lukashenko", "lukashenka"} <= set(by_text["Lukashenko"].terms)  # inside a phrase
    assert by_text["Minsk"].fields == ("headline",)
    assert by_text["smith"].fields == ("author",)
    text = 'Kiev "the Lukashenko said" headline:Minsk author:smith'
    assert all(text[w.start:w.end] == w.text for w in words)        # columns as typed
