"""Seeded generator of hostile search queries (issue 18's fuzz test and bench/bench_query_fuzz.py).

Each query comes from one of a dozen strategies, mixing real Reuters words with
every operator and field, deep nesting, long NOT and OR chains, huge numbers,
long words, unbalanced quotes, parentheses and brackets, dates (valid, invalid,
overflowing, odd offsets), wildcards, fuzzy `~`, proximity, and Unicode: Arabic
and Hebrew (right-to-left), combining marks, and random code points (surrogates
left out: a Python str may hold them but no UTF-8 command line can).
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterator

WORDS = ["oil", "wheat", "dollar", "yen", "opec", "prices", "merger", "shares", "bank", "rates",
         "trade", "deficit", "japan", "coffee", "brazil", "gold", "export", "crude", "net",
         "profit", "the", "and", "or", "not", "a", "of", "Bundesbank", "Kiev", "Lukashenko",
         "whaet", "sanctoins", "exprots", "compnay", "U.S.", "DATA.O", "mln", "dlrs", "1987"]
OPERATORS = ["AND", "OR", "NOT", "-", "+", "=", "~", "*", "?", "(", ")", '"', "[", "]", ":",
             "TO", "\u201c", "\u201d", "\u201e"]
FIELDS = ["headline", "body", "author", "source", "section", "tags", "language", "published",
          "foo", "HEADLINE", "url", "id", "_", "published_at"]
DATES = ["2021-09-01", "1987-03", "1987", "9999-12-31", "0000-01-01", "0001-01-01", "2021-13-01",
         "2021-02-30", "2021-09-01T10:00+99:00", "2021-09-01T10:00-18:00", "2021-09-01T25:61",
         "0001-01-01T00:00+01:00", "9999-12-31T23:59+00:00", "yesterday", "today", "now",
         "7d", "-7d", "999999999999d", "99999999999999999999999999y", "last week",
         "last 99999999 years", "past 3 days", "this month", "next tuesday", "\u0662\u0660\u0662\u0661",
         "1e308", "NaN", "-0d", "2021-09-01T10:00Z"]
RTL = ["\u0625\u064a\u0631\u0627\u0646", "\u0627\u0644\u0631\u064a\u0627\u0636",
       "\u05e9\u05dc\u05d5\u05dd", "\u200f\u0623\u0645\u0631\u064a\u0643\u0627\u200e",
       "\u202e\u0646\u0641\u0637\u202c"]
COMBINING = ["\u0301", "\u0308", "\u0336", "\u20dd", "\u0651", "\u064b", "\u200d", "\ufe0f"]
HUGE_NUMBERS = ["9" * n for n in (10, 19, 20, 100, 400, 4400)] + ["1e309", "-0", "0x7fffffff"]


def random_code_point(rng: random.Random) -> str:
    while True:
        cp = rng.choice([rng.randrange(0x20, 0x7F), rng.randrange(0xA0, 0x3000),
                         rng.randrange(0x3000, 0xFFFF), rng.randrange(0x10000, 0x110000),
                         rng.randrange(0, 0x20)])
        if not 0xD800 <= cp <= 0xDFFF:
            return chr(cp)


def _word(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.55:
        return rng.choice(WORDS)
    if roll < 0.7:
        return rng.choice(RTL)
    if roll < 0.8:
        return rng.choice(WORDS) + "".join(rng.choice(COMBINING) for _ in range(rng.randint(1, 6)))
    if roll < 0.9:
        return "".join(random_code_point(rng) for _ in range(rng.randint(1, 8)))
    return rng.choice(HUGE_NUMBERS)


def _atom(rng: random.Random) -> str:
    roll = rng.random()
    w = _word(rng)
    if roll < 0.35:
        return w
    if roll < 0.45:
        return f"{w}*" if rng.random() < 0.7 else f"{w[:2]}?{w[2:]}*"
    if roll < 0.55:
        return f"{w}~{rng.choice(['', '0', '1', '2', '3', rng.choice(HUGE_NUMBERS)])}"
    if roll < 0.7:
        n = rng.randint(0, 6)
        phrase = " ".join(_word(rng) for _ in range(n))
        tail = rng.choice(["", "", f"~{rng.randint(0, 5)}", f"~{rng.choice(HUGE_NUMBERS)}", "~"])
        return f'"{phrase}"{tail}'
    if roll < 0.85:
        field = rng.choice(FIELDS)
        if field.lower().startswith("published"):
            return f"{field}:{_date_value(rng)}"
        return f"{field}:{rng.choice([w, _phrase(rng), '(' + w + ' OR ' + _word(rng) + ')', ''])}"
    if roll < 0.92:
        return "=" + w
    return rng.choice(OPERATORS)


def _phrase(rng: random.Random) -> str:
    return '"' + " ".join(_word(rng) for _ in range(rng.randint(1, 4))) + '"'


def _date_value(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        d = rng.choice(DATES)
        return d if " " not in d else f'"{d}"'
    if roll < 0.8:
        low = rng.choice(DATES + [""])
        high = rng.choice(DATES + [""])
        return f"[{low} {rng.choice(['TO', 'to', '', 'TO TO'])} {high}]"
    return rng.choice(["[", "[2021 TO", "]", '"last', "", "[TO]"])


# -- strategies: each returns one query


def s_sequence(rng):
    return " ".join(_atom(rng) for _ in range(rng.randint(1, 8)))


def s_boolean(rng):
    parts = [_atom(rng)]
    for _ in range(rng.randint(1, 8)):
        parts += [rng.choice(["AND", "OR", "AND NOT", "OR NOT", "", "-", "NOT"]), _atom(rng)]
    return " ".join(parts)


def s_nesting(rng):
    depth = rng.choice([rng.randint(1, 40), rng.randint(100, 200), rng.randint(500, 3000)])
    core = s_boolean(rng)
    closing = depth if rng.random() < 0.7 else rng.randint(0, depth + 3)
    return "(" * depth + core + ")" * closing


def s_negations(rng):
    n = rng.choice([rng.randint(1, 50), rng.randint(900, 1100), rng.randint(1100, 5000)])
    op = rng.choice(["NOT ", "-", "NOT -", "- "])
    return op * n + _atom(rng)


def s_long_or(rng):
    n = rng.choice([rng.randint(10, 80), rng.randint(200, 1000), 100_000])
    return rng.choice([" OR ", " ", " AND "]).join(rng.choice(WORDS) for _ in range(n))


def s_long_word(rng):
    base = rng.choice(["a", "oil", "\u0646", "e\u0301", random_code_point(rng)])
    n = rng.choice([rng.randint(20, 120), rng.randint(900, 1100), 10_000, 1_000_000])
    word = (base * (n // len(base) + 1))[:n]
    return rng.choice([word, word + "~", word + "*", f'"{word}"', f"headline:{word}", f"oil {word}"])


def s_long_phrase(rng):
    n = rng.choice([rng.randint(20, 40), rng.randint(60, 200), 50_000])
    return '"' + " ".join(rng.choice(WORDS) for _ in range(n)) + '"' + rng.choice(["", "~3"])


def s_unbalanced(rng):
    q = s_boolean(rng)
    for _ in range(rng.randint(1, 4)):
        i = rng.randint(0, len(q))
        q = q[:i] + rng.choice(['"', "(", ")", "[", "]", "\u201c", "\u201e", "~", ":", "*"]) + q[i:]
    return q


def s_dates(rng):
    return " ".join(f"published:{_date_value(rng)}" if rng.random() < 0.7 else _atom(rng)
                    for _ in range(rng.randint(1, 4)))


def s_unicode(rng):
    return " ".join(rng.choice([rng.choice(RTL), _word(rng),
                                "".join(random_code_point(rng) for _ in range(rng.randint(1, 30)))])
                    for _ in range(rng.randint(1, 6)))


def s_numbers(rng):
    n = rng.choice(HUGE_NUMBERS)
    return rng.choice([f"oil~{n}", f'"oil prices"~{n}', f"published:{n}d", f"published:-{n}h",
                       f'published:"last {n} weeks"', n, f"{n}*", f"source:{n}",
                       f"published:[{n} TO {n}]"])


def s_characters(rng):
    return "".join(rng.choice(OPERATORS + [" ", "a", "oil", "\u0646", random_code_point(rng)])
                   for _ in range(rng.randint(1, 60)))


STRATEGIES: list[Callable[[random.Random], str]] = [
    s_sequence, s_boolean, s_nesting, s_negations, s_long_or, s_long_word, s_long_phrase,
    s_unbalanced, s_dates, s_unicode, s_numbers, s_characters]


def hostile_queries(seed: int, count: int) -> Iterator[tuple[str, str]]:
    """(strategy name, query) pairs, the same for the same seed; every strategy in turn,
    so each is exercised count / 12 times."""
    rng = random.Random(seed)
    for i in range(count):
        strategy = STRATEGIES[i % len(STRATEGIES)]
        yield strategy.__name__[2:], strategy(rng)


def hostile_options(rng: random.Random) -> dict:
    """Search options to go with a query: mostly defaults, sometimes odd but valid ones."""
    opts: dict = {}
    roll = rng.random()
    if roll < 0.2:
        opts["match"] = "any"
    if rng.random() < 0.15:
        opts["sort"] = rng.choice(["newest", "oldest"])
    if rng.random() < 0.1:
        opts["facets"] = rng.sample(["source", "tags", "published:month", "published:year"], 2)
    if rng.random() < 0.05:
        opts["since"] = rng.choice(DATES)
    if rng.random() < 0.05:
        opts["page"] = rng.choice([2, 50, 10 ** 6])
    if rng.random() < 0.05:
        opts["exact"] = True
    return opts
