"""Tokens -> a whoosh.query tree, with errors that say what, where and what to write.

Our own recursive-descent parser rather than Whoosh's QueryParser: its date
plugin is wrong (../shared/whoosh-notes.md), its errors are silent (it turns
bad syntax into literal words), and phrases need care it does not take:

- text goes through the index's own analyzer, so a query word is stemmed and
  folded exactly like the indexed words;
- stop words removed inside a phrase keep their gap (the analyzer does not
  renumber), and the phrase requires exactly that gap: "cross the red line"
  matches "cross a red line" but not "cross red line";
- name variants expand a word, inside phrases too (an OR of phrases).

Grammar (operators upper-case; juxtaposition is AND, or OR with match="any"):

    query    := sequence (OR sequence)*
    sequence := chain (chain)*
    chain    := unary (AND unary)*
    unary    := NOT unary | -unary | atom     (negation: And(x, Not(y)), see _combine)
    atom     := ( query ) | FIELD: value | "phrase"[~N] | word | =word | word* | word~[N]
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from whoosh import query as wq

from ..engine.analysis import name_analyzer, news_analyzer
from ..engine.expand import FieldPrefix, FieldWildcard
from ..engine.fuzzy import FieldFuzzyTerm
from ..errors import QueryError
from ..indexing.fields import CONTENT_FIELDS
from ..indexing.schema import build_schema
from .dates import parse_range, parse_span
from .lexer import PHRASE_WORD, Token, tokenize
from .limits import DEFAULT_LIMITS, QueryLimits, excerpt
from .periods import date_range
from .variants import Variants, fold

DEFAULT_FIELDS = CONTENT_FIELDS  # what a word without `field:` searches
# Other names for a field, as users of other search tools write them (Elasticsearch's
# and Media Cloud's `title:`): resolved before anything else looks at the name.
FIELD_ALIASES = {"title": "headline"}


def _field_kinds() -> dict[str, str]:
    """The one field table: every field a query may name -> text, keyword or date,
    read from the index schema (its analysed, keyword and date fields), so a field
    added there is searchable here without being listed twice."""
    from whoosh.fields import DATETIME, KEYWORD, TEXT

    kinds: dict[str, str] = {}
    for name, spec in build_schema().items():
        if isinstance(spec, DATETIME):
            kinds[name] = "date"
        elif isinstance(spec, KEYWORD):
            kinds[name] = "keyword"
        elif isinstance(spec, TEXT):
            kinds[name] = "text"
    return kinds


FIELD_KINDS = _field_kinds()
TEXT_FIELDS = tuple(n for n, k in FIELD_KINDS.items() if k == "text")
KEYWORD_FIELDS = tuple(n for n, k in FIELD_KINDS.items() if k == "keyword")
DATE_FIELD = next(n for n, k in FIELD_KINDS.items() if k == "date")
KNOWN_FIELDS = tuple(FIELD_KINDS)
FIELDS_HINT = "fields are " + ", ".join(f + ":" for f in KNOWN_FIELDS + tuple(FIELD_ALIASES))


@dataclass(frozen=True)
class Expansion:
    """A wildcard in the query, checked against the index's vocabulary before searching."""

    fields: tuple[str, ...]
    pattern: str   # folded, lower-case, with * and ?
    raw: str
    position: int


@dataclass(frozen=True)
class QueryWord:
    """A plain word as typed, with its columns, for "did you mean": the fields it was
    searched in and the index terms of all its spellings there (none for a stop word)."""

    text: str
    start: int
    end: int
    fields: tuple[str, ...] = DEFAULT_FIELDS
    terms: tuple[str, ...] = ()


@dataclass
class ParsedQuery:
    text: str
    query: Any  # whoosh.query.Query
    expansions: list[Expansion] = field(default_factory=list)
    words: list[QueryWord] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Neg:
    """A negated operand, kept apart until its sequence is combined."""

    query: Any


def _analyzer(fieldname: str):
    return name_analyzer() if fieldname == "author" else news_analyzer()


def analyze(fieldname: str, text: str) -> list[tuple[int, str]]:
    """(position, term) pairs as the index would store `text` in `fieldname`."""
    return [(t.pos, t.text) for t in _analyzer(fieldname)(text, positions=True, mode="query")]


def positional(fieldname: str, terms: list[tuple[int, str]], slop: int | None = None):
    """Term, Phrase or gap-exact span query for analyzed (position, term) pairs."""
    if not terms:
        return None
    if len(terms) == 1:
        return wq.Term(fieldname, terms[0][1])
    words = [t for _, t in terms]
    gaps = [b[0] - a[0] for a, b in zip(terms, terms[1:])]
    if slop is not None:
        return wq.Phrase(fieldname, words, slop=1 + slop + sum(g - 1 for g in gaps))
    if all(g == 1 for g in gaps):
        return wq.Phrase(fieldname, words)
    q: Any = wq.Term(fieldname, words[0])
    for gap, word in zip(gaps, words[1:]):
        q = _gap_span(q, wq.Term(fieldname, word), gap)
    return q


