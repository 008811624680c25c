"""Query text -> tokens with their columns, so every error can say *where*.

Pure functions, no Whoosh: the parser turns tokens into whoosh.query objects.
Operators are upper-case only (`AND`, `OR`, `NOT`), as in most search engines,
so the words "and"/"or" inside a pasted sentence stay words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QueryError

OPERATORS = ("AND", "OR", "NOT")
_OPEN_QUOTES = {'"': '"', "\u201c": "\u201d\"", "\u201d": "\u201d\"", "\u201e": "\u201c\u201d\""}
_STOP = set(" \t\r\n()[]") | set(_OPEN_QUOTES)
_FIELD = re.compile(r"[A-Za-z_]+")


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
    """A `~N` suffix at s[i]: (N or None when there is no tilde, next index)."""
    if i < len(s) and s[i] == "~":
        j = i + 1
        while j < len(s) and s[j].isdigit():
            j += 1
        return (int(s[i + 1:j]) if j > i + 1 else -1), j
    return None, i


def _lex_phrase(s: str, i: int) -> tuple[Token, int]:
    closers = _OPEN_QUOTES[s[i]]
    j = i + 1
    while j < len(s) and s[j] not in closers:
        j += 1
    if j >= len(s):
        raise QueryError("unbalanced quote: this phrase is never closed", position=i,
                         hint='close it with another " (or remove the quote)')
    text = s[i + 1:j]
    slop, k = _tilde_number(s, j + 1)
    if slop == -1:
        raise QueryError("proximity needs a number after ~", position=j + 1,
                         hint='write e.g. "red lines"~3 for words up to 3 apart')
    return Token("PHRASE", text, i, k, slop=slop), k


def _lex_range(s: str, i: int) -> tuple[Token, int]:
    j = s.find("]", i)
    if j < 0:
        raise QueryError("unbalanced bracket: this date range is never closed", position=i,
                         hint="write published:[2021-09-01 TO 2021-09-30]")
    inner = s[i + 1:j]
    parts = re.split(r"\s+TO\s+|^TO\s+|\s+TO$|^TO$", inner.strip(), flags=re.IGNORECASE)
    if len(parts) != 2:
        raise QueryError(f"a range needs TO between its ends: '[{inner}]'", position=i,
                         hint="write [2021-09-01 TO 2021-09-30], [2021-09-01 TO] or [TO 2021-09-30]")
    low, high = (p.strip() or None for p in parts)
    return Token("RANGE", inner, i, j + 1, low=low, high=high), j + 1


def tokenize(s: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
        elif c == "(":
            tokens.append(Token("LPAREN", c, i, i + 1))
            i += 1
        elif c == ")":
            tokens.append(Token("RPAREN", c, i, i + 1))
            i += 1
        elif c in _OPEN_QUOTES:
            tok, i = _lex_phrase(s, i)
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
            i = _lex_word(s, i, tokens)
    return tokens


def _lex_word(s: str, i: int, tokens: list[Token]) -> int:
    start = i
    exact = s[i] == "="
    if exact:
        i += 1
    j = i
    while j < len(s) and s[j] not in _STOP and s[j] != "~":
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
