""""Did you mean": a corrected query when a word is unknown or hits are few.

Corrections come from the unstemmed spelling fields (`spell_headline`,
`spell_body`) so that a suggestion is a real word as written in articles, and
are spliced into the query text at the word's columns, leaving the rest of the
query (operators, phrases, fields) exactly as typed.
"""
from __future__ import annotations

from typing import Any

from .parser import QueryWord, analyze
from .variants import fold

TEXT_FIELDS = ("body", "headline")  # their unstemmed spell_* twins hold the candidates
FEW_HITS = 3          # below this many hits, also try more common spellings
MORE_COMMON = 10      # ...that are at least this many times more frequent


def _index_term(word: str) -> str | None:
    """`word` as the index sees it (stemmed), or None when it is not one term."""
    terms = analyze("body", word)
    return terms[0][1] if len(terms) == 1 else None


def _frequency(reader: Any, term: str | None) -> int:
    """Articles containing the index term in any text field."""
    return 0 if term is None else max(reader.doc_frequency(f, term) for f in TEXT_FIELDS)


def _known(reader: Any, term: str | None) -> bool:
    """Whether any text field has the term (stops at the first segment that has it)."""
    return term is not None and any((f, term) in reader for f in TEXT_FIELDS)


def suggest_query(text: str, words: list[QueryWord], reader: Any, total: int) -> str | None:
    """The query with misspelt words replaced, or None when nothing better is known."""
    from whoosh.spelling import ReaderCorrector

    fields = [f for f in TEXT_FIELDS if f in reader.schema]
    if not fields or not words:
        return None
    replacements: list[tuple[QueryWord, str]] = []
    for word in words:
        w = fold(word.text)
        if not w.isalpha() or len(w) < 3:
            continue
        term = _index_term(w)
        if total >= FEW_HITS and _known(reader, term):
            continue  # (cheaper than counting)
        freq = _frequency(reader, term)
        needed = 1 if freq == 0 else freq * MORE_COMMON
        best, best_freq = None, 0
        for f in fields:
            corrector = ReaderCorrector(reader, f, reader.schema[f])
            for candidate in corrector.suggest(w, limit=3, maxdist=2, prefix=1):
                cand_freq = _frequency(reader, _index_term(candidate))
                if candidate != w and cand_freq >= needed and cand_freq > best_freq:
                    best, best_freq = candidate, cand_freq
        if best:
            replacements.append((word, best))
    if not replacements:
        return None
    out, last = [], 0
    for word, best in sorted(replacements, key=lambda r: r[0].start):
        out.append(text[last:word.start])
        out.append(best.capitalize() if word.text[:1].isupper() else best)
        last = word.end
    out.append(text[last:])
    return "".join(out)