def _gap_span(a: Any, b: Any, gap: int):
    """`b` exactly `gap` positions after `a` (a phrase with a stop word in between)."""
    from whoosh.query.spans import SpanNear

    class GapSpan(SpanNear):
        # Whoosh's SpanNear cannot estimate its size, which OR/AND need for ordering.
        def estimate_size(self, ixreader):
            return min(self.a.estimate_size(ixreader), self.b.estimate_size(ixreader))

        def estimate_min_size(self, ixreader):
            return 0

    return GapSpan(a, b, slop=gap, ordered=True, mindist=gap)


def _or(queries: list[Any]):
    queries = [q for q in queries if q is not None]
    if not queries:
        return None
    unique = list(dict.fromkeys(queries))
    return unique[0] if len(unique) == 1 else wq.Or(unique)


class Parser:
    """One parse of one query string. Build a new one per query (it keeps state)."""

    def __init__(self, text: str, *, variants: Variants, now: datetime, match: str = "all",
                 exact: bool = False, limits: QueryLimits = DEFAULT_LIMITS):
        self.text = text
        self.variants = variants
        self.now = now
        self.match = match
        self.exact = exact
        self.limits = limits
        self.tokens = tokenize(text, limits)
        self.i = 0
        self.result = ParsedQuery(text, None)

    # -- token helpers
    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _missing_operand(self, op: Token) -> QueryError:
        return QueryError(f"{op.kind} needs a term after it", position=op.pos,
                          hint=f"write a {op.kind} b")

    # -- grammar
    def parse(self) -> ParsedQuery:
        self._hint_lowercase_operators()
        if not self.tokens:
            raise QueryError("empty query", hint="give at least one word, e.g. news-search query Kyiv")
        q = self.parse_or(field_scope=None)
        tok = self.peek()
        if tok is not None:
            if tok.kind == "RPAREN":
                raise QueryError("unbalanced parenthesis: ')' without '('", position=tok.pos,
                                 hint="remove it or add the matching '('")
            raise QueryError(f"unexpected '{excerpt(tok.text)}'", position=tok.pos)
        self.result.query = self._positive(q) if q is not None else wq.NullQuery
        return self.result

    def _joined(self, operator: str, parse_operand, field_scope):
        """One operand, then another after each `operator` token (OR or AND) that follows."""
        parts = [parse_operand(field_scope)]
        while (tok := self.peek()) is not None and tok.kind == operator:
            self.take()
            if self._at_end_of_operand():
                raise self._missing_operand(tok)
            parts.append(parse_operand(field_scope))
        return parts

    def parse_or(self, field_scope):
        parts = self._joined("OR", self.parse_sequence, field_scope)
        if len(parts) == 1:
            return parts[0]
        return _or([self._positive(p) for p in parts])

    def _at_end_of_operand(self) -> bool:
        tok = self.peek()
        return tok is None or tok.kind in ("RPAREN", "OR", "AND")

    def parse_sequence(self, field_scope):
        items = [self.parse_chain(field_scope)]
        while not self._at_end_of_operand():
            items.append(self.parse_chain(field_scope))
        if len(items) == 1:
            return items[0]
        return self._combine(items, "or" if self.match == "any" else "and")

    def parse_chain(self, field_scope):
        items = self._joined("AND", self.parse_unary, field_scope)
        return items[0] if len(items) == 1 else self._combine(items, "and")

    def parse_unary(self, field_scope):
        """Negations are counted in a loop, not recursed into: 1,000 NOTs in a row once
        raised RecursionError. An even number of them cancels out."""
        if self.peek() is None:
            raise QueryError("the query ends where a term was expected", position=len(self.text))
        negations = 0
        while (tok := self.peek()) is not None and tok.kind in ("NOT", "MINUS"):
            self.take()
            if self.peek() is None or self.peek().kind in ("RPAREN", "OR", "AND"):
                raise QueryError(f"'{tok.text}' must be followed by a term", position=tok.pos,
                                 hint=f"write {tok.text}{' ' if tok.kind == 'NOT' else ''}word")
            negations += 1
        inner = self.parse_atom(field_scope)
        if inner is None or negations % 2 == 0:
            return inner
        return inner.query if isinstance(inner, _Neg) else _Neg(inner)

    def parse_atom(self, field_scope):
        tok = self.take()
        if tok.kind == "LPAREN":
            if self.peek() is not None and self.peek().kind == "RPAREN":
                raise QueryError("empty parentheses", position=tok.pos, hint="put a term inside ( )")
            q = self.parse_or(field_scope)
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                raise QueryError("unbalanced parenthesis: this '(' is never closed",
                                 position=tok.pos, hint="add the matching ')'")
            self.take()
            return q
        if tok.kind == "FIELD":
            return self.parse_field(tok, field_scope)
        if tok.kind == "RANGE":
            raise QueryError("a range needs a field", position=tok.pos,
                             hint=f"write published:[{excerpt(tok.text)}]")
        if tok.kind in ("AND", "OR"):
            raise QueryError(f"{tok.kind} needs a term before it", position=tok.pos,
                             hint=f"write a {tok.kind} b")
        if tok.kind == "RPAREN":
            raise QueryError("unbalanced parenthesis: ')' without '('", position=tok.pos,
                             hint="remove it or add the matching '('")
        fields = field_scope or DEFAULT_FIELDS
        if tok.kind == "PHRASE":
            return self.text_phrase(fields, tok)
        return self.text_word(fields, tok)

    def parse_field(self, tok: Token, outer_scope):
        name = tok.text.lower()
        name = FIELD_ALIASES.get(name, name)
        if name not in KNOWN_FIELDS:
            raise QueryError(f"unknown field '{excerpt(tok.text)}:'", position=tok.pos,
                             hint=FIELDS_HINT + f"; to search for the text, quote it: "
                                                f"\"{excerpt(tok.text)}:\"")
        value = self.peek()
        if value is None:
            raise QueryError(f"nothing after '{tok.text}:'", position=tok.pos)
        if name == DATE_FIELD:
            self.take()
            return self.date_value(value)
        if value.kind == "LPAREN":
            return self.parse_atom((name,))
        if value.kind == "RANGE":
            raise QueryError(f"ranges work only on published:, not on {name}:", position=value.pos,
                             hint="write published:[2021-09-01 TO 2021-09-30]")
        if value.kind not in ("WORD", "PHRASE"):
            raise QueryError(f"'{tok.text}:' must be followed by a word, a \"phrase\" or ( )",
                             position=value.pos)
        self.take()
        if name in KEYWORD_FIELDS:
            return self.keyword_value(name, value)
        if value.kind == "PHRASE":
            return self.text_phrase((name,), value)
        return self.text_word((name,), value)

    # -- values
    def date_value(self, tok: Token):
        if tok.kind == "RANGE":
            start, end = parse_range(tok.low, tok.high, self.now, tok.pos)
        elif tok.kind in ("WORD", "PHRASE"):
            start, end = parse_span(tok.text, self.now, tok.pos)
        else:
            raise QueryError("published: must be followed by a date or a range", position=tok.pos,
                             hint="write published:2021-09, published:[2021-09-01 TO 2021-09-30] "
                                  "or published:\"last week\"")
        return date_range(DATE_FIELD, start, end)  # a partial date only if wholly inside

    def keyword_value(self, name: str, tok: Token):
        value = " ".join(tok.text.replace(",", " ").split()).lower()
        if not value:
            raise QueryError(f"empty value for {name}:", position=tok.pos)
        if tok.kind == "WORD" and ("*" in value or "?" in value):
            return self.wildcard((name,), value, tok)
        return wq.Term(name, value)

    def text_word(self, fields: tuple[str, ...], tok: Token):
        word = tok.text
        if "*" in word or "?" in word:
            return self.wildcard(fields, fold(word), tok)
        if tok.fuzzy is not None:
            return self.fuzzy(fields, tok)
        spellings = self._spellings(word, tok.exact)
        analyzed = [(f, analyze(f, s)) for f in fields for s in spellings]
        terms = tuple(dict.fromkeys(t for _, ts in analyzed for _, t in ts))
        start = tok.pos + tok.exact
        self.result.words.append(QueryWord(word, start, start + len(word), fields, terms))
        return _or([positional(f, ts) for f, ts in analyzed])

    def text_phrase(self, fields: tuple[str, ...], tok: Token):
        raw_words = PHRASE_WORD.findall(tok.text)
        if not raw_words:
            raise QueryError("empty phrase", position=tok.pos, hint='put words inside the quotes')
        choices = [self._spellings(w, tok.exact) for w in raw_words]
        for m, spellings in zip(PHRASE_WORD.finditer(tok.text), choices):
            terms = tuple(dict.fromkeys(t for f in fields for s in spellings for _, t in analyze(f, s)))
            start = tok.pos + 1 + m.start()
            self.result.words.append(QueryWord(m.group(), start, start + len(m.group()), fields, terms))
        texts = [" ".join(combo) for combo in itertools.islice(itertools.product(*choices),
                                                               self.limits.max_phrase_variants)]
        # Keep the original spacing/punctuation for the phrase as typed.
        texts[0] = tok.text
        return _or([positional(f, analyze(f, t), tok.slop) for f in fields for t in texts])

    def _spellings(self, word: str, exact: bool) -> tuple[str, ...]:
        if exact or self.exact:
            return (word,)
        return (word,) + tuple(v for v in self.variants.of(word) if v != fold(word))

    def wildcard(self, fields: tuple[str, ...], pattern: str, tok: Token):
        if pattern[0] in "*?":
            raise QueryError(f"a word cannot start with a wildcard: '{excerpt(tok.text)}'", position=tok.pos,
                             hint="put at least two letters first, e.g. sanction*")
        self.result.expansions.append(Expansion(fields, pattern, tok.text, tok.pos))
        if pattern.endswith("*") and "*" not in pattern[:-1] and "?" not in pattern:
            return _or([FieldPrefix(f, pattern[:-1]) for f in fields])
        return _or([FieldWildcard(f, pattern) for f in fields])

    def fuzzy(self, fields: tuple[str, ...], tok: Token):
        dist = tok.fuzzy
        most = self.limits.max_fuzzy_distance
        if dist > most:
            shown = f"{dist}" if dist < 10 ** 9 else "of 10 digits or more"
            raise QueryError(f"fuzzy distance {shown} is too large", position=tok.pos,
                             hint=f"use ~1 to ~{most} (e.g. Zelensky~)")
        queries = []
        for f in fields:
            terms = analyze(f, tok.text)
            if len(terms) != 1:
                raise QueryError(f"fuzzy matching needs a single word, not '{excerpt(tok.text)}'",
                                 position=tok.pos)
            queries.append(FieldFuzzyTerm(f, terms[0][1], maxdist=dist, prefixlength=1))
        return _or(queries)

    # -- combining
    def _positive(self, q):
        """A negation that stands alone means "everything except"."""
        if isinstance(q, _Neg):
            return wq.Not(q.query)
        return q

    def _combine(self, items: list, how: str):
        items = [it for it in items if it is not None]  # stop words alone vanish
        negs = [it.query for it in items if isinstance(it, _Neg)]
        pos = [it for it in items if not isinstance(it, _Neg)]
        if not pos and not negs:
            return None
        if not pos:
            return _Neg(_or(negs))
        base = pos[0] if len(pos) == 1 else (wq.And(pos) if how == "and" else wq.Or(pos))
        if not negs:
            return base
        # And(..., Not(x)), never AndNot: Whoosh 2.7.4's AndNotMatcher lets through one
        # excluded document in some cases (measured on BBC: "new -market" gave 722 for 721),
        # while the Not/InverseMatcher form was exact on all 182 word pairs tried.
        parts = list(base.subqueries) if isinstance(base, wq.And) else [base]
        return wq.And(parts + [wq.Not(_or(negs))])

    def _hint_lowercase_operators(self) -> None:
        toks = self.tokens
        for a, op, b in zip(toks, toks[1:], toks[2:]):
            if op.kind == "WORD" and op.text in ("and", "or", "not") and not op.exact \
                    and a.kind in ("WORD", "PHRASE", "RPAREN") and b.kind in ("WORD", "PHRASE", "LPAREN"):
                upper = op.text.upper()
                self.result.hints.append(
                    f"'{op.text}' at column {op.pos + 1} was read as a common word and ignored; "
                    f"write {upper} in capitals to use it as an operator")


