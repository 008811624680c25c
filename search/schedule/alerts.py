"""Saved searches, stored with the index in `alerts.json`.

    {"version": 1, "alerts": [{"name": "belarus", "query": "Lukashenko",
      "sources": ["rferl"], "sections": [], "languages": [], "notify": "mail -s ...",
      "created": "2026-11-21T10:00:00Z"}]}

Names become file names (`alerts/NAME.jsonl`), so they are restricted to
letters, digits, '-', '_' and '.', not starting with '.'.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import AlertError
from ..indexing.durable import read_json, read_jsonl, replace_json
from ..indexing.lock import FileLock
from .timing import utc_iso

ALERTS_FILE = "alerts.json"
ALERTS_DIR = "alerts"
SEEN_FILE = "seen.txt"  # content hashes seen at the last delivery (see delivery.py)
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class SavedSearch:
    name: str
    query: str
    sources: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    notify: str | None = None  # a shell command; new matches go to its stdin as JSON Lines
    created: str = field(default_factory=lambda: utc_iso(datetime.now(timezone.utc)))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("sources", "sections", "languages"):
            d[k] = list(d[k])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "SavedSearch":
        return cls(name=d["name"], query=d["query"], sources=tuple(d.get("sources") or ()),
                   sections=tuple(d.get("sections") or ()),
                   languages=tuple(d.get("languages") or ()), notify=d.get("notify"),
                   created=d.get("created") or "")


def check_name(name: str) -> str:
    if not _NAME.match(name or ""):
        raise AlertError(f"bad alert name {name!r}: use 1-64 letters, digits, '-', '_' or '.' "
                         "(not starting with '.'), e.g. belarus-news")
    return name


# Words the shell runs itself: a notify command starting with one needs no program on PATH.
_SHELL_WORDS = {":", ".", "[", "cd", "echo", "eval", "exec", "export", "printf", "read", "set",
                "test", "true", "false", "if", "for", "while", "until", "case", "{", "("}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def check_notify(command: str) -> str:
    """A notify command whose program does not exist would fail at every delivery while
    `alerts list` looked healthy (`mail` on a machine without it): refuse it up front."""
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise AlertError(f"cannot read the --notify command {command!r}: {exc}") from None
    words = [w for w in words if not _ASSIGNMENT.match(w)]  # leading VAR=value settings
    if not words:
        raise AlertError("the --notify command is empty: give a command, e.g. 'cat >> new.jsonl'")
    program = words[0]
    if program in _SHELL_WORDS:
        return command
    if os.sep in program:
        found = os.path.isfile(program) and os.access(program, os.X_OK)
    else:
        found = shutil.which(program) is not None
    if not found:
        raise AlertError(f"the --notify program {program!r} is not installed or not on PATH: "
                         f"install it, or give its full path")
    return command


def notify_status(index_dir: str | os.PathLike[str], name: str) -> dict[str, Any] | None:
    """The last notify attempt of an alert: {"state": "sent"|"failed"|"sending", "error"}."""
    last = None
    for event in read_jsonl(alerts_dir(index_dir) / f"{name}.notify.jsonl"):
        last = event
    if last is None:
        return None
    return {"state": last.get("state"), "error": last.get("error")}


def alerts_dir(index_dir: str | os.PathLike[str]) -> Path:
    return Path(index_dir) / ALERTS_DIR


def delivered_file(index_dir: str | os.PathLike[str], name: str) -> Path:
    return alerts_dir(index_dir) / f"{name}.jsonl"


def store_lock(index_dir: str | os.PathLike[str]) -> FileLock:
    """One lock for alerts.json edits and deliveries, so neither sees the other half-done."""
    folder = alerts_dir(index_dir)
    folder.mkdir(exist_ok=True)
    return FileLock(folder / ".lock")


def load_alerts(index_dir: str | os.PathLike[str]) -> list[SavedSearch]:
    path = Path(index_dir) / ALERTS_FILE
    try:
        data = read_json(path, {"alerts": []})
    except (OSError, ValueError) as exc:
        raise AlertError(f"cannot read {path}: {exc}") from None
    return [SavedSearch.from_dict(d) for d in data.get("alerts", [])]


def _save(index_dir: str | os.PathLike[str], alerts: list[SavedSearch]) -> None:
    replace_json(Path(index_dir) / ALERTS_FILE,
                      {"version": 1, "alerts": [a.to_dict() for a in alerts]})


def add_alert(index_dir: str | os.PathLike[str], alert: SavedSearch,
              before_save: Callable[[], None] | None = None) -> None:
    """`before_save` runs under the alerts lock (delivery uses it to record what the
    index already holds, so the new alert is not flooded with the archive)."""
    check_name(alert.name)
    if alert.notify is not None:
        check_notify(alert.notify)
    with store_lock(index_dir):
        alerts = load_alerts(index_dir)
        if any(a.name == alert.name for a in alerts):
            raise AlertError(f"an alert named {alert.name!r} exists: remove it first "
                             f"(news-search alerts remove {alert.name})")
        if before_save:
            before_save()
        _save(index_dir, alerts + [alert])


def remove_alert(index_dir: str | os.PathLike[str], name: str) -> None:
    """Forget the saved search; what it delivered stays in alerts/NAME.jsonl (renamed
    aside so that a new alert of the same name starts with an empty ledger)."""
    with store_lock(index_dir):
        alerts = load_alerts(index_dir)
        if not any(a.name == name for a in alerts):
            raise AlertError(f"no alert named {name!r} (see news-search alerts list)")
        remaining = [a for a in alerts if a.name != name]
        _save(index_dir, remaining)
        if not remaining:  # nothing follows the index any more: the next alert starts afresh
            (alerts_dir(index_dir) / SEEN_FILE).unlink(missing_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        for path in (delivered_file(index_dir, name),
                     alerts_dir(index_dir) / f"{name}.notify.jsonl"):
            if path.exists():
                os.replace(path, path.with_name(f"{path.name}.removed-{stamp}"))


def get_alert(index_dir: str | os.PathLike[str], name: str) -> SavedSearch:
    for a in load_alerts(index_dir):
        if a.name == name:
            return a
    raise AlertError(f"no alert named {name!r} (see news-search alerts list)")
