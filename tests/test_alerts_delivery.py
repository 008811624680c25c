"""Saved-search delivery: exactly once per article and search, through restarts and SIGKILL."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from conftest import corpus_file
from helpers import index_files, wait_for
from schedule_helpers import (
    SchedulerProcess,
    extract_bbc,
    index_api,
    make_corpus,
    query_ids,
    read_log,
    write_article,
)

from search.api import NewsIndex
from search.indexing.durable import read_jsonl
from search.schedule import delivery
from search.schedule.alerts import SavedSearch, delivered_file
from search.schedule.delivery import delivered_ids


def create_alert(index_dir: Path, alert: SavedSearch) -> None:
    """Save `alert`, its query run by the index's own searches (as `NewsIndex.alerts` does)."""
    with NewsIndex.open(index_dir) as ix:
        delivery.create_alert(ix, alert)


def deliver_alerts(index_dir: Path, run=None) -> list[delivery.Delivery]:
    with NewsIndex.open(index_dir, check=False) as ix:
        return delivery.deliver_alerts(ix, run)


@pytest.fixture
def seeded(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    index_files(index_dir, corpus)
    return corpus, index_dir


def _lines(path: Path) -> list[dict]:
    return list(read_jsonl(path))


def test_new_and_changed_matches_are_delivered_once(seeded):
    corpus, index_dir = seeded
    _, reindex = index_api()
    # Variants come from the search API: "Lukashenko" also finds the seed's "Lukashenka".
    create_alert(index_dir, SavedSearch("belarus", "Lukashenko"))
    create_alert(index_dir, SavedSearch("eurasian", "Lukashenko", sources=("eurasiantimes",)))
    write_article(corpus / "rferl" / "a.txt", "Lukashenko meets Putin", "Lukashenko met Putin.")
    write_article(corpus / "rferl" / "b.txt", "Weather", "Sunny skies across the region.")
    run = reindex(index_dir)
    assert run.added == 2
    got = {d.alert: d for d in deliver_alerts(index_dir, run)}
    assert [r["headline"] for r in got["belarus"].new] == ["Lukashenko meets Putin"]
    assert got["eurasian"].new == []  # the source filter applies
    # The seed that already mentioned Lukashenka was there before the alert: not news.
    assert len(_lines(delivered_file(index_dir, "belarus"))) == 1
    # Delivering the same run again (a retry) adds nothing.
    assert all(not d.new for d in deliver_alerts(index_dir, run))
    # A changed article that now matches is delivered; changing it again is not news twice.
    write_article(corpus / "rferl" / "b.txt", "Weather", "Lukashenko blamed the rain.")
    run = reindex(index_dir)
    assert run.updated == 1
    assert [r["path"] for r in deliver_alerts(index_dir, run)[0].new] == ["rferl/b.txt"]
    write_article(corpus / "rferl" / "b.txt", "Weather", "Lukashenko blamed the snow.")
    run = reindex(index_dir)
    assert all(not d.new for d in deliver_alerts(index_dir, run))
    ids = [r["id"] for r in _lines(delivered_file(index_dir, "belarus"))]
    assert len(ids) == len(set(ids)) == 2


def test_changes_from_a_run_that_never_reported_are_still_delivered(seeded):
    """A run killed after committing returns no changed_ids: the seen-hashes diff finds them."""
    corpus, index_dir = seeded
    index_paths, reindex = index_api()
    create_alert(index_dir, SavedSearch("kyiv", "Kyiv"))
    for i in range(3):
        write_article(corpus / "new" / f"k{i}.txt", f"Kyiv report {i}", "News from Kyiv today.")
    index_paths(index_dir, [corpus])  # nobody calls deliver_alerts for this run
    out = deliver_alerts(index_dir)  # e.g. the scheduler's next cycle, or `alerts deliver`
    assert len(out[0].new) == 3
    assert deliver_alerts(index_dir)[0].new == []


def test_a_full_rebuild_delivers_only_what_really_changed(seeded):
    corpus, index_dir = seeded
    _, reindex = index_api()
    create_alert(index_dir, SavedSearch("belarus", "Lukashenko"))  # a seed matches already
    write_article(corpus / "rferl" / "new.txt", "Lukashenko in Minsk", "Lukashenko spoke.")
    run = reindex(index_dir, full=True)
    assert run.outcome == "ok" and len(run.changed_ids) >= 3  # the whole archive, re-added
    out = deliver_alerts(index_dir, run)[0]
    assert [r["path"] for r in out.new] == ["rferl/new.txt"]


def test_a_torn_last_line_is_redone_not_duplicated(seeded):
    corpus, index_dir = seeded
    _, reindex = index_api()
    create_alert(index_dir, SavedSearch("kyiv", "Kyiv"))
    write_article(corpus / "new" / "k.txt", "Kyiv report", "News from Kyiv.")
    reindex(index_dir)
    # A crash mid-append, before `seen` was updated: half a record at the end of the ledger.
    path = delivered_file(index_dir, "kyiv")
    path.write_bytes(b'{"delivered": "2026-11-21T10:00:00Z", "alert": "kyiv", "id": "ab')
    assert len(deliver_alerts(index_dir)[0].new) == 1
    records = _lines(path)
    assert len(records) == 1 and records[0]["headline"] == "Kyiv report"
    assert path.read_bytes().count(b"\n") == 1


def test_notify_gets_json_lines_and_a_failed_command_is_retried(seeded, tmp_path):
    corpus, index_dir = seeded
    _, reindex = index_api()
    out = tmp_path / "notified.jsonl"
    gate = tmp_path / "mail-server-up"
    script = ("import sys, os; os.path.exists(sys.argv[1]) or sys.exit('mail server down'); "
              "open(sys.argv[2], 'a').write(sys.stdin.read())")
    cmd = f"{sys.executable} -c \"{script}\" {gate} {out}"
    create_alert(index_dir, SavedSearch("kyiv", "Kyiv", notify=cmd))
    write_article(corpus / "new" / "k1.txt", "Kyiv report one", "News from Kyiv.")
    d = deliver_alerts(index_dir, reindex(index_dir))[0]
    assert len(d.new) == 1 and d.notified == 0 and "mail server down" in d.error
    assert not out.exists()
    gate.touch()
    write_article(corpus / "new" / "k2.txt", "Kyiv report two", "More news from Kyiv.")
    d = deliver_alerts(index_dir, reindex(index_dir))[0]
    assert len(d.new) == 1 and d.notified == 2 and d.error is None  # the failed one, retried
    assert deliver_alerts(index_dir)[0].notified == 0
    sent = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["headline"] for r in sent) == ["Kyiv report one", "Kyiv report two"]


