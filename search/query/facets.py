"""Facet counts over *all* matching articles, read from the index's columns.

Counting is done on sets of document numbers rather than through Whoosh's
`groupedby`, for two reasons: each facet must ignore its own field's filter
(so the caller counts over a different set per facet), and a plain pass over a
cached column is cheaper than re-scoring (bench/bench_query.py measures it).

Columns are cached per searcher (`ColumnCache`): a searcher is a fixed snapshot,
so its columns never change while it lives.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from itertools import chain
from typing import Any

from ..errors import SearchOptionError

KEYWORD_FACETS = ("source", "section", "language")
MULTI_FACETS = ("tags",)
DATE_FACETS = {"published:year": 4, "published:month": 7, "published:day": 10}
FACET_NAMES = KEYWORD_FACETS + MULTI_FACETS + tuple(DATE_FACETS)
UNKNOWN = None  # the value of the bucket for articles without this field
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
        self._date_labels: dict[int, list[str | None]] = {}
        self._multi: dict[str, list[tuple[str, ...]]] = {}

    def column(self, field: str) -> list:
        if field not in self._columns:
            if self.reader.has_column(field):
                values = list(self.reader.column_reader(field, translate=False))
            else:
                values = [None] * self.reader.doc_count_all()
            self._columns[field] = values
        return self._columns[field]

    def date_keys(self) -> list[int]:
        """Raw sortable date per document, with undated documents as -1."""
        key = "published#keys"
        if key not in self._columns:
            self._columns[key] = [-1 if v is None or v == _MISSING_DATE else v
                                  for v in self.column("published")]
        return self._columns[key]

    def date_labels(self, width: int) -> list[str | None]:
        """'2021', '2021-09' or '2021-09-03' per document (None when undated)."""
        if width not in self._date_labels:
            field = self.reader.schema["published"]
            cache: dict[int, str] = {}
            labels: list[str | None] = []
            for raw in self.column("published"):
                if raw is None or raw == _MISSING_DATE:
                    labels.append(None)
                    continue
                label = cache.get(raw)
                if label is None:
                    label = cache[raw] = field.from_column_value(raw).isoformat()[:width]
                labels.append(label)
            self._date_labels[width] = labels
        return self._date_labels[width]

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


def count_facet(spec: FacetSpec, docs: Collection[int], columns: ColumnCache) -> list[tuple[str | None, int]]:
    """(value, count) pairs: dates sorted by date, others by count, unknown last."""
    if spec.name in DATE_FACETS:
        labels = columns.date_labels(DATE_FACETS[spec.name])
        counts = Counter(map(labels.__getitem__, docs))
        known = sorted((v, c) for v, c in counts.items() if v is not UNKNOWN)
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
