"""Is this line prose? One script-aware answer for every reader.

Word lists, label files and navigation pages have no line of prose; articles
have many. Two things differ between scripts and are handled here:
- Sentence ends: Unicode's Sentence_Terminal property (`. ! ?`, the danda `।`
  and `॥`, Armenian `։`, Myanmar `။`, Ethiopic `።`, Arabic `؟` and `۔`, CJK `。？！`,
  Khmer `។`...) instead of a hand-made list. Thai and Lao have no sentence mark
  (a space separates sentences), so a long line in them counts without one.
- Length: Han, Kana, Thai, Khmer, Lao and Myanmar write words without spaces, so
  "5 words" and "80 characters" mean counting characters there. A Chinese or
  Japanese word averages under 2 characters (HAN_CHARS_PER_WORD); a Thai, Khmer,
  Lao or Myanmar one about 4 code points, its vowel and tone marks being
  characters of their own (SOUTHEAST_ASIAN_CHARS_PER_WORD). For the width of a
  line, one such word counts as an average English word with its space
  (LATIN_CHARS_PER_WORD, 6), so 80 Latin characters are ~27 Han characters.
"""
from __future__ import annotations

import regex

MIN_PROSE_WORDS = 5
PROSE_MIN_CHARS = 80
HAN_CHARS_PER_WORD = 2
SOUTHEAST_ASIAN_CHARS_PER_WORD = 4
LATIN_CHARS_PER_WORD = 6

SENTENCE_END = regex.compile(r"\p{Sentence_Terminal}")
_HAN_KANA = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")
_SOUTHEAST_ASIAN = regex.compile(r"[\p{Thai}\p{Khmer}\p{Lao}\p{Myanmar}]")
_NO_SENTENCE_MARK = regex.compile(r"[\p{Thai}\p{Lao}]")
_SPACELESS = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Khmer}\p{Lao}\p{Myanmar}]")


def word_count(line: str) -> float:
    """Words in a line: spaced words, plus runs of spaceless scripts at their
    average word length."""
    han = len(_HAN_KANA.findall(line))
    sea = len(_SOUTHEAST_ASIAN.findall(line))
    spaced = sum(1 for w in _SPACELESS.sub(" ", line).split() if regex.search(r"\w", w))
    return spaced + han / HAN_CHARS_PER_WORD + sea / SOUTHEAST_ASIAN_CHARS_PER_WORD


def width(line: str) -> float:
    """Length in Latin-character equivalents (see the module docstring)."""
    han = len(_HAN_KANA.findall(line))
    sea = len(_SOUTHEAST_ASIAN.findall(line))
    return (len(line) - han - sea + han / HAN_CHARS_PER_WORD * LATIN_CHARS_PER_WORD
            + sea / SOUTHEAST_ASIAN_CHARS_PER_WORD * LATIN_CHARS_PER_WORD)


def has_words(lines: list[str], minimum: int = MIN_PROSE_WORDS) -> bool:
    return any(word_count(line) >= minimum for line in lines)


def is_prose_line(line: str) -> bool:
    """A line of at least PROSE_MIN_CHARS (Latin equivalents) that ends a sentence,
    or, in Thai or Lao, that is long enough without one."""
    if width(line) < PROSE_MIN_CHARS:
        return False
    if SENTENCE_END.search(line):
        return True
    marks = len(_NO_SENTENCE_MARK.findall(line))
    return marks * 2 > len(line.replace(" ", ""))


def has_prose(text: str) -> bool:
    return any(is_prose_line(line) for line in text.split("\n"))
