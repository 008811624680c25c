"""Wildcards, prefixes and fuzzy words as the OR of the field's own words.

Whoosh answers `oil*`, `headline:gra?n` and `grain~` segment by segment: each segment
expands the pattern over its own terms and, where that gives several words, scores every
match the same constant, where one, with BM25F and that word's per-field statistics. So
the score of one article depended on which segment it sat in: two builds of the same
articles ranked `oil*` differently, and a shard of an archive differently from one index.

Here a pattern is expanded once over the terms of the field in the whole snapshot
(`words`: sorted, so every evaluation sums in the same order), and evaluate.py evaluates
the expansion as the OR of its words, each scored by the engine's BM25 with one IDF per
word: `oil*` scores exactly as `oil OR oils OR oily ...` written out would.

On a shard of a sharded archive (collection.py) the statistics step gathers each shard's
expansion and the document frequencies of its words; the union of the expansions goes
back with the archive's statistics, and while they are active `words` answers the union:
the words other shards hold have no postings here and add nothing, the words this shard
holds score with the archive's numbers, and the sums are formed in the same order as in
one index. The same union is what a wildcard counts against the expansion limit
(`glob_words`, query/limits.py's max_expansions) and what snippets highlight.
"""
from __future__ import annotations

import copy
import fnmatch
import re
from collections.abc import Iterable, Iterator
from typing import Any

from whoosh import query as wq

from . import collection

PATTERNS = (wq.Prefix, wq.Wildcard, wq.FuzzyTerm)  # the nodes expanded here
PatternKey = tuple[str, str, str, int, int]  # (kind, field, glob or word, max edits, prefix)


def is_pattern(q: Any) -> bool:
    """A wildcard, prefix or fuzzy node (a Prefix of nothing is Whoosh's 'every', not one)."""
    return isinstance(q, PATTERNS) and bool(q.text)


def pattern_key(q: Any) -> PatternKey:
    """What identifies a pattern's expansion across shards: a prefix and a wildcard by
    their glob (`oil` as a prefix is the glob `oil*`, as the expansion limit reads it)."""
    if isinstance(q, wq.FuzzyTerm):
        return ("fuzzy", q.fieldname, q.text, q.maxdist, q.prefixlength)
    glob = q.text + "*" if isinstance(q, wq.Prefix) else q.text
    return ("glob", q.fieldname, glob, 0, 0)


def glob_key(fieldname: str, pattern: str) -> PatternKey:
    return ("glob", fieldname, pattern, 0, 0)


def in_field(q: Any, fieldname: str) -> Any:
    """The same pattern over another field (the other content field's words)."""
    other = copy.copy(q)
    other.fieldname = fieldname
    return other


def local_words(q: Any, reader: Any) -> list[bytes]:
    """The pattern's words among the field's terms of `reader` (every segment), sorted."""
    if q.fieldname not in reader.schema:
        return []
    own = getattr(q, "local_btexts", None)
    found = own(reader) if own is not None else type(q)._btexts(q, reader)
    return sorted(set(found))


def union(q: Any) -> tuple[bytes, ...] | None:
    """The archive's words for `q` while a shard scores with the archive's statistics
    (collection.using), else None."""
    stats = collection.active()
    return stats.expansion(pattern_key(q)) if stats is not None else None


def words(q: Any, reader: Any) -> list[bytes] | tuple[bytes, ...]:
    """The words `q` stands for: the archive's union on a shard, else this snapshot's own."""
    archive = union(q)
    return archive if archive is not None else local_words(q, reader)


def glob_words(reader: Any, fieldname: str, pattern: str) -> Iterator[bytes]:
    """The field's words matching a glob (`sanction*`, `gra?n`), lazily: what the
    expansion limit counts (the archive's union on a shard)."""
    stats = collection.active()
    union = stats.expansion(glob_key(fieldname, pattern)) if stats is not None else None
    if union is not None:
        yield from union
        return
    if fieldname not in reader.schema:
        return
    literal = re.split(r"[*?]", pattern, maxsplit=1)[0]
    matches = re.compile(fnmatch.translate(pattern)).match
    for term in reader.expand_prefix(fieldname, literal):
        if matches(term.decode("utf-8") if isinstance(term, bytes) else term):
            yield term


class Expanding:
    """A pattern node whose expansion (Whoosh's matchers, highlighting, `expanded_terms`)
    is `words`: the union of an archive's shards while its statistics are active."""

    def local_btexts(self, reader: Any) -> Iterable[bytes]:
        raise NotImplementedError  # each class: its Whoosh class's own expansion

    def _btexts(self, ixreader: Any) -> Iterator[bytes]:
        return iter(words(self, ixreader))


class FieldPrefix(Expanding, wq.Prefix):
    """`oil*`: the field's words starting with `oil`."""

    local_btexts = wq.Prefix._btexts


class FieldWildcard(Expanding, wq.Wildcard):
    """`gra?n`, `int*nal`: the field's words matching the glob."""

    local_btexts = wq.Wildcard._btexts
