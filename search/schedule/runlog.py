"""The scheduler's log: one line per event, timestamped in UTC, to stderr or a file.

A service manager (systemd, a container runtime) captures stderr; `--log FILE`
appends, line-buffered, so `tail -f` and logrotate's copytruncate work and a
crash loses at most the line being written.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone
from typing import Any, TextIO

from .timing import format_seconds, utc_iso

FIRST_PROBLEMS = 5  # skipped files and errors quoted under a run line


class RunLog:
    def __init__(self, path: str | None = None, stream: TextIO | None = None):
        self._own = path is not None
        self.stream: TextIO = open(path, "a", encoding="utf-8", buffering=1) if path else (
            stream or sys.stderr)

    def line(self, text: str) -> None:
        self.stream.write(f"{utc_iso(datetime.now(timezone.utc))} {text}\n")
        self.stream.flush()

    def close(self) -> None:
        if self._own:
            self.stream.close()


def run_summary(run: Any, took: float) -> str:
    """`run ok started=... added=3 updated=1 deleted=0 unchanged=2220 skipped=1 errors=0 took=1.2s`"""
    return (f"run {run.outcome} started={utc_iso(run.started)} added={run.added} "
            f"updated={run.updated} deleted={run.deleted} unchanged={run.unchanged} "
            f"skipped={len(run.skipped)} errors={len(run.errors)} took={format_seconds(took)}")


def run_problems(run: Any) -> list[str]:
    """The first errors and skipped files, each as an indented log line."""
    lines = [f"  error: {e}" for e in run.errors[:FIRST_PROBLEMS]]
    lines += [f"  skipped: {s}" for s in run.skipped[:FIRST_PROBLEMS]]
    more = max(0, len(run.errors) - FIRST_PROBLEMS) + max(0, len(run.skipped) - FIRST_PROBLEMS)
    if more:
        lines.append(f"  ... and {more} more (news-search stats shows the run's record)")
    return lines
