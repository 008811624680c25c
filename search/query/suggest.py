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


def _frequency(reader: Any, word: str) -> int:
    """Articles containing `word` as the index sees it (stemmed), in any text field."""
    terms = analyze("body", word)
    if len(terms) != 1:
        return 0
    return max(reader.doc_frequency(f, terms[0][1]) for f in TEXT_FIELDS)


def _known(reader: Any, word: str) -> bool:
    terms = analyze("body", word)
    return len(terms) == 1 and any((f, terms[0][1]) in reader for f in TEXT_FIELDS)


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
        if total >= FEW_HITS and _known(reader, w):
            continue  # (cheaper than counting: stops at the first segment that has it)
        freq = _frequency(reader, w)
        needed = 1 if freq == 0 else freq * MORE_COMMON
        best, best_freq = None, 0
        for f in fields:
            corrector = ReaderCorrector(reader, f, reader.schema[f])
            for candidate in corrector.suggest(w, limit=3, maxdist=2, prefix=1):
                cand_freq = _frequency(reader, candidate)
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
