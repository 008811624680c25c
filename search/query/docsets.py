"""Exact sets of matching document numbers, computed by set algebra over postings.

Facets, date sorting and the exact `total` need *every* match, not a ranked top
N. Whoosh finds them by stepping its matcher tree one document at a time in
Python (`docs_for_query`): ~3 us per posting for an OR of two terms, and an
`And(x, Not(y))` visits every document of the index. Here a term's documents
are read block by block from its postings and combined with Python's C-level
set operations, which is exact by construction (it also sidesteps Whoosh
2.7.4's `AndNot`, which lets excluded documents through). Exact phrases are
checked here too: candidates are the intersection of their words' documents,
and only those have their positions decoded (Whoosh decodes positions through
a tree of span matchers, ~30 ms for "interest rates" on Reuters). Other nodes
(proximity, gapped phrases, ranges, wildcards) are left to Whoosh's own
`docs_for_query`, so every node gets exactly Whoosh's answer.

The documents of each exact phrase are remembered per leaf reader (`phrase_docs`)
until `forget()`, so the ranking pass can reuse them (search/query/ranking.py).

One `DocSets` belongs to one searcher (a fixed snapshot of the index).
"""
from __future__ import annotations

from typing import Any

from whoosh import query as wq


class DocSets:
    """Matching document numbers (global to the searcher) for a query tree."""

    def __init__(self, searcher: Any):
        self.searcher = searcher
        reader = searcher.reader()
        self.leaves: list[tuple[Any, int]] = list(reader.leaf_readers())
        self.doc_count_all = reader.doc_count_all()
        self.schema = reader.schema
        self._deleted: frozenset[int] | None = None
        self._live: frozenset[int] | None = None
        # exact phrase -> {id(leaf reader): segment-local docnums}, for one search
        self.phrase_docs: dict[Any, dict[int, set[int]]] = {}

    def forget(self) -> None:
        """Drop what one search remembered (phrase documents)."""
        self.phrase_docs = {}

    # -- the index's documents
    @property
    def deleted(self) -> frozenset[int]:
        if self._deleted is None:
            gone: set[int] = set()
            for leaf, offset in self.leaves:
                if leaf.has_deletions():
                    gone.update(offset + d for d in range(leaf.doc_count_all())
                                if leaf.is_deleted(d))
            self._deleted = frozenset(gone)
        return self._deleted

    @property
    def live(self) -> frozenset[int]:
        """Every document not deleted: what a standalone NOT is taken against."""
        if self._live is None:
            self._live = frozenset(range(self.doc_count_all)) - self.deleted
        return self._live

    # -- queries
    def of(self, q: Any) -> set[int] | frozenset[int]:
        """The documents `q` matches (never includes deleted ones)."""
        kind = type(q)
        if kind is wq.Term:
            return self.term(q.fieldname, q.text)
        if kind is wq.And:
            pos = [c for c in q.subqueries if type(c) is not wq.Not]
            neg = [c.query for c in q.subqueries if type(c) is wq.Not]
            if not pos:
                result: set[int] | frozenset[int] = self.live
            else:
                sets = sorted((self.of(c) for c in pos), key=len)
                result = set(sets[0])
                for s in sets[1:]:
                    if not result:
                        break
                    result &= s
            for c in neg:
                if not result:
                    break
                result = result - self.of(c)
            return result
        if kind is wq.Or and not getattr(q, "minmatch", 0):
            result = set()
            for c in q.subqueries:
                result |= self.of(c)
            return result
        if kind is wq.Not:
            return self.live - self.of(q.query)
        if kind is wq.Phrase and q.slop == 1 and len(q.words) > 1:
            return self.phrase(q)
        if q is wq.NullQuery or kind is type(wq.NullQuery):
            return set()
        if kind is wq.Every and not getattr(q, "fieldname", None):
            return self.live
        return set(self.searcher.docs_for_query(q))

    def term(self, fieldname: str, text: Any) -> set[int]:
        if fieldname not in self.schema:
            return set()
        try:
            btext = self.schema[fieldname].to_bytes(text)
        except ValueError:
            return set()
        out: set[int] = set()
        for leaf, offset in self.leaves:
            if (fieldname, btext) not in leaf:
                continue
            ids = _posting_ids(leaf.postings(fieldname, btext))
            out.update(ids if offset == 0 else (offset + d for d in ids))
        if self.deleted:
            out -= self.deleted
        return out


    def phrase(self, q: Any) -> set[int]:
        """Documents with the phrase's words at consecutive positions (Whoosh's slop=1)."""
        local = self.phrase_docs.get(q)
        if local is None:
            local = self.phrase_docs[q] = self._phrase_local(q)
        out: set[int] = set()
        for leaf, offset in self.leaves:
            docs = local.get(id(leaf))
            if docs:
                out.update(docs if offset == 0 else (offset + d for d in docs))
        if self.deleted:
            out -= self.deleted
        return out

    def _phrase_local(self, q: Any) -> dict[int, set[int]]:
        fieldname = q.fieldname
        if fieldname not in self.schema:
            return {}
        field = self.schema[fieldname]
        try:
            words = [field.to_bytes(w) for w in q.words]
        except ValueError:
            return {}
        decode = field.format.decode_positions
        result: dict[int, set[int]] = {}
        for leaf, _offset in self.leaves:
            if any((fieldname, w) not in leaf for w in words):
                continue
            values = {w: _posting_values(leaf.postings(fieldname, w)) for w in set(words)}
            candidates: set[int] | None = None
            for by_doc in sorted(values.values(), key=len):
                candidates = set(by_doc) if candidates is None else candidates.intersection(by_doc)
                if not candidates:
                    break
            if not candidates:
                continue
            first, rest = values[words[0]], [(k, values[w]) for k, w in enumerate(words[1:], 1)]
            found = set()
            for d in candidates:
                others = [(k, set(decode(by_doc[d]))) for k, by_doc in rest]
                if any(all(p + k in pos for k, pos in others) for p in decode(first[d])):
                    found.add(d)
            if found:
                result[id(leaf)] = found
        return result


