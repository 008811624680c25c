"""Knobs for ingestion, passed explicitly (no globals) so workers get the same ones.

The resource limits are one design: whatever the input, reading holds at most
`max_depth` members of `max_bytes` in memory, and spends at most
`max_archive_bytes` of decompression on one archive and `max_run_bytes` on one
run. Each limit exceeded is a reported Skip naming the limit and the command-line
option that raises it (`OPTION_OF`); the rest of the corpus is still read.
"""
from __future__ import annotations

from dataclasses import dataclass

KIB, MIB, GIB = 1024, 1024 ** 2, 1024 ** 3

DEFAULT_MAX_BYTES = 20 * MIB
# tar.gz -> zip -> json (SaudiNewsNet) is 2 levels; 24 levels of gzip is an attack.
DEFAULT_MAX_DEPTH = 5
# Bytes decompressed for one archive, every nesting level counted: news dumps
# expand to well under this (SaudiNewsNet: 108 MB, Reuters: 28 MB); inflating it takes ~10 s.
DEFAULT_MAX_ARCHIVE_BYTES = 8 * GIB
DEFAULT_MAX_RUN_BYTES = 64 * GIB
# Deflate on text gives 2.5-4x (BBC 2.5x, Reuters 3.5x, SaudiNewsNet's zips 3.8x); its
# ceiling is ~1,032x, reached only by runs of one byte, which is what bombs are made of.
DEFAULT_MAX_RATIO = 100
# The ratio is judged only past this many expanded bytes: a small file of spaces may
# compress 500x and harms nobody.
RATIO_AFTER_BYTES = 16 * MIB
# Members per archive, nested ones included. A zip's directory is held in memory
# (~500 bytes a member): 200,000 members is ~100 MB. BBC has 2,226.
DEFAULT_MAX_MEMBERS = 200_000
# Linux allows 4,096-byte paths; a longer member name is damage or an attack.
DEFAULT_MAX_NAME_CHARS = 4096

# The option that raises each limit, named in every Skip the limit causes.
OPTION_OF = {
    "max_bytes": "--max-bytes", "max_depth": "--max-depth",
    "max_archive_bytes": "--max-archive-bytes", "max_run_bytes": "--max-run-bytes",
    "max_ratio": "--max-ratio", "max_members": "--max-members",
    "max_name_chars": "--max-name-chars", "follow_links": "--follow-links",
}


@dataclass(frozen=True)
class IngestOptions:
    # Largest document read (a file, or an archive member once decompressed).
    # Archives themselves are streamed member by member, so they may be larger.
    max_bytes: int = DEFAULT_MAX_BYTES
    # Column names for headerless CSV, e.g. ("section", "headline", "body") for AG News.
    csv_columns: tuple[str, ...] | None = None
    # Folder names never descended into (besides hidden ones).
    ignore_dirs: frozenset[str] = frozenset({"__pycache__", "node_modules"})
    # Archives inside archives: a file on disk is depth 1.
    max_depth: int = DEFAULT_MAX_DEPTH
    # Bytes decompressed per archive (all levels) and per run (all archives).
    max_archive_bytes: int = DEFAULT_MAX_ARCHIVE_BYTES
    max_run_bytes: int = DEFAULT_MAX_RUN_BYTES
    # Bytes decompressed per byte of the archive file, judged past RATIO_AFTER_BYTES.
    max_ratio: int = DEFAULT_MAX_RATIO
    max_members: int = DEFAULT_MAX_MEMBERS
    max_name_chars: int = DEFAULT_MAX_NAME_CHARS
    # Read symlinks that point outside the corpus root (they are reported and not read
    # otherwise: a corpus folder should not pull in, say, ~/.ssh through a link).
    follow_links: bool = False
