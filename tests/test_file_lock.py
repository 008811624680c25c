"""The one file lock (search/indexing/lock.py) with real processes: the index's writer lock,
the scheduler's and the alerts' are the same `FileLock`, so each names its holder and
none outlives a killed holder, even when the holder had forked a child."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from search.indexing.lock import FileLock
from search.schedule.alerts import store_lock
from search.schedule.state import scheduler_lock

PROJECT = Path(__file__).resolve().parent.parent


def _holder(code: str) -> tuple[subprocess.Popen, list[str]]:
    """A process that takes a lock and says so ("locked ..."), with the words it said."""
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=PROJECT,
                            stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    words = proc.stdout.readline().split()
    assert words[:1] == ["locked"], words
    return proc, words[1:]


def test_the_scheduler_and_alerts_locks_name_their_holder_and_wait_or_give_up(tmp_path):
    for lock in (scheduler_lock(tmp_path), store_lock(tmp_path)):
        proc, _ = _holder(f"""
            import sys
            from search.indexing.lock import FileLock
            lock = FileLock({str(lock.path)!r})
            lock.acquire_blocking()
            print("locked", flush=True); sys.stdin.read()
            lock.release()
        """)
        try:
            assert lock.is_held_by_other()
            assert lock.holder()["pid"] == proc.pid
            started = time.monotonic()
            assert lock.try_acquire(wait=0.3) is False
            assert time.monotonic() - started >= 0.3  # it waited, then gave up
        finally:
            proc.communicate("")  # the holder releases: unlocked, its record cleared
        assert not lock.is_held_by_other() and lock.holder() == {}
        assert lock.try_acquire()
        lock.release()


def test_a_killed_holder_frees_the_lock_though_its_forked_child_lives_on(tmp_path):
    path = tmp_path / "schedule.lock"
    proc, (child,) = _holder(f"""
        import os, sys, time
        from search.indexing.lock import FileLock
        lock = FileLock({str(path)!r})
        assert lock.try_acquire()
        started_r, started_w = os.pipe()
        child = os.fork()
        if child == 0:  # a parse worker, a notify command's shell...: inherits the fd
            os.write(started_w, b"x")  # fork has returned here: the at-fork hooks have run
            time.sleep(60)
            os._exit(0)
        # "locked" only once the child runs: on a loaded machine it may not have been
        # scheduled yet when the holder is killed, and then it still holds its copy.
        os.read(started_r, 1)
        print("locked", child, flush=True); sys.stdin.read()
    """)
    lock = FileLock(path)
    try:
        assert lock.is_held_by_other()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # flock is dropped when every copy of the fd is closed: the child closed its copy
        # when it was forked (lock.py's `_held`), so nothing holds it now.
        assert lock.try_acquire(), "a forked child kept the killed holder's lock"
        lock.release()
    finally:
        try:
            os.kill(int(child), signal.SIGKILL)  # it died with its parent, unless that broke
        except ProcessLookupError:
            pass


def test_a_lock_is_not_held_by_its_own_process(tmp_path):
    lock = FileLock(tmp_path / "x.lock")
    assert lock.try_acquire()
    try:
        assert not lock.is_held_by_other()
        assert lock.holder()["pid"] == os.getpid()
    finally:
        lock.release()
