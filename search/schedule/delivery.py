"""Delivering saved-search matches after a reindex, exactly once per article and search.

Crash windows and what covers each (kill -9 can land anywhere):

1. During the reindex, after some batches committed: `run.changed_ids` is never
   returned, so it cannot be what tells us which articles are new. What does:
   `alerts/seen.txt`, the set of content hashes the index held at the last
   completed delivery. Every delivery compares it with the index's current
   content hashes (a lexicon read, no stored documents loaded), and the new
   hashes' articles join the candidates. So work committed by a killed run - or
   by a manual `news-search index` that did not call `deliver_alerts` - is still
   delivered at the next delivery.
2. During delivery: records are appended to `alerts/NAME.jsonl` and fsynced
   before anything else happens; that file *is* the ledger (ids already there are
   never delivered again), and a torn last line is cut off and redone.
   `seen.txt` is replaced (atomically) only after every search has been
   delivered, so a crash before that repeats the delivery, deduplicated.
3. Notify commands: the ids sent are recorded in `alerts/NAME.notify.jsonl`
   ("sending" before the command starts, then "sent" or "failed"). A failed
   command (non-zero exit, timeout) is retried at the next delivery; a crash while
   the command runs leaves "sending" without an outcome, and those ids are *not*
   resent: delivery is at most once, and the articles are in the alerts file.

A saved search only ever sees articles that are new or changed after the last
delivery before it was added, never the whole archive.
"""
from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import AlertError, NewsSearchError, QueryError
from ..indexing.durable import append_lines, read_jsonl, replace_file
from ..indexing.store import IndexHandle, open_index
from .alerts import SEEN_FILE, SavedSearch, add_alert, alerts_dir, delivered_file, load_alerts, store_lock
from .matching import SearchableIndex, check_query, match
from .timing import utc_iso

NOTIFY_TIMEOUT = 120.0  # seconds a notify command may take before it counts as failed


@dataclass
class Delivery:
    """What one saved search got from one delivery."""

    alert: str
    new: list[dict[str, Any]] = field(default_factory=list)  # records appended now
    notified: int = 0  # records piped to the notify command now
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"alert": self.alert, "new": len(self.new), "ids": [r["id"] for r in self.new],
                "notified": self.notified, "error": self.error}


@dataclass
class Seen:
    """`alerts/seen.txt`: first line `# VERSION`, then one content hash a line."""

    version: str
    hashes: set[str]


def _read_seen(folder: Path) -> Seen | None:
    try:
        lines = (folder / SEEN_FILE).read_text("ascii").splitlines()
    except FileNotFoundError:
        return None
    version = lines[0][2:] if lines and lines[0].startswith("# ") else ""
    return Seen(version, {ln for ln in lines if ln and not ln.startswith("#")})


def _write_seen(folder: Path, seen: Seen) -> None:
    text = f"# {seen.version}\n" + "".join(h + "\n" for h in sorted(seen.hashes))
    replace_file(folder / SEEN_FILE, text.encode("ascii"))


def _current(handle: IndexHandle | Any, seen: Seen | None) -> Seen:
    """The index's content hashes now; the lexicon is only read if something was committed
    since `seen` (a no-change cycle costs one TOC read, not a lexicon scan)."""
    version = handle.version()
    if seen is not None and seen.version == version:
        return seen
    # Read the version first: a commit landing in between makes the next version differ,
    # so the next delivery rescans rather than trusting a stale set.
    return Seen(version, handle.content_hashes())


def open_contents(index: SearchableIndex) -> Any:
    """What delivery reads of the index (version, content hashes, ids of hashes): the
    index folder's `IndexHandle`, or, for an index spread over several (a sharded
    archive), the handle its `open_contents()` gives, with the same three methods."""
    opener = getattr(index, "open_contents", None)
    return opener() if opener is not None else open_index(index.index_dir)


def create_alert(index: SearchableIndex, alert: SavedSearch) -> None:
    """Save a search after checking its query; it will see articles new from now on."""
    check_query(index, alert)
    folder = alerts_dir(index.index_dir)

    def start_tracking() -> None:
        # Only when nothing is tracked yet: with other alerts present, `seen` stays as it
        # is so that they do not lose what arrived since the last delivery.
        if _read_seen(folder) is None:
            with open_contents(index) as handle:
                _write_seen(folder, _current(handle, None))

    add_alert(index.index_dir, alert, before_save=start_tracking)


def delivered_ids(index_dir: str | os.PathLike[str], name: str) -> set[str]:
    return {r["id"] for r in read_jsonl(delivered_file(index_dir, name)) if "id" in r}


