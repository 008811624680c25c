"""`schedule.json`: what a running scheduler tells `stats` (and operators).

Format (one JSON object, replaced atomically on every change):

    {"pid": 4242, "host": "news1", "started": "2026-11-21T10:00:00Z",
     "schedule": {"every": "15m", "seconds": 900.0} | {"cron": "*/15 * * * *"},
     "state": "idle" | "running" | "stopped",
     "next_due": "2026-11-21T10:15:00Z" | null,
     "last_run": {"started": ..., "finished": ..., "outcome": "ok", "took": 1.2} | null,
     "updated": "2026-11-21T10:00:01Z"}

The file outlives the process (a SIGKILL cannot remove it), so `read_state`
adds `"alive"`: whether a scheduler holds `schedule.lock` right now. A state
that is not alive means "no scheduler is running; this is the last one's view".
"""
from __future__ import annotations

import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..indexing.durable import read_json, replace_json
from ..indexing.lock import FileLock
from .timing import Schedule, utc_iso

STATE_FILE = "schedule.json"
LOCK_FILE = "schedule.lock"


def scheduler_lock(index_dir: str | os.PathLike[str]) -> FileLock:
    return FileLock(Path(index_dir) / LOCK_FILE)


class StateFile:
    """The running scheduler's writer of schedule.json."""

    def __init__(self, index_dir: str | os.PathLike[str], schedule: Schedule):
        self.path = Path(index_dir) / STATE_FILE
        self.data: dict[str, Any] = {
            "pid": os.getpid(), "host": socket.gethostname(),
            "started": utc_iso(datetime.now(timezone.utc)), "schedule": schedule.to_dict(),
            "state": "idle", "next_due": None, "last_run": None,
        }

    def update(self, **changes: Any) -> None:
        self.data.update(changes)
        self.data["updated"] = utc_iso(datetime.now(timezone.utc))
        try:
            replace_json(self.path, self.data)
        except OSError:
            pass  # a full disk must not stop the schedule; the log line still says it


def read_state(index_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The scheduler's last state plus `alive`, or None if no scheduler ever ran here."""
    try:
        data = read_json(Path(index_dir) / STATE_FILE)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    data["alive"] = scheduler_lock(index_dir).is_held_by_other()
    return data
