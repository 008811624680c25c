"""Questions: the default match mode, for a query typed without operators.

A sentence typed into a search box ("what did the kremlin say about nato bases")
found nothing when every word had to match: on the TIME test collection 64 of
83 questions answered "no matches" (bench/bench_relevance.py). In the default
mode ("words") a query of plain words (optionally `headline:`/`body:`/`author:`
prefixed, wildcards, fuzzy words, name variants, "quoted phrases") matches the
articles holding at least one of its words and lists those holding every word
first, then the others, each group by score: the way web search answers a typed
sentence (Elasticsearch's `minimum_should_match` style). A quoted phrase is one
"word" of the question, matched exactly; parentheses without an operator inside
are punctuation ("the Baath (Renaissance) party"). Stop words are not indexed,
so they vanish from the question and count against no article.

Any operator (AND, OR, NOT, -, a keyword field, a date) keeps the strict meaning
with exact totals: the query is then the same as with match="all".
"""
from __future__ import annotations

from typing import Any

from whoosh import query as wq

from ..indexing.fields import CONTENT_FIELDS
from .lexer import Token

MATCH_MODES = ("words", "all", "any")
DEFAULT_MATCH = "words"
WORD_FIELDS = (*CONTENT_FIELDS, "author")  # a FIELD: prefix that keeps a query plain


def is_question(tokens: list[Token]) -> bool:
    """True when the query is plain words: words and phrases, each maybe after a text
    field, and parentheses; no operator."""
    if not tokens:
        return False
    after_field = False
    for tok in tokens:
        if tok.kind == "FIELD":
            if after_field or tok.text.lower() not in WORD_FIELDS:
                return False
            after_field = True
        elif tok.kind in ("WORD", "PHRASE"):
            after_field = False
        elif tok.kind in ("LPAREN", "RPAREN") and not after_field:
            continue
        else:
            return False
    return not after_field


def word_units(q: Any) -> list[Any]:
    """The question's words as parsed strictly (match="all"): the parts of its AND, and
    of the ANDs of parenthesised groups inside it (one per word or phrase that is not
    only stop words), or the query itself for one word."""
    if type(q) is wq.And and q.boost == 1.0:
        return [unit for part in q.subqueries for unit in word_units(part)]
    if q is wq.NullQuery or type(q) is type(wq.NullQuery):
        return []
    return [q]
