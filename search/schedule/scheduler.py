"""The foreground scheduler: reindex on a schedule, deliver alerts, stop cleanly.

One process, one run at a time: runs happen in this loop's own thread, so two
can never overlap in-process; a due time that passes while a run is going is
skipped (and logged), never queued. A second scheduler on the same index is
refused at start by `schedule.lock` (flock: a killed scheduler never blocks a
new one); a manual `news-search index` meanwhile meets the indexing writer lock,
and a run that finds the lock held is logged as skipped.

On a sharded archive (search/cluster/) the same loop runs the archive's reindex through
its ClusterIndex (Ray tasks read, shard actors write); schedule.lock, schedule.json, the
archive's writer lock, its runs and its alerts all live in the archive folder.

Signals only set a flag (plus a byte on a wakeup pipe to end the idle wait at
once); the run in progress sees the flag through `should_stop` and returns after
its current batch has committed, so a stop never lands mid-commit.
"""
from __future__ import annotations

import os
import select
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ..errors import IndexLockedError, NewsSearchError, SchedulerRunningError
from ..ingest import IngestOptions
from .runlog import RunLog, run_problems, run_summary
from .state import StateFile, scheduler_lock
from .timing import Schedule, format_seconds, missed_cron_times, next_cron_due, next_interval_due, utc_iso


@dataclass
class CycleResult:
    ok: bool
    run: Any = None  # the IndexRun, when reindex returned one
    deliveries: list = field(default_factory=list)


def _reindex(index_dir: Path, ingest: IngestOptions, wait: float, should_stop, archive: Any = None):
    """One reindex through the public API, alerts left to `Scheduler._deliver` (which
    defers them when a stop is asked for and logs each outcome). `archive`: the sharded
    archive's ClusterIndex, whose reindex is `news-search reindex --index-dir ARCHIVE`'s."""
    if archive is not None:
        return archive.reindex(ingest=ingest, wait=wait, should_stop=should_stop, alerts=False)
    from ..api import NewsIndex
    with NewsIndex.open(index_dir, check=False, wait=wait) as ix:
        return ix.reindex(ingest=ingest, wait=wait, should_stop=should_stop, alerts=False)


def _is_archive(index_dir: Path) -> bool:
    from ..cluster.archive import is_archive  # no Ray: the manifest's name only
    return is_archive(index_dir)


