"""The history of indexing runs kept with the index (`runs.jsonl`, newest last).

Bounded to the last MAX_RUNS records so a scheduler running every minute for a
year does not grow it without limit. Written only under the writer lock, and
replaced atomically and durably (durable.py), so a crash leaves the previous
history intact.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .durable import replace_file

RUNS_FILE = "runs.jsonl"
MAX_RUNS = 100
# `changed_ids` of a 200k-article build would make every record huge: keep a sample.
MAX_IDS_KEPT = 1000
MAX_SKIPS_KEPT = 1000


def read_runs(index_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    path = Path(index_dir) / RUNS_FILE
    try:
        # Bytes that are not UTF-8 (a damaged file) spoil their own line, not the history.
        lines = path.read_bytes().decode("utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    runs = []
    for line in lines:
        try:
            run = json.loads(line)
        except ValueError:
            continue  # a torn line from a crash of an older writer: skip it
        if isinstance(run, dict):
            runs.append(run)
    return runs


def compact_record(run: dict[str, Any]) -> dict[str, Any]:
    rec = dict(run)
    for key, limit in (("changed_ids", MAX_IDS_KEPT), ("skipped", MAX_SKIPS_KEPT)):
        items = rec.get(key) or []
        rec[f"{key}_count"] = len(items)
        rec[key] = items[:limit]
    return rec


def append_run(index_dir: str | os.PathLike[str], run: dict[str, Any]) -> None:
    index_dir = Path(index_dir)
    runs = read_runs(index_dir)[-(MAX_RUNS - 1):] + [compact_record(run)]
    replace_file(index_dir / RUNS_FILE, "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                                for r in runs).encode("utf-8"))
