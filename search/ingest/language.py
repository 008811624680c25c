"""A cheap, dependency-free language guess for when a file does not say.

Script decides non-Latin languages (Arabic, Cyrillic, CJK...). For Latin text
only English is claimed, and only when English function words are common:
calling French "en" would be worse than leaving the field empty.
"""
from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ENGLISH = frozenset(
    "the of and to in a is that for it as was with on be by at he said from this has are "
    "have an were which not but had its his they their will would been who".split()
)
_SCRIPTS = (("ARABIC", "ar"), ("CYRILLIC", "ru"), ("HEBREW", "he"), ("GREEK", "el"),
            ("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("CJK", "zh"), ("HANGUL", "ko"),
            ("DEVANAGARI", "hi"), ("THAI", "th"))


def guess_language(text: str, sample: int = 4000) -> tuple[str | None, str]:
    """Return (code or None, how it was decided)."""
    chunk = text[:sample]
    letters = [c for c in chunk if c.isalpha()]
    if len(letters) < 20:
        return None, "too little text"
    counts: dict[str, int] = {}
    latin = 0
    for c in letters:
        if c < "\u0250":
            latin += 1
            continue
        name = unicodedata.name(c, "")
        for script, code in _SCRIPTS:
            if name.startswith(script):
                counts[code] = counts.get(code, 0) + 1
                break
    if counts:
        code, n = max(counts.items(), key=lambda kv: kv[1])
        if n > latin:
            return code, f"script ({n / len(letters):.0%} of letters)"
    words = [w.lower() for w in _WORD.findall(chunk)]
    if not words:
        return None, "no words"
    share = sum(w in _ENGLISH for w in words) / len(words)
    if share >= 0.12:
        return "en", f"English function words ({share:.0%})"
    return None, f"Latin script, not recognisably English ({share:.0%} function words)"