class Scheduler:
    def __init__(self, index_dir: str | os.PathLike[str], schedule: Schedule, log: RunLog, *,
                 ingest: IngestOptions = IngestOptions(), wait: float = 0.0):
        self.index_dir = Path(index_dir)
        self.schedule = schedule
        self.log = log
        self.ingest = ingest
        self.wait = wait
        self.stop_signal: int | None = None
        self.running = False
        self.state = StateFile(index_dir, schedule)
        self._lock = scheduler_lock(index_dir)
        self._wake_r: int | None = None
        # A sharded archive (search/cluster/): its ClusterIndex, connected to Ray once, in
        # `acquire`. Its state, lock, run log and alerts live in the archive folder.
        self.archive: Any = None

    # -- lifecycle -----------------------------------------------------------------------
    def acquire(self) -> None:
        """Refuse at start what would fail every run (exit 2): no index, a second
        scheduler. On a sharded archive, also an unreadable manifest or an unreachable
        Ray cluster; connecting here, before `install_signals`, also keeps Ray's own
        SIGTERM handler (`ray.init` sets one that exits at once) from replacing ours."""
        if _is_archive(self.index_dir):
            from ..cluster.archive import read_archive
            read_archive(self.index_dir)  # a damaged manifest: ClusterError (exit 2)
        else:
            from ..indexing.store import read_meta
            read_meta(self.index_dir)  # no index: IndexNotFoundError (exit 2), not a loop of failures
        if not self._lock.try_acquire():
            h = self._lock.holder()
            raise SchedulerRunningError(
                f"another scheduler is already running on {self.index_dir} (pid {h.get('pid', '?')}"
                f" on {h.get('host', '?')} since {h.get('since', '?')}): stop it first")
        if _is_archive(self.index_dir):
            from ..cluster.client import ClusterIndex
            try:
                self.archive = ClusterIndex.open(self.index_dir)
            except BaseException:
                self._lock.release()
                raise

    def release(self) -> None:
        self.state.update(state="stopped", next_due=None)
        if self.archive is not None:
            self.archive.close()
        self._lock.release()

    def _on_signal(self, signum: int, frame: Any) -> None:
        self.stop_signal = signum  # everything else happens in the loop, outside the handler

    def install_signals(self) -> None:
        r, w = os.pipe()
        os.set_blocking(w, False)
        os.set_blocking(r, False)
        self._wake_r = r
        signal.set_wakeup_fd(w)
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    @property
    def stopping(self) -> bool:
        return self.stop_signal is not None

    def _sleep_until(self, deadline_mono: float) -> None:
        """Idle until the monotonic deadline or a signal, whichever comes first."""
        while not self.stopping:
            left = deadline_mono - time.monotonic()
            if left <= 0:
                return
            if self._wake_r is None:
                time.sleep(min(left, 0.5))
                continue
            try:
                ready, _, _ = select.select([self._wake_r], [], [], min(left, 3600))
            except InterruptedError:
                continue
            if ready:
                try:
                    os.read(self._wake_r, 512)
                except BlockingIOError:
                    pass

    # -- one cycle -----------------------------------------------------------------------
    def run_cycle(self) -> CycleResult:
        """Reindex, then deliver alerts. Any failure is logged; nothing escapes."""
        self.log.line("run started (reindex)")
        self.state.update(state="running")
        self.running = True
        t0 = time.monotonic()
        result = CycleResult(ok=False)
        try:
            result.run = _reindex(self.index_dir, self.ingest, self.wait, lambda: self.stopping,
                                  self.archive)
        except IndexLockedError as exc:
            self.log.line(f"run skipped: index locked: {exc}")
        except NewsSearchError as exc:
            self.log.line(f"run failed: {exc}")
        except OSError as exc:
            self.log.line(f"run failed: {exc.strerror or exc} ({type(exc).__name__})"
                          + (f": {exc.filename}" if exc.filename else ""))
        except Exception as exc:  # noqa: BLE001 - a service must outlive one bad run
            self.log.line(f"run failed: unexpected {type(exc).__name__}: {exc}")
        finally:
            self.running = False
        took = time.monotonic() - t0
        run = result.run
        if run is not None:
            self.log.line(run_summary(run, took))
            for text in run_problems(run):
                self.log.line(text)
            # An error (a missing root: an unmounted disk) must not look healthy to cron.
            result.ok = run.outcome in ("ok", "interrupted") and not run.errors
        self.state.update(last_run={
            "started": utc_iso(run.started) if run else None,
            "finished": utc_iso(datetime.now(timezone.utc)),
            "outcome": run.outcome if run else "failed", "took": round(took, 3)})
        if self.stopping:
            self.log.line("alerts deferred: stopping (they are delivered at the next start)")
            return result
        result.deliveries = self._deliver(run)
        return result

    def _deliver(self, run: Any) -> list:
        from ..api import NewsIndex
        try:
            if self.archive is not None:
                deliveries = self.archive.alerts.deliver(run)
            else:
                with NewsIndex(None, index_dir=self.index_dir) as ix:  # opened by the first search
                    deliveries = ix.alerts.deliver(run)
        except NewsSearchError as exc:
            self.log.line(f"alerts failed: {exc}")
            return []
        except Exception as exc:  # noqa: BLE001 - delivery is retried at the next run
            self.log.line(f"alerts failed: unexpected {type(exc).__name__}: {exc}")
            return []
        for d in deliveries:
            if d.new or d.notified or d.error:
                self.log.line(f"alert {d.alert}: {len(d.new)} new" +
                              (f", {d.notified} notified" if d.notified else "") +
                              (f", error: {d.error}" if d.error else ""))
        return deliveries

    # -- the loop ------------------------------------------------------------------------
    def run_forever(self) -> None:
        self.log.line(f"schedule started: {self.schedule.describe()}, index {self.index_dir}, "
                      f"pid {os.getpid()}")
        if self.schedule.every is not None:
            self._loop_interval(self.schedule.every)
        else:
            self._loop_cron(self.schedule.cron)
        self.log.line(f"schedule stopped ({signal.Signals(self.stop_signal).name})"
                      if self.stop_signal else "schedule stopped")

    def _announce(self, next_wall: datetime, missed: int, took: float) -> None:
        if missed:
            self.log.line(f"run took {format_seconds(took)}, longer than the schedule allows: "
                          f"skipped {missed} due time(s), next run at {utc_iso(next_wall)}")
        self.state.update(state="idle", next_due=utc_iso(next_wall))

    def _timed_cycle(self) -> float | None:
        """Run one cycle and return how long it took; None when a stop was asked for before
        or during it (the loop then ends)."""
        if self.stopping:
            return None
        t0 = time.monotonic()
        self.run_cycle()
        return None if self.stopping else time.monotonic() - t0

    def _loop_interval(self, interval: float) -> None:
        due = time.monotonic()
        self.state.update(next_due=utc_iso(datetime.now(timezone.utc)))
        while True:
            self._sleep_until(due)
            took = self._timed_cycle()
            if took is None:
                return
            now = time.monotonic()
            due, missed = next_interval_due(due, interval, now)
            self._announce(datetime.now(timezone.utc) + timedelta(seconds=due - now), missed, took)

    def _loop_cron(self, expr: str) -> None:
        due_wall = next_cron_due(expr, datetime.now(timezone.utc))
        self.state.update(next_due=utc_iso(due_wall))
        while True:
            # Re-read the wall clock on every wake-up: cron times follow clock changes.
            while not self.stopping:
                left = (due_wall - datetime.now(timezone.utc)).total_seconds()
                if left <= 0:
                    break
                self._sleep_until(time.monotonic() + min(left, 60))
            took = self._timed_cycle()
            if took is None:
                return
            now_wall = datetime.now(timezone.utc)
            missed = missed_cron_times(expr, due_wall, now_wall)
            due_wall = next_cron_due(expr, now_wall)
            self._announce(due_wall, missed, took)
