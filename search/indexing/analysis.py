"""How text becomes terms. Used for indexing and for parsing queries alike.

Two measured pitfalls of Whoosh's defaults are avoided here:
- its Porter stemmer mis-stems common news words (planned -> plann, so "plans"
  misses "planned"): we stem with Snowball English (PyStemmer);
- its StopFilter renumbers positions, so "reflect merger" matched "reflect the
  merger": we keep the gaps (renumber=False) so phrases stay exact.

Non-English text (SaudiNewsNet's Arabic) passes through the same chain: the
tokenizer is Unicode-aware, the English stemmer leaves non-Latin words alone,
and accent folding strips Arabic diacritics and hamza forms, which is the usual
normalisation for Arabic search.
"""
from __future__ import annotations

from functools import lru_cache

import Stemmer
from whoosh.analysis import (CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter,
                             StopFilter)
from whoosh.analysis.filters import STOP_WORDS
from whoosh.support.charset import accent_map

# Whoosh's list drops "us" (the U.S.) and "may" (the month): both matter in news.
NEWS_STOP_WORDS = frozenset(STOP_WORDS - {"us", "may"})

_stemmer = Stemmer.Stemmer("english")


def snowball_stem(word: str) -> str:
    """Module-level so the schema (pickled into the index's TOC) can refer to it."""
    return _stemmer.stemWord(word)


@lru_cache(maxsize=1)
def news_analyzer():
    return (RegexTokenizer()
            | LowercaseFilter()
            | CharsetFilter(accent_map)
            | StopFilter(stoplist=NEWS_STOP_WORDS, renumber=False)
            | StemFilter(stemfn=snowball_stem, cachesize=100_000))


@lru_cache(maxsize=1)
def name_analyzer():
    """For author names: folded and lower-cased, never stemmed."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