def test_each_match_is_delivered_exactly_once_across_sigkills(tmp_path, request):
    """Stop the scheduler in the three crash windows - kill -9 as a run starts; SIGTERM in
    a run (its batch commits, delivery is deferred: committed but not delivered); kill -9 as
    soon as a run has committed, while it delivers - restarting it each time."""
    corpus_file("bbc")  # skips (without the corpora) before any scheduler is started
    corpus = make_corpus(tmp_path / "corpus")
    index_dir = tmp_path / "index"
    index_files(index_dir, corpus)
    create_alert(index_dir, SavedSearch("quokka", "quokkafest"))
    log = tmp_path / "log"

    def add_round(n: int, bbc_start: int) -> None:
        for i in range(20):
            write_article(corpus / f"a-round{n}" / f"q{i}.txt", f"Quokkafest day {n}.{i}",
                          f"The quokkafest parade, part {i} of round {n}.")
        extract_bbc(corpus / f"bbc{n}", 150, "sport", start=bbc_start)  # makes the run last

    def count(word: str) -> int:
        return len([x for x in read_log(log) if word in x])

    def start() -> SchedulerProcess:
        sched = SchedulerProcess(index_dir, log, "--every", "1s")
        request.addfinalizer(sched.kill)  # a failing or skipping test leaves none running
        return sched

    windows = []
    # 1. kill -9 as a run starts.
    sched = start()
    sched.wait_runs(1)
    add_round(1, 1)
    n = count("run started")
    wait_for(lambda: count("run started") > n, 30, "a run over round 1")
    sched.kill()
    # 2. SIGTERM during a run: what it committed is indexed but not delivered.
    add_round(2, 151)
    n = count("run started")
    sched = start()
    wait_for(lambda: count("run started") > n, 30, "a run over round 2")
    assert sched.stop() == 0
    if len(delivered_ids(index_dir, "quokka")) < len(query_ids(index_dir, "quokkafest")):
        windows.append("committed, not delivered")
    # 3. kill -9 as soon as a run reports its commit, while it delivers.
    add_round(3, 301)
    n = count(" run ok ") + count(" run interrupted ")
    sched = start()
    wait_for(lambda: count(" run ok ") + count(" run interrupted ") > n, 60, "a run to commit",
             poll=0.005)
    sched.kill()
    if len(delivered_ids(index_dir, "quokka")) < len(query_ids(index_dir, "quokkafest")):
        windows.append("delivering")
    # Restart and let it settle: every match delivered, none twice.
    sched = start()
    try:
        wait_for(lambda: len(query_ids(index_dir, "quokkafest")) == 60, 60, "all 60 indexed")
        expected = query_ids(index_dir, "quokkafest")
        wait_for(lambda: delivered_ids(index_dir, "quokka") == expected, 60,
                 "every match delivered")
    finally:
        assert sched.stop() == 0
    ids = [r["id"] for r in read_jsonl(delivered_file(index_dir, "quokka"))]
    assert len(ids) == len(set(ids)) == 60, f"duplicates after stops in windows {windows}"
    assert "committed, not delivered" in windows, "the SIGTERM did not land in a run"
    print("crash windows hit:", windows)
