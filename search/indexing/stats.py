"""What `news-search stats` reports: read-only, no lock needed."""
from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .runs import read_runs
from .schema import SCHEMA_VERSION
from .store import open_index, read_meta, reading_error, size_on_disk


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc).isoformat()
    return None


def date_range(reader, field) -> tuple[datetime | None, datetime | None]:
    """Oldest and newest `published` among live documents.

    Read per segment: Whoosh 2.7.4's multi-segment column reader fails with
    translate=False; undated documents hold the column's default value.
    """
    missing = field.column_type.default_value(False)
    values = []
    for sub, _ in reader.leaf_readers():
        column = sub.column_reader("published", translate=False)
        values.extend(v for v in (column[d] for d in sub.all_doc_ids()) if v != missing)
    if not values:
        return None, None
    return field.from_column_value(min(values)), field.from_column_value(max(values))


def _contents(handle) -> tuple[int, Counter[str], datetime | None, datetime | None]:
    per_source: Counter[str] = Counter()
    first = last = None
    with handle.ix.searcher() as searcher:
        reader = searcher.reader()
        articles = reader.doc_count()
        if articles:
            for sub, _ in reader.leaf_readers():
                sources = sub.column_reader("source")
                per_source.update(sources[d] or "(none)" for d in sub.all_doc_ids())
            first, last = date_range(reader, handle.ix.schema["published"])
    return articles, per_source, first, last


def index_stats(index_dir: str | os.PathLike[str], last_runs: int = 1) -> dict[str, Any]:
    index_dir = Path(index_dir)
    meta = read_meta(index_dir)
    handle = open_index(index_dir)
    try:
        articles, per_source, first, last = _contents(handle)
    except Exception as exc:  # noqa: BLE001 - a missing or cut segment file fails anywhere
        raise reading_error(index_dir, handle.generation, exc) from None
    size = size_on_disk(handle.path)
    for extra in Path(index_dir).glob(f"{handle.generation}.manifest.sqlite*"):
        size += extra.stat().st_size
    runs = read_runs(index_dir)
    return {
        "index_dir": str(index_dir.absolute()),
        "articles": articles,
        "per_source": dict(sorted(per_source.items(), key=lambda kv: (-kv[1], kv[0]))),
        "published_first": _iso(first),
        "published_last": _iso(last),
        "size_bytes": size,
        "schema_version": meta.get("schema_version", SCHEMA_VERSION),
        "generation": handle.generation,
        "roots": list(meta.get("roots", [])),
        "last_runs": runs[-last_runs:] if last_runs else [],
    }