def deliver_alerts(index: SearchableIndex, run: Any = None) -> list[Delivery]:
    """Run every saved search over the articles added or changed since the last delivery
    (including `run.changed_ids`, if a run is given) and deliver the new matches.

    `index` is the `NewsIndex` whose searches the alerts run (the caller's open one:
    its searcher serves every saved search), or a sharded archive's `ClusterIndex`. Call it after every indexing run
    (scheduled or manual). Safe to call at any time and from several processes (they
    take turns on `alerts/.lock`); calling it twice delivers nothing twice. Raises
    only NewsSearchError subclasses (e.g. no index).
    """
    if not load_alerts(index.index_dir):
        return []
    try:
        return _deliver_all(index, run)
    except OSError as exc:  # e.g. a full disk writing seen.txt: the next delivery redoes it
        raise AlertError(f"alerts not delivered: {exc.strerror or exc}"
                         + (f": {exc.filename}" if exc.filename else "")) from None


def _deliver_all(index: SearchableIndex, run: Any) -> list[Delivery]:
    index_dir = index.index_dir
    folder = alerts_dir(index_dir)
    folder.mkdir(exist_ok=True)
    with store_lock(index_dir):
        alerts = load_alerts(index_dir)  # again, under the lock: add/remove may have raced
        if not alerts:
            return []
        seen = _read_seen(folder)
        candidates = _run_changes(run)
        with open_contents(index) as handle:  # one open for the version, hashes and ids
            current = _current(handle, seen)
            if seen is not None and current is not seen:
                candidates |= handle.ids_with_hashes(current.hashes - seen.hashes)
        outcomes = [_deliver_one(index, a, candidates) for a in alerts]
        # If an index or I/O failure kept some search from handling the candidates, keep
        # the old `seen` so that the next delivery offers them again (deduplicated).
        if current is not seen and all(handled for _, handled in outcomes):
            _write_seen(folder, current)
        return [d for d, _ in outcomes]


def _run_changes(run: Any) -> set[str]:
    """Ids a run reports as added or changed. A full rebuild re-adds every article into a
    new generation, so its list is the whole archive: the content-hash diff, which sees
    only what really changed, decides for it instead."""
    if run is None or "full" in (getattr(run, "kind", "") or ""):
        return set()
    return set(getattr(run, "changed_ids", None) or ())


def _deliver_one(index: SearchableIndex, alert: SavedSearch,
                 candidates: Collection[str]) -> tuple[Delivery, bool]:
    """The delivery, and whether the candidates were dealt with (delivered, or the query
    is unusable and would fail on them again anyway)."""
    index_dir = index.index_dir
    result = Delivery(alert.name)
    path = delivered_file(index_dir, alert.name)
    try:
        ledger = delivered_ids(index_dir, alert.name)
        todo = [i for i in candidates if i not in ledger]
        records = match(index, alert, todo) if todo else []
        stamp = utc_iso(datetime.now(timezone.utc))
        records.sort(key=lambda r: (r.get("published") or "", r["id"]))
        result.new = [{"delivered": stamp, "alert": alert.name, **r} for r in records]
        append_lines(path, [json.dumps(r, ensure_ascii=False) for r in result.new])
    except QueryError as exc:
        result.error = f"query: {exc}"
        return result, True
    except (NewsSearchError, OSError) as exc:
        result.error = f"{type(exc).__name__}: {exc}"
        return result, False
    if alert.notify:
        result.notified, result.error = _notify(index_dir, alert)
    return result, True


def _notify(index_dir: str | os.PathLike[str], alert: SavedSearch) -> tuple[int, str | None]:
    """Pipe every delivered-but-not-yet-notified record to the command's stdin."""
    log = alerts_dir(index_dir) / f"{alert.name}.notify.jsonl"
    events = list(read_jsonl(log))
    failed = {e["batch"] for e in events if e.get("state") == "failed"}
    done: set[str] = set()
    for e in events:
        if e.get("state") == "sending" and e["batch"] not in failed:
            done.update(e["ids"])
    pending = [r for r in read_jsonl(delivered_file(index_dir, alert.name))
               if r.get("id") not in done]
    if not pending:
        return 0, None
    batch = f"{os.getpid()}-{datetime.now(timezone.utc).timestamp():.6f}"
    append_lines(log, [json.dumps({"batch": batch, "state": "sending",
                                   "ids": [r["id"] for r in pending]})])
    payload = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in pending)
    error = None
    try:
        proc = subprocess.run(alert.notify, shell=True, input=payload.encode("utf-8"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              timeout=NOTIFY_TIMEOUT)
        if proc.returncode != 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            error = f"notify command exited {proc.returncode}: {tail[0]}"
    except subprocess.TimeoutExpired:
        error = f"notify command timed out after {NOTIFY_TIMEOUT:.0f}s"
    except OSError as exc:
        error = f"notify command could not start: {exc}"
    append_lines(log, [json.dumps({"batch": batch, "state": "failed" if error else "sent",
                                   **({"error": error} if error else {})})])
    return (0 if error else len(pending)), error
