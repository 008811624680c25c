"""The scheduler as a service: real `news-search schedule` processes on real corpus folders."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from helpers import cli, cli_process, index_files, wait_for
from schedule_helpers import (
    SchedulerProcess,
    counts,
    extract_bbc,
    index_api,
    index_ids,
    make_corpus,
    query_ids,
    read_log,
    run_lines,
    write_article,
)


@pytest.fixture
def small(tmp_path):
    """Seeds + 10 BBC politics articles, indexed."""
    corpus = make_corpus(tmp_path / "corpus", bbc=10)
    index_dir = tmp_path / "index"
    index_files(index_dir, corpus)
    return corpus, index_dir


def test_new_changed_and_deleted_files_are_picked_up_within_one_interval(small, tmp_path):
    corpus, index_dir = small
    before = index_ids(index_dir)
    gone = corpus / "bbc" / "politics-003.txt"
    gone_id = next(i for i, p in before.items() if p and p.endswith("politics-003.txt"))
    sched = SchedulerProcess(index_dir, tmp_path / "log", "--every", "2s")
    try:
        first = sched.wait_runs(1)[0]
        assert counts(first)["added"] == "0" and first.split()[2] == "ok", first
        # Right after a run: the scheduler is idle until the next due time, 2s away.
        write_article(corpus / "new" / "zq.txt", "Zanzibarquux talks open",
                      "Delegates met in Zanzibarquux to open talks on fishing rights.")
        changed = corpus / "bbc" / "politics-001.txt"
        changed.write_text(changed.read_text("utf-8") + "\nQuuxchanged: a late correction.\n",
                           "utf-8")
        gone.unlink()
        t0 = time.monotonic()
        second = sched.wait_runs(2)[1]
        elapsed = time.monotonic() - t0
        c = counts(second)
        assert (c["added"], c["updated"], c["deleted"]) == ("1", "1", "1"), second
        assert elapsed < 2 + 10, f"picked up after {elapsed:.1f}s with a 2s interval"
        # Another process searching the index sees all three changes.
        assert len(query_ids(index_dir, "zanzibarquux")) == 1
        assert len(query_ids(index_dir, "quuxchanged")) == 1
        assert gone_id not in index_ids(index_dir)
    finally:
        assert sched.stop() == 0


def test_sigterm_during_a_run_exits_0_and_leaves_a_consistent_index(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    index_files(index_dir, corpus)
    sched = SchedulerProcess(index_dir, tmp_path / "log", "--every", "1s")
    try:
        sched.wait_runs(1)
        extract_bbc(corpus / "bbc", 417, "politics")
        extract_bbc(corpus / "bbc", 400, "business")
        # Wait for a run that starts after all files are in place, then stop it at once.
        starts = len([ln for ln in read_log(sched.log) if "run started" in ln])
        wait_for(lambda: len([ln for ln in read_log(sched.log) if "run started" in ln]) > starts,
                 30, "a run over the new files to start")
        sched.proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        assert sched.stop(timeout=120) == 0
        took = time.monotonic() - t0
    finally:
        sched.kill()
    log = read_log(sched.log)
    assert log[-1].endswith("schedule stopped (SIGTERM)"), log[-3:]
    last = run_lines(sched.log)[-1]
    outcome = last.split()[2]
    assert outcome in ("interrupted", "ok"), last
    if outcome == "interrupted":
        assert int(counts(last)["added"]) < 817
    # The index opens in another process and holds each article once; a rerun completes it.
    ids = index_ids(index_dir)
    assert 2 <= len(ids) <= 819
    _, reindex = index_api()
    run = reindex(index_dir)
    assert run.outcome == "ok"
    after = index_ids(index_dir)
    index_files(tmp_path / "clean", corpus)  # what an uninterrupted build of the corpus holds
    assert after == index_ids(tmp_path / "clean")
    assert len(after) > 700  # BBC repeats a few articles word for word: those are skipped
    print(f"stopped {took:.2f}s after SIGTERM; {len(ids)} articles committed then")


def _corrupt_archive(path: Path) -> Path:
    """A .tar.gz whose compressed stream is cut short: fails to read, even for root."""
    data = gzip.compress(b"x" * 200_000)
    path.write_bytes(data[: len(data) // 3])
    return path


def test_a_corrupt_file_and_a_missing_root_are_logged_and_the_schedule_goes_on(small, tmp_path):
    corpus, index_dir = small
    _corrupt_archive(corpus / "broken.tar.gz")
    os.symlink(corpus / "no-such-file.txt", corpus / "dangling.txt")  # unreadable for root too
    sched = SchedulerProcess(index_dir, tmp_path / "log", "--every", "1s")
    try:
        runs = sched.wait_runs(2)  # the next run happens after the one that hit them
        assert int(counts(runs[0])["skipped"]) >= 2 and runs[1].split()[2] == "ok", runs
        log = "\n".join(read_log(sched.log))
        assert "skipped: broken.tar.gz" in log and "skipped: dangling.txt" in log
        # The whole corpus root disappears (an unmounted share): logged, and the loop goes on.
        shutil.move(corpus, tmp_path / "away")
        n = len(sched.runs())
        failed = wait_for(lambda: [ln for ln in read_log(sched.log)[-20:]
                                   if "run failed" in ln or "no such file" in ln.lower()],
                          30, "the missing root to be logged")
        assert failed
        shutil.move(tmp_path / "away", corpus)
        wait_for(lambda: len(sched.runs()) > n and counts(sched.runs()[-1])["deleted"] == "0"
                 and sched.runs()[-1].split()[2] == "ok", 30, "a good run after the root is back")
        assert sched.proc.poll() is None
    finally:
        assert sched.stop() == 0
    assert len(index_ids(index_dir)) == 12  # nothing was lost while the root was away


def test_two_schedulers_on_one_index_never_run_concurrently(small, tmp_path):
    corpus, index_dir = small
    first = SchedulerProcess(index_dir, tmp_path / "log1", "--every", "1s")
    try:
        first.wait_runs(1)
        second = cli_process("schedule", "--every", "1s", "--index-dir", str(index_dir))
        assert second.exit_code == 2
        assert f"pid {first.proc.pid}" in second.stderr and "already running" in second.stderr
        assert "Traceback" not in second.stderr and len(second.stderr.strip().splitlines()) == 1
        once = cli_process("schedule", "--once", "--index-dir", str(index_dir))
        assert once.exit_code == 2 and "already running" in once.stderr
        # The first one keeps its schedule.
        first.wait_runs(3)
        state = json.loads((index_dir / "schedule.json").read_text())
        assert state["pid"] == first.proc.pid and state["next_due"]
    finally:
        assert first.stop() == 0
    # Once it is gone, another may start (the flock died with it, nothing stale is left).
    again = cli_process("schedule", "--once", "--index-dir", str(index_dir))
    assert again.exit_code == 0, again.stderr


def test_a_manual_index_while_the_scheduler_runs_waits_or_fails_clearly(small, tmp_path):
    corpus, index_dir = small
    extra = tmp_path / "extra"
    extract_bbc(extra, 400, "business")
    extract_bbc(extra, 300, "tech")
    sched = SchedulerProcess(index_dir, tmp_path / "log", "--every", "1s")
    try:
        sched.wait_runs(1)
        # The manual writer either gets the lock or fails at once with the holder named...
        for _ in range(50):
            r = cli("index", str(extra), "--index-dir", str(index_dir))
            if r.exit_code == 0:
                break
            assert r.exit_code == 2 and "lock" in r.stderr.lower(), r.stderr
            assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert r.exit_code == 0, "the manual index never got the lock between scheduled runs"
        # ...and the scheduled runs due while it held the lock were skipped, not run alongside.
        log = "\n".join(read_log(sched.log))
        assert "run skipped: index locked" in log, log[-2000:]
        n = len(sched.runs())
        sched.wait_runs(n + 1)  # and the schedule goes on
    finally:
        assert sched.stop() == 0
    ids = index_ids(index_dir)
    index_paths, _ = index_api()
    index_files(tmp_path / "clean", corpus)
    index_paths(tmp_path / "clean", [extra])
    assert ids == index_ids(tmp_path / "clean")  # nothing lost, nothing doubled
    assert len(ids) > 600


def test_state_file_shows_next_due_and_whether_a_scheduler_is_alive(small, tmp_path):
    from search.schedule import read_state
    corpus, index_dir = small
    assert read_state(index_dir) is None
    sched = SchedulerProcess(index_dir, tmp_path / "log", "--every", "1h")
    try:
        sched.wait_runs(1)
        state = wait_for(lambda: (s := read_state(index_dir)) and s["state"] == "idle" and s, 10,
                         "idle state")
        assert state["alive"] and state["pid"] == sched.proc.pid
        assert state["schedule"] == {"every": "1h", "seconds": 3600.0}
        assert state["last_run"]["outcome"] == "ok"
        assert state["next_due"] > state["last_run"]["finished"]
    finally:
        assert sched.stop() == 0
    state = read_state(index_dir)
    assert not state["alive"] and state["state"] == "stopped"


def test_sigterm_while_idle_exits_at_once(small, tmp_path):
    corpus, index_dir = small
    sched = SchedulerProcess(index_dir, tmp_path / "log", "--cron", "0 0 1 1 *")
    wait_for(lambda: any("schedule started" in ln for ln in read_log(sched.log)), 30, "start")
    t0 = time.monotonic()
    assert sched.stop(signal.SIGINT) == 0
    assert time.monotonic() - t0 < 5
    assert run_lines(sched.log) == []  # cron waits for its time, it does not run at start


def test_once_and_usage_errors(small, tmp_path):
    corpus, index_dir = small
    ok = cli_process("schedule", "--once", "--index-dir", str(index_dir))
    assert ok.exit_code == 0, ok.stderr
    assert " run ok " in ok.stderr and "unchanged=12" in ok.stderr
    missing = cli("schedule", "--once", "--index-dir", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "no index" in missing.stderr
    assert "Traceback" not in missing.stderr
    for bad in (["--every", "15"], ["--cron", "* * *"], ["--every", "1m", "--cron", "* * * * *"], []):
        r = cli("schedule", *bad, "--index-dir", str(index_dir))
        assert r.exit_code == 2 and "Traceback" not in r.stderr, (bad, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    helptext = cli("schedule", "--help").stdout
    assert "Examples:" in helptext and "--every 15m" in helptext


def test_a_run_longer_than_the_interval_skips_due_times_and_never_overlaps(small, tmp_path):
    corpus, index_dir = small
    sched = SchedulerProcess(index_dir, tmp_path / "log", "--every", "1s")
    try:
        sched.wait_runs(1)
        extract_bbc(corpus / "bbc", 500, "sport")
        extract_bbc(corpus / "bbc", 300, "entertainment")
        long_run = wait_for(lambda: [r for r in sched.runs() if int(counts(r)["added"]) > 0],
                            120, "the run over 800 new files")[0]
        n = len(sched.runs())
        sched.wait_runs(n + 1)
    finally:
        assert sched.stop() == 0
    log = read_log(sched.log)
    took = counts(long_run)["took"]
    seconds = float(took[:-1]) if took.endswith("s") and "m" not in took else 60.0
    assert seconds >= 1.0, f"the run was too quick ({took}) to outlast the 1s interval"
    after = log[log.index(long_run):]
    assert any("longer than the schedule allows: skipped" in ln for ln in after[:12]), after[:12]
    # Runs never overlap: every start is followed by its own end before the next start.
    events = [("start" if "run started" in ln else "end") for ln in log
              if "run started" in ln or (" run " in ln and " started=" in ln)]
    assert all(a != b for a, b in zip(events, events[1:])), events
