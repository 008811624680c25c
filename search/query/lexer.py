"""Query text -> tokens with their columns, so every error can say *where*.

Pure functions, no Whoosh: the parser turns tokens into whoosh.query objects.
Operators are upper-case only (`AND`, `OR`, `NOT`), as in most search engines,
so the words "and"/"or" inside a pasted sentence stay words.

The query limits (limits.py) are checked here, in the one pass over the text,
so that an oversized query is refused before any parsing or index work.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QueryError
from .limits import DEFAULT_LIMITS, QueryLimits, excerpt

OPERATORS = ("AND", "OR", "NOT")
_OPEN_QUOTES = {'"': '"', "\u201c": "\u201d\"", "\u201d": "\u201d\"", "\u201e": "\u201c\u201d\""}
_STOP = set(" \t\r\n()[]") | set(_OPEN_QUOTES)
_FIELD = re.compile(r"[A-Za-z_]+")
PHRASE_WORD = re.compile(r"\w+(?:\.?\w+)*")  # Whoosh's default tokenizer pattern
_HUGE = 10 ** 9  # stands for any number of more digits than _MAX_DIGITS
_MAX_DIGITS = 9


@dataclass(frozen=True)
class Token:
    """kind: WORD, PHRASE, FIELD, RANGE, LPAREN, RPAREN, AND, OR, NOT, MINUS.

    For WORD, `exact` means a leading `=`; `fuzzy` is the edit distance after `~`
    (None when absent). For PHRASE, `slop` is the number after `~`. For RANGE,
    `low`/`high` are the two sides of `[low TO high]` (None when left open).
    """

    kind: str
    text: str
    pos: int
    end: int
    exact: bool = False
    fuzzy: int | None = None
    slop: int | None = None
    low: str | None = None
    high: str | None = None


def _tilde_number(s: str, i: int) -> tuple[int | None, int]:
    """A `~N` suffix at s[i]: (N or None when there is no tilde, next index).

    N is -1 when no number follows, and _HUGE when it has more than _MAX_DIGITS
    digits (never converted: int() of 5,000 digits raises ValueError)."""
    if i < len(s) and s[i] == "~":
        j = i + 1
        while j < len(s) and "0" <= s[j] <= "9":
            j += 1
        if j == i + 1:
            return -1, j
        return (int(s[i + 1:j]) if j - i - 1 <= _MAX_DIGITS else _HUGE), j
    return None, i


def _too_long_word(word: str, pos: int, limits: QueryLimits) -> QueryError:
    return QueryError(f"a word of {len(word):,} characters is longer than the "
                      f"{limits.max_word_chars} allowed", position=pos,
                      hint="search for real words (did you paste something else?)")


def _lex_phrase(s: str, i: int, limits: QueryLimits) -> tuple[Token, int]:
    closers = _OPEN_QUOTES[s[i]]
    j = i + 1
    while j < len(s) and s[j] not in closers:
        j += 1
    if j >= len(s):
        raise QueryError("unbalanced quote: this phrase is never closed", position=i,
                         hint='close it with another " (or remove the quote)')
    text = s[i + 1:j]
    words = PHRASE_WORD.findall(text)
    if len(words) > limits.max_phrase_words:
        raise QueryError(f"a phrase of {len(words):,} words is longer than the "
                         f"{limits.max_phrase_words} allowed", position=i,
                         hint="quote a shorter, distinctive part of it")
    for word in words:
        if len(word) > limits.max_word_chars:
            raise _too_long_word(word, i + 1 + text.find(word), limits)
    slop, k = _tilde_number(s, j + 1)
    if slop == -1:
        raise QueryError("proximity needs a number after ~", position=j + 1,
                         hint='write e.g. "red lines"~3 for words up to 3 apart')
    if slop is not None and slop > limits.max_slop:
        raise QueryError(f"proximity ~{excerpt(s[j + 2:k], 12)} is more than the {limits.max_slop:,} "
                         "words allowed", position=j + 1,
                         hint="for words anywhere in the same article, write them without quotes")
    return Token("PHRASE", text, i, k, slop=slop), k


def _lex_range(s: str, i: int) -> tuple[Token, int]:
    j = s.find("]", i)
    if j < 0:
        raise QueryError("unbalanced bracket: this date range is never closed", position=i,
                         hint="write published:[2021-09-01 TO 2021-09-30]")
    inner = s[i + 1:j]
    parts = re.split(r"\s+TO\s+|^TO\s+|\s+TO$|^TO$", inner.strip(), flags=re.IGNORECASE)
    if len(parts) != 2:
        raise QueryError(f"a range needs TO between its ends: '[{excerpt(inner)}]'", position=i,
                         hint="write [2021-09-01 TO 2021-09-30], [2021-09-01 TO] or [TO 2021-09-30]")
    low, high = (p.strip() or None for p in parts)
    return Token("RANGE", inner, i, j + 1, low=low, high=high), j + 1


def tokenize(s: str, limits: QueryLimits = DEFAULT_LIMITS) -> list[Token]:
    """The tokens of `s`; QueryError at the first syntax error or exceeded limit."""
    if len(s) > limits.max_query_chars:
        raise QueryError(f"the query has {len(s):,} characters, more than the "
                         f"{limits.max_query_chars:,} allowed", position=limits.max_query_chars,
                         hint="shorten it to its most distinctive words")
    tokens: list[Token] = []
    i, n = 0, len(s)
    depth = 0
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
        elif c == "(":
            depth += 1
            if depth > limits.max_depth:
                raise QueryError(f"parentheses nested more than {limits.max_depth} deep",
                                 position=i, hint="write the expression with fewer nested ( )")
            tokens.append(Token("LPAREN", c, i, i + 1))
            i += 1
        elif c == ")":
            depth = max(0, depth - 1)
            tokens.append(Token("RPAREN", c, i, i + 1))
            i += 1
        elif c in _OPEN_QUOTES:
            tok, i = _lex_phrase(s, i, limits)
            tokens.append(tok)
        elif c == "[":
            tok, i = _lex_range(s, i)
            tokens.append(tok)
        elif c == "]":
            raise QueryError("unbalanced bracket: ']' without '['", position=i,
                             hint="date ranges are written published:[2021-09-01 TO 2021-09-30]")
        elif c == "-" and i + 1 < n and s[i + 1] not in _STOP and not s[i + 1].isdigit():
            tokens.append(Token("MINUS", c, i, i + 1))
            i += 1
        elif c == "+" and i + 1 < n and s[i + 1] not in _STOP:
            i += 1  # "+term" means "must", which is already the default
        else:
            i = _lex_word(s, i, tokens, limits)
    _check_counts(tokens, limits)
    return tokens


def _check_counts(tokens: list[Token], limits: QueryLimits) -> None:
    """At most max_words words (phrase words, field values and dates included) and
    max_pattern_words wildcard or fuzzy words."""
    words = patterns = 0
    for tok in tokens:
        if tok.kind == "PHRASE":
            words += max(1, len(PHRASE_WORD.findall(tok.text)))
        elif tok.kind in ("WORD", "RANGE"):
            words += 1
        if words > limits.max_words:
            raise QueryError(f"the query has more than {limits.max_words} words",
                             position=tok.pos, hint="keep its most distinctive words")
        if tok.kind == "WORD" and (tok.fuzzy is not None or "*" in tok.text or "?" in tok.text):
            patterns += 1
            if patterns > limits.max_pattern_words:
                raise QueryError(f"more than {limits.max_pattern_words} wildcard or fuzzy words "
                                 "in one query", position=tok.pos,
                                 hint="spell out some of them (each is expanded over the whole "
                                      "vocabulary)")


def _lex_word(s: str, i: int, tokens: list[Token], limits: QueryLimits) -> int:
    start = i
    exact = s[i] == "="
    if exact:
        i += 1
    j = i
    while j < len(s) and s[j] not in _STOP and s[j] != "~":
        if j - i >= limits.max_word_chars:
            end = j
            while end < len(s) and s[end] not in _STOP and s[end] != "~":
                end += 1
            raise _too_long_word(s[i:end], start, limits)
        if s[j] == ":" and not exact and _FIELD.fullmatch(s[i:j]) and j + 1 <= len(s):
            tokens.append(Token("FIELD", s[i:j], start, j + 1))
            if j + 1 >= len(s) or s[j + 1].isspace():
                raise QueryError(f"nothing after '{s[i:j]}:'", position=start,
                                 hint=f"write {s[i:j]}:word or {s[i:j]}:\"a phrase\"")
            return j + 1
        j += 1
    text = s[i:j]
    fuzzy, k = _tilde_number(s, j)
    if fuzzy == -1:
        fuzzy = 1
    if fuzzy is not None and len(text) > limits.max_fuzzy_chars:
        raise QueryError(f"a fuzzy word may have at most {limits.max_fuzzy_chars} characters",
                         position=start, hint="remove the ~ and search for the word as it is")
    if not text:
        if exact:
            raise QueryError("'=' must be followed by a word", position=start,
                             hint="write =Kiev to search for that spelling only")
        raise QueryError("'~' must follow a word or a phrase", position=start,
                         hint='write Zelensky~ (fuzzy) or "red lines"~3 (proximity)')
    if not exact and fuzzy is None and text in OPERATORS:
        tokens.append(Token(text, text, start, j))
    else:
        tokens.append(Token("WORD", text, start, k, exact=exact, fuzzy=fuzzy))
    return k
