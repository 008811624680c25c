"""Fuzzy words (`grain~`) expanded over the field's own terms, not its spelling words.

Whoosh 2.7.4's `SegmentReader.terms_within` walks the field's *spelling* word list
when the field keeps one (`spelling=True`, our `headline`): those are the words as
written, before stemming, while the postings are under the stems. So `headline:grain~`
expanded, in a segment whose headlines say only "GRAINS", to `grains`, a word with no
postings, and lost the article filed under the stem `grain`: on Reuters-21578 it
matched 249 articles where `headline:gain OR headline:grain` matches 251. Expanding over
the field's own term cursor gives the stems the postings are under. The expansion is
evaluated and scored as the OR of its words by the engine (expand.py says why).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from whoosh import query as wq

from .expand import Expanding


def terms_within(reader: Any, fieldname: str, text: str, maxdist: int,
                 prefix: int = 0) -> Iterator[bytes]:
    """The field's terms within `maxdist` edits of `text`, from every segment of `reader`."""
    if reader.is_atomic():
        if fieldname not in reader.schema or not hasattr(reader, "_codec"):
            return iter(())
        auto = reader._codec.automata(reader._storage, reader._segment)
        return auto.terms_within(reader.cursor(fieldname), text, maxdist, prefix)
    seen: set[bytes] = set()
    for leaf, _ in reader.leaf_readers():
        seen.update(terms_within(leaf, fieldname, text, maxdist, prefix))
    return iter(sorted(seen))


class FieldFuzzyTerm(Expanding, wq.FuzzyTerm):
    """`wq.FuzzyTerm` whose expansion reads the field's terms (see the module docstring),
    and on a shard the archive's union of them (expand.py)."""

    def local_btexts(self, reader: Any) -> Iterator[bytes]:
        return terms_within(reader, self.fieldname, self.text, self.maxdist,
                            prefix=self.prefixlength)