NOT_WEIGHT = 1.0  # the score Whoosh's InverseMatcher adds for a Not inside an And


def split_negations(q: Any) -> tuple[Any, list[Any]]:
    """(positive part, negated queries) of a top-level `And(..., Not(x))`.

    `_combine` builds negations as And(parts + [Not(...)]): matching the parts and
    leaving out the negated documents is the same set, and lets the caller exclude
    them with a precomputed mask instead of Whoosh stepping through every document
    to evaluate the Not. A query whose only parts are negations is returned whole.
    """
    if type(q) is not wq.And or q.boost != 1.0:
        return q, []
    negatives = [c.query for c in q.subqueries if type(c) is wq.Not]
    positives = [c for c in q.subqueries if type(c) is not wq.Not]
    if not negatives or not positives:
        return q, []
    positive = positives[0] if len(positives) == 1 else wq.And(positives)
    return positive, negatives


def parse_query(text: str, *, variants: Variants | None = None, now: datetime | None = None,
                match: str = "all", exact: bool = False,
                limits: QueryLimits = DEFAULT_LIMITS) -> ParsedQuery:
    """Parse a user query into a ParsedQuery (whoosh query + what the API must check)."""
    from .dates import utc_now

    parser = Parser(text, variants=variants or Variants(), now=now or utc_now(), match=match,
                    exact=exact, limits=limits)
    return parser.parse()