def _posting_values(matcher: Any) -> dict[int, bytes]:
    """docnum -> encoded positions of one term in one segment (deleted ones included)."""
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.matching.wrappers import FilterMatcher

    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if type(matcher) is not W3LeafMatcher:
        return dict(matcher.all_items())
    out: dict[int, bytes] = {}
    while matcher.is_active():
        if matcher._ids is None:  # noqa: SLF001 - Whoosh 2.7.4's block reader (pinned)
            matcher._read_ids()  # noqa: SLF001
        if matcher._values is None:  # noqa: SLF001
            matcher._read_values()  # noqa: SLF001
        i = matcher._i  # noqa: SLF001
        out.update(zip(matcher._ids[i:], matcher._values[i:]))  # noqa: SLF001
        matcher._next_block()  # noqa: SLF001
    return out


def _posting_ids(matcher: Any) -> list[int] | Any:
    """A term's document numbers, a whole block at a time when the codec allows it."""
    from whoosh.codec.whoosh3 import W3LeafMatcher
    from whoosh.matching.wrappers import FilterMatcher

    if isinstance(matcher, FilterMatcher):  # a segment with deletions: we subtract them
        matcher = matcher.child
    if type(matcher) is not W3LeafMatcher:
        return matcher.all_ids()
    ids: list[int] = []
    while matcher.is_active():
        if matcher._ids is None:  # noqa: SLF001 - Whoosh 2.7.4's block reader (pinned)
            matcher._read_ids()  # noqa: SLF001
        ids.extend(matcher._ids[matcher._i:])  # noqa: SLF001
        matcher._next_block()  # noqa: SLF001
    return ids
