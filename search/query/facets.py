"""Facet counts over *all* matching articles, read from the index's columns.

Counting is done on sets of document numbers rather than through Whoosh's
`groupedby`, for two reasons: each facet must ignore its own field's filter
(so the caller counts over a different set per facet), and a plain pass over a
cached column is cheaper than re-scoring (bench/bench_query.py measures it).

Columns are cached per searcher (`ColumnCache`): a searcher is a fixed snapshot,
so its columns never change while it lives.

Date facets (`published:day|week|month|year`) are honest about partial dates
(periods.py): an article dated only "March 2021" is counted under its own label
`2021-03` in a day or week facet (that bucket sorts before the month's days),
never on an invented day. `empty_buckets` (Elasticsearch's `min_doc_count: 0`)
adds every period between the first and the last bucket with a count of 0.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from itertools import chain
from typing import Any

from ..engine.evaluate import SegmentedColumn
from ..errors import SearchOptionError
from ..indexing.fields import DATE_FACETS, FACET_NAMES, LIST_FIELDS, VALUE_FACETS
from . import periods

# The names are the schema's (indexing/fields.py).
KEYWORD_FACETS = VALUE_FACETS
MULTI_FACETS = LIST_FIELDS
UNKNOWN = None  # the value of the bucket for articles without this field
# Periods one date facet may list with empty buckets: 27 years of days. A stray date
# (1900 in a 2021 corpus) asks for a million of them: refused, with the fix.
MAX_EMPTY_BUCKETS = 10_000
_MISSING_DATE = 2 ** 64 - 1  # what Whoosh's DATETIME column holds for a document without one


@dataclass(frozen=True)
class FacetSpec:
    name: str    # as requested: "source", "published:month"
    field: str   # the index field: "source", "published"

    @classmethod
    def parse(cls, text: str) -> "FacetSpec":
        name = text.strip().lower()
        if name == "published":
            name = "published:month"
        if name not in FACET_NAMES:
            raise SearchOptionError(f"unknown facet '{text}': choose from {', '.join(FACET_NAMES)}")
        return cls(name, name.split(":", 1)[0])


class ColumnCache:
    """Per-searcher lists of column values, indexed by document number."""

    def __init__(self, reader: Any):
        self.reader = reader
        self._columns: dict[str, list] = {}
        self._date_labels: dict[str, list[str | None]] = {}
        self._multi: dict[str, list[tuple[str, ...]]] = {}
        # Other per-snapshot results keyed by their user (timeline.py: every live article's
        # counts per period, the same for every query until the index changes).
        self.memo: dict[tuple, object] = {}

    def column(self, field: str) -> list:
        """The field's value per document number, None where a segment has no column
        (read segment by segment: engine/evaluate.py's SegmentedColumn says why)."""
        if field not in self._columns:
            self._columns[field] = list(SegmentedColumn(self.reader, field, None))
        return self._columns[field]

    def date_keys(self) -> list[int]:
        """Raw sortable date per document, with undated documents as -1."""
        key = "published#keys"
        if key not in self._columns:
            self._columns[key] = [-1 if v is None or v == _MISSING_DATE else v
                                  for v in self.column("published")]
        return self._columns[key]

    def precisions(self) -> list[str | None]:
        """Each document's partial-date precision ("year", "month"), else None (a day or
        finer, or an index written before precision was kept)."""
        key = "published_precision#text"
        if key not in self._columns:
            self._columns[key] = [(v.decode("utf-8") if isinstance(v, bytes) else v) or None
                                  for v in self.column(periods.PRECISION_FIELD)]
        return self._columns[key]

    def period_labels(self, by: str) -> list[str | None]:
        """Per document, the label of its `by` period ('2021-W11'), its own partial label
        ('2021-03') when its precision is coarser than `by`, None when undated."""
        if by not in self._date_labels:
            precision = self.precisions()
            cache: dict[tuple[int, str | None], str] = {}
            labels: list[str | None] = []
            for raw, prec in zip(self.date_keys(), precision):
                if raw < 0:
                    labels.append(None)
                    continue
                day_key = (raw // 86_400_000_000, prec)
                text = cache.get(day_key)
                if text is None:
                    day = periods.day_of_column(raw)
                    text = cache[day_key] = (periods.label(periods.period_start(day, by), by)
                                             if periods.places(prec, by)
                                             else periods.partial_label(day, prec))
                labels.append(text)
            self._date_labels[by] = labels
        return self._date_labels[by]

    def values_per_doc(self, field: str) -> list[tuple[str, ...]]:
        """Each document's values of a multi-valued field without a column (from its postings)."""
        if field not in self._multi:
            per_doc: list[list[str]] = [[] for _ in range(self.reader.doc_count_all())]
            for term in self.reader.lexicon(field):
                value = term.decode("utf-8")
                for d in self.reader.postings(field, term).all_ids():
                    per_doc[d].append(value)
            self._multi[field] = [tuple(v) for v in per_doc]
        return self._multi[field]


def count_facet(spec: FacetSpec, docs: Collection[int], columns: ColumnCache,
                empty_buckets: bool = False) -> list[tuple[str | None, int]]:
    """(value, count) pairs: dates sorted by date, others by count, unknown last.
    `empty_buckets`: a date facet also lists the periods between its first and last
    bucket that no document falls in (count 0); other facets are unchanged."""
    if spec.name in DATE_FACETS:
        by = DATE_FACETS[spec.name]
        labels = columns.period_labels(by)
        counts = Counter(map(labels.__getitem__, docs))
        known = sorted(((v, c) for v, c in counts.items() if v is not UNKNOWN),
                       key=lambda vc: (periods.label_start(vc[0]), len(vc[0])))
        if empty_buckets and known:
            known = _with_empty_periods(known, by)
    elif spec.field in MULTI_FACETS:
        per_doc = columns.values_per_doc(spec.field)
        values = list(map(per_doc.__getitem__, docs))
        counts = Counter(chain.from_iterable(values))
        untagged = values.count(())
        if untagged:
            counts[UNKNOWN] = untagged
        known = sorted(((v, c) for v, c in counts.items() if v is not UNKNOWN),
                       key=lambda vc: (-vc[1], vc[0]))
    else:
        column = columns.column(spec.field)
        raw = Counter(map(column.__getitem__, docs))
        counts = Counter()
        for value, n in raw.items():
            text = value.decode("utf-8") if isinstance(value, bytes) else value
            counts[text or UNKNOWN] += n
        known = sorted(((v, c) for v, c in counts.items() if v is not UNKNOWN),
                       key=lambda vc: (-vc[1], vc[0]))
    if counts.get(UNKNOWN):
        known.append((UNKNOWN, counts[UNKNOWN]))
    return known


def _with_empty_periods(known: list[tuple[str, int]], by: str) -> list[tuple[str, int]]:
    """`known` (sorted by date) with a 0 for every `by` period between its first and last."""
    have = dict(known)
    own = [periods.label_start(v) for v, _ in known  # partial dates' labels span no periods
           if periods.label(periods.label_start(v), by) == v]
    if not own:
        return known
    first, last = own[0], own[-1]
    if periods.count_periods(first, last, by) > MAX_EMPTY_BUCKETS:
        raise SearchOptionError(
            f"published:{by} with empty buckets would list more than {MAX_EMPTY_BUCKETS:,} "
            f"periods ({first} to {last}): use a coarser facet or a date filter")
    full = [periods.label(s, by) for s in periods.starts(first, last, by)]
    listed = set(full)
    extra = [(v, c) for v, c in known if v not in listed]  # partial dates' own labels
    merged = [(v, have.get(v, 0)) for v in full] + extra
    return sorted(merged, key=lambda vc: (periods.label_start(vc[0]), len(vc[0])))
