"""How much one query may ask of the engine: every bound in one place, each with its reason.

A search box is an open door: a pasted megabyte, a 10,000-letter word or 130
nested parentheses once cost 6-50 s or a RecursionError (issue 18). Each limit
here is checked early (the lexer sees the text once, before any parsing or
index work) and a query over one is refused with a `QueryError` naming the
limit, the column where it was passed, and what to write instead.

The defaults are sized so that the most expensive query within them answers in
about 2 s on Reuters-21578 (21,321 articles, 2 cores; bench/bench_query_fuzz.py):
- 4,096 characters: what the HTTP service accepts in a request line, and more
  than any typed query (the 83 TIME questions are 20-130 characters);
- 64 words (each word of a phrase counts, and each field value and date): an OR
  of 256 of Reuters' most common words took 2.0 s cold, 64 take ~0.4 s; Google
  itself reads only the first 32 words of a query;
- 100 characters per word: the longest words of real news text (German
  compounds, chemical names) are under 50; longer "words" are pasted data;
- 32 levels of parentheses (Elasticsearch's bool queries allow 20-30): the
  parser and the engine recurse once per level;
- 32 words per phrase (Google's whole-query limit); a phrase of 32 common
  words took 0.4 s; a phrase is tried in at most 8 spellings (its words' name
  variants multiply: a 19-word phrase with stop words and three variant names
  took 0.72 s as 32 spellings, 0.20 s as 8);
- 3 wildcard or fuzzy words per query, fuzzy words of at most 32 characters:
  each is expanded over the term dictionary and its postings stepped by
  Whoosh's matchers in Python (`co~2` took 0.3 s, a 100-letter fuzzy word
  0.7 s, four two-letter `~2` words 1.9 s on a loaded machine); a wildcard may
  stand for at most 1,000 different words (more is slow and rarely meant: `sa*`);
- proximity `"a b"~N` up to 1,000 words apart (past that it means "both words
  in the article": write them without quotes);
- did-you-mean looks at the first 8 unknown words of at most 32 characters
  (Whoosh's pure-Python edit distance took 6 s on one 1,000-letter word).

`NewsIndex(..., limits=QueryLimits(max_words=128))` changes them for one index
handle (e.g. a trusted batch job); the defaults are `DEFAULT_LIMITS`.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import SearchOptionError


@dataclass(frozen=True)
class QueryLimits:
    max_query_chars: int = 4096
    max_words: int = 64
    max_word_chars: int = 100
    max_depth: int = 32
    max_phrase_words: int = 32
    max_phrase_variants: int = 8   # spellings of a phrase tried (name variants multiply)
    max_pattern_words: int = 3     # wildcard and fuzzy words in one query
    max_fuzzy_chars: int = 32
    max_fuzzy_distance: int = 2
    max_expansions: int = 1000     # different words one wildcard may stand for
    max_slop: int = 1000
    suggest_max_words: int = 8
    suggest_max_word_chars: int = 32

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise SearchOptionError(f"QueryLimits.{name} must be a whole number of at least 1, "
                                 f"not {value!r}")


DEFAULT_LIMITS = QueryLimits()


def excerpt(text: str, width: int = 40) -> str:
    """`text` as an error message quotes it: at most `width` characters, so that a pasted
    4 KB value still gives a one-line error that fits a terminal."""
    return text if len(text) <= width else text[:width - 1] + "\u2026"
