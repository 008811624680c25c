"""Knobs for ingestion, passed explicitly (no globals) so workers get the same ones."""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class IngestOptions:
    # Largest document read (a file, or an archive member once decompressed).
    # Archives themselves are streamed member by member, so they may be larger.
    max_bytes: int = DEFAULT_MAX_BYTES
    # Column names for headerless CSV, e.g. ("section", "headline", "body") for AG News.
    csv_columns: tuple[str, ...] | None = None
    # Folder names never descended into (besides hidden ones).
    ignore_dirs: frozenset[str] = frozenset({"__pycache__", "node_modules"})
