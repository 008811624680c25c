"""Name variants: the same person or place spelled several ways across outlets.

RFE/RL writes "Lukashenka", others "Lukashenko"; "Kyiv" and "Kiev" name one
city. A query for one spelling is expanded, at query time, to an OR of all of
them, so users can extend the list without reindexing. Lookups are on the
lower-cased, accent-folded word, which is also how the index folds text.

Sources, later ones adding to earlier ones: the shipped `variants.txt`, the
file named by $NEWS_SEARCH_VARIANTS, and `<index_dir>/variants.txt`. Files are
re-read when their modification time changes.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import QueryError

SHIPPED_FILE = Path(__file__).with_name("variants.txt")
ENV_VAR = "NEWS_SEARCH_VARIANTS"
INDEX_FILE_NAME = "variants.txt"


def fold(word: str) -> str:
    """Lower-case and fold accents, Arabic spellings and ё the way the index's analyzer does
    (so a wildcard `أمريك*` finds the indexed `امريك...`)."""
    from ..engine.analysis import fold_word

    return fold_word(word)


def parse_variants(text: str, origin: str = "<text>") -> list[tuple[str, ...]]:
    """Groups from a variants file: one group per line, spellings separated by commas."""
    groups = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        raw_words = [w.strip() for w in line.split(",") if w.strip()]
        if len(raw_words) < 2:
            raise QueryError(f"{origin}:{lineno}: a variants line needs at least two spellings "
                             f"separated by commas, got {raw.strip()!r}")
        words = tuple(dict.fromkeys(fold(w) for w in raw_words))
        if len(words) > 1:  # spellings differing only by accents are already one
            groups.append(words)
    return groups


@dataclass
class Variants:
    """word -> every spelling in its groups (itself included)."""

    table: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_groups(cls, groups: list[tuple[str, ...]]) -> "Variants":
        merged: dict[str, list[str]] = {}
        for group in groups:
            for word in group:
                spellings = merged.setdefault(word, [])
                spellings.extend(w for w in group if w not in spellings)
        return cls({w: tuple(s) for w, s in merged.items()})

    def of(self, word: str) -> tuple[str, ...]:
        """All spellings of `word`; just the word itself when it has no variants."""
        folded = fold(word)
        return self.table.get(folded, (folded,))


class VariantsLoader:
    """Reads the variants files, caching them until one changes on disk."""

    def __init__(self, index_dir: str | os.PathLike[str] | None = None):
        self.index_dir = Path(index_dir) if index_dir else None
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._variants = Variants()

    def files(self) -> list[Path]:
        found = [SHIPPED_FILE]
        env = os.environ.get(ENV_VAR)
        if env:
            path = Path(env)
            if not path.is_file():
                raise QueryError(f"${ENV_VAR} names {env}, which is not a readable file")
            found.append(path)
        if self.index_dir and (self.index_dir / INDEX_FILE_NAME).is_file():
            found.append(self.index_dir / INDEX_FILE_NAME)
        return found

    def get(self) -> Variants:
        files = self.files()
        key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
        with self._lock:
            if key != self._key:
                groups: list[tuple[str, ...]] = []
                for path in files:
                    try:
                        text = path.read_text("utf-8")
                    except (OSError, UnicodeDecodeError) as exc:
                        raise QueryError(f"cannot read variants file {path}: {exc}") from None
                    groups.extend(parse_variants(text, str(path)))
                self._variants = Variants.from_groups(groups)
                self._key = key
            return self._variants
