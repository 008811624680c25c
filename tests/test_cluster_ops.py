"""Operating a sharded archive as one index is operated: the scheduler, alerts, `stats`,
`check [--repair]` and `reindex --full`, through the real CLI and the API.

One module-wide real Ray cluster (`ray.cluster_utils.Cluster`: a head and a second node)
and small corpora of plain-text stories (tests/helpers.py `write_articles`), so that
each test builds its own 4-shard archive in seconds, beside one plain index of the same
files: what the archive does (alerts delivered, statistics) must equal what the index
does. Skips without Ray (the `cluster` extra), except in CI, where it fails.
"""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from helpers import cli, cli_process, wait_for, write_articles
from ray_cluster import Cluster, ray, two_node_cluster  # skips this module without Ray (fails in CI)
from schedule_helpers import SchedulerProcess

from search.cluster import create_archive
from search.cluster.client import ClusterIndex

pytestmark = [pytest.mark.slow]

SHARDS = 4


cluster = pytest.fixture(scope="module", name="cluster")(two_node_cluster)


class Pair:
    """A 4-shard archive and one plain index of the same corpus folder."""

    def __init__(self, root: Path, cluster: Cluster, articles: int = 40):
        self.corpus = write_articles(root / "corpus", articles)
        self.archive = root / "archive"
        self.single = root / "single"
        self.env = {"RAY_ADDRESS": cluster.address}
        create_archive(self.archive, SHARDS)
        for index_dir in (self.archive, self.single):
            cli("index", str(self.corpus), "--index-dir", str(index_dir), check=True)

    def both(self, *args: str) -> tuple:
        """The same command on the archive and on the index (in this process)."""
        return tuple(cli(*args, "--index-dir", str(d)) for d in (self.archive, self.single))

    def free(self) -> None:
        ix = ClusterIndex.open(self.archive)
        for shard in ix.archive.shards:
            ray.kill(ix.actor(shard), no_restart=True)


@pytest.fixture
def pair(cluster, tmp_path):
    p = Pair(tmp_path, cluster)
    yield p
    p.free()


def delivered(index_dir: Path, name: str) -> list[dict]:
    """The alert's ledger without the delivery time (which differs between two runs)."""
    path = index_dir / "alerts" / f"{name}.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    return [{k: v for k, v in r.items() if k != "delivered"} for r in rows]


def test_a_scheduled_run_on_an_archive_picks_up_new_files_and_delivers_what_one_index_does(pair):
    for d in (pair.archive, pair.single):
        cli("alerts", "add", "ports", "harbour OR refinery", "--index-dir", str(d), check=True)
    write_articles(pair.corpus, 12, start=40)  # new files
    story = pair.corpus / "story-0003.txt"      # a changed file
    story.write_text(story.read_text("utf-8") + "A refinery fire was reported.\n", "utf-8")
    (pair.corpus / "story-0005.txt").unlink()   # a deleted file
    runs = [cli_process("schedule", "--once", "--index-dir", str(d), env=pair.env)
            for d in (pair.archive, pair.single)]
    for done in runs:
        assert done.exit_code == 0, done.stderr
    line = next(ln for ln in runs[0].stderr.splitlines() if " run ok " in ln)
    assert "added=12 updated=1 deleted=1" in line, runs[0].stderr
    assert (pair.archive / "alerts" / "ports.jsonl").exists(), runs[0].stderr
    got, want = delivered(pair.archive, "ports"), delivered(pair.single, "ports")
    assert got == want and len(got) >= 3  # same ids, order, headlines, snippets
    assert "story-0003.txt" in {Path(r["path"]).name for r in got}
    assert f"alert ports: {len(got)} new" in runs[0].stderr
    # Nothing new: the next cycle delivers nothing, and alerts show/list read the ledger.
    again = cli_process("schedule", "--once", "--index-dir", str(pair.archive), env=pair.env)
    assert again.exit_code == 0 and "alert ports" not in again.stderr, again.stderr
    shown = cli("alerts", "show", "ports", "--json", "--index-dir", str(pair.archive))
    assert shown.exit_code == 0 and len(json.loads(shown.stdout)) == len(got)
    listed = json.loads(cli("alerts", "list", "--json", "--index-dir", str(pair.archive)).stdout)
    assert [(r["name"], r["delivered"]) for r in listed] == [("ports", len(got))]
    # The scheduler's state and runs are the archive's, in its folder.
    assert (pair.archive / "schedule.json").exists() and (pair.archive / "runs.jsonl").exists()


def test_alerts_through_the_api_and_a_manual_index_deliver_like_one_index(pair):
    from search.api import NewsIndex

    with ClusterIndex.open(pair.archive) as archive, NewsIndex.open(pair.single) as single:
        for ix in (archive, single):
            ix.alerts.add("vote", "election OR budget")
        write_articles(pair.corpus, 20, start=40)
        runs = [ix.index(pair.corpus) for ix in (archive, single)]
        assert [d.to_dict() for d in runs[0].deliveries] == \
            [d.to_dict() for d in runs[1].deliveries]
        assert runs[0].deliveries[0].new and sorted(runs[0].changed_ids) == sorted(runs[1].changed_ids)
        assert archive.alerts.deliver() == [] or not archive.alerts.deliver()[0].new
    assert delivered(pair.archive, "vote") == delivered(pair.single, "vote")


def test_sigterm_during_an_archive_run_exits_0_and_leaves_a_consistent_archive(cluster, tmp_path):
    from schedule_helpers import read_log

    pair = Pair(tmp_path, cluster, articles=10)
    try:
        write_articles(pair.corpus, 1500, start=10)  # a run of 1,500 reads: seconds long
        log = tmp_path / "log"
        sched = SchedulerProcess(pair.archive, log, "--every", "1h", env=pair.env)
        try:
            wait_for(lambda: any("run started" in ln for ln in read_log(log)), 120,
                     "the first run to start")
            sched.proc.send_signal(signal.SIGTERM)
            assert sched.stop() == 0
        finally:
            sched.kill()
        lines = read_log(log)
        run = next(ln for ln in lines if " run " in ln and "started=" in ln)
        assert run.split()[2] == "interrupted", lines
        assert lines[-1].endswith("schedule stopped (SIGTERM)"), lines
        held = _archive_held(pair.archive)
        assert 10 <= len(held) < 1510  # stopped between files, the batches in flight committed
        # Consistent: the next reindex finishes the work, to one index's articles exactly.
        assert cli("reindex", "--index-dir", str(pair.archive)).exit_code == 0
        cli("index", str(pair.corpus), "--index-dir", str(pair.single), check=True)
        assert _archive_held(pair.archive) == _held(pair.single)
    finally:
        pair.free()


def test_scheduler_on_an_archive_exit_statuses(pair, tmp_path):
    # A second scheduler on the same archive: exit 2 naming the first.
    sched = SchedulerProcess(pair.archive, tmp_path / "log", "--every", "1h", env=pair.env)
    try:
        sched.wait_runs(1, timeout=120)
        second = cli_process("schedule", "--once", "--index-dir", str(pair.archive), env=pair.env)
        assert second.exit_code == 2 and "another scheduler" in second.stderr, second.stderr
        # SIGTERM ends the idle scheduler with 0: Ray's own SIGTERM handler did not replace ours.
        assert sched.stop(signal.SIGTERM) == 0
    finally:
        sched.kill()
    assert any("schedule stopped (SIGTERM)" in ln for ln in
               (tmp_path / "log").read_text("utf-8").splitlines())
    # A run that fails (a corpus root gone) exits 2 from --once, as on one index.
    os.rename(pair.corpus, tmp_path / "moved")
    try:
        done = cli_process("schedule", "--once", "--index-dir", str(pair.archive), env=pair.env)
        assert done.exit_code == 2 and "root" in done.stderr, done.stderr
    finally:
        os.rename(tmp_path / "moved", pair.corpus)
    bad = cli("schedule", "--every", "soon", "--index-dir", str(pair.archive))
    assert bad.exit_code == 2 and "interval" in bad.stderr
    # No cluster at the address: exit 2 at once (Ray alone would retry for minutes), while
    # stats, check and alerts list, which read the archive's folders, need no cluster.
    nowhere = {"RAY_ADDRESS": f"127.0.0.1:{_closed_port()}"}
    done = cli_process("schedule", "--once", "--index-dir", str(pair.archive), env=nowhere)
    assert done.exit_code == 2 and "cannot reach the Ray cluster" in done.stderr, done.stderr
    for command in (["stats"], ["check"], ["alerts", "list"]):
        done = cli_process(*command, "--index-dir", str(pair.archive), env=nowhere)
        assert done.exit_code == 0, done.stderr
    done = cli_process("alerts", "add", "x", "oil", "--index-dir", str(pair.archive), env=nowhere)
    assert done.exit_code == 2 and "cannot reach the Ray cluster" in done.stderr, done.stderr


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_stats_on_an_archive_sums_its_shards_and_equals_one_index(pair):
    from search.indexing.stats import index_stats

    got, want = (json.loads(r.stdout) for r in pair.both("stats", "--json"))
    shards = [index_stats(pair.archive / f"shard-{k:02d}", last_runs=0) for k in range(SHARDS)]
    assert got["articles"] == sum(s["articles"] for s in shards) == want["articles"] == 40
    assert all(s["articles"] for s in shards)  # every shard holds some
    assert got["size_bytes"] == sum(s["size_bytes"] for s in shards)
    for key in ("per_source", "published_first", "published_last", "roots"):
        assert got[key] == want[key], key
    assert [(r["shard"], r["articles"]) for r in got["shards"]] == \
        [(f"shard-{k:02d}", s["articles"]) for k, s in enumerate(shards)]
    assert set(want) <= set(got)  # one index's shape, plus the shards
    assert got["last_runs"][0]["kind"] == "index" and got["last_runs"][0]["added"] == 40
    assert got["scheduler"] is None
    text = cli("stats", "--index-dir", str(pair.archive))
    assert text.exit_code == 0 and "per shard:" in text.stdout and "shard-03" in text.stdout
    with ClusterIndex.open(pair.archive) as archive:  # the API: NewsIndex.stats's shape
        assert archive.stats() == got and archive.check().ok


def _garble_toc(shard_dir: Path) -> None:
    from search.indexing.store import current_generation

    toc = max((shard_dir / current_generation(shard_dir)).glob("_MAIN_*.toc"))
    toc.write_bytes(bytes(range(256)) * 4)


@pytest.mark.parametrize("damage", ["toc-garbage", "metadata-garbage", "shard-folder-gone"])
def test_check_finds_a_damaged_shard_and_repair_mends_it(pair, damage):
    import shutil

    from search.api import NewsIndex
    from search.indexing.store import META_FILE

    done = cli("check", "--index-dir", str(pair.archive), "--json")
    assert done.exit_code == 0 and json.loads(done.stdout)["articles"] == 40
    if damage == "toc-garbage":
        _garble_toc(pair.archive / "shard-02")
    elif damage == "metadata-garbage":
        (pair.archive / "shard-02" / META_FILE).write_bytes(b"\x00{not json")
    else:
        shutil.rmtree(pair.archive / "shard-02")
    done = cli("check", "--index-dir", str(pair.archive))
    assert done.exit_code == 2 and "damaged:   shard-02:" in done.stdout, done.output
    assert "shard(s) shard-02 of the archive are damaged" in done.stderr
    assert "Traceback" not in done.output
    report = json.loads(cli("check", "--index-dir", str(pair.archive), "--json").stdout)
    assert [s["shard"] for s in report["shards"] if not s["ok"]] == ["shard-02"]
    assert stats_fails_naming(pair.archive, "shard-02")
    done = cli("check", "--repair", "--index-dir", str(pair.archive))
    assert done.exit_code == 0 and "repaired:  shard-02: rebuilt" in done.stdout, done.output
    assert cli("check", "--index-dir", str(pair.archive)).exit_code == 0
    # The archive answers as one index again, through the shard's actor (new generation).
    with NewsIndex.open(pair.single) as single, ClusterIndex.open(pair.archive) as archive:
        for query in ("harbour", "election OR budget", "museum AND NOT league"):
            want, got = single.search(query, limit=50), archive.search(query, limit=50)
            assert [h.id for h in got.hits] == [h.id for h in want.hits] and got.total == want.total
    runs = [json.loads(line) for line in (pair.archive / "runs.jsonl").read_text().splitlines()]
    assert runs[-1]["kind"] == "check --repair" and runs[-1]["outcome"] == "ok"


def stats_fails_naming(archive: Path, shard: str) -> bool:
    done = cli("stats", "--index-dir", str(archive))
    return done.exit_code == 2 and shard in done.stderr and "Traceback" not in done.output


def test_reindex_full_on_an_archive_rebuilds_every_shard_and_refuses_to_lose_articles(pair, tmp_path):
    from search.indexing.store import current_generation

    before = {k: current_generation(pair.archive / f"shard-{k:02d}") for k in range(SHARDS)}
    archive = ClusterIndex.open(pair.archive)
    held = archive.articles()
    done = cli("reindex", "--full", "--index-dir", str(pair.archive), "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["added"] == 40
    after = {k: current_generation(pair.archive / f"shard-{k:02d}") for k in range(SHARDS)}
    assert all(after[k] != before[k] for k in range(SHARDS))
    assert archive.articles() == held  # same articles, each on its shard
    assert not (pair.archive / ".rebuild").exists()
    # A root gone: refused, exit 2, the current generations stay.
    os.rename(pair.corpus, tmp_path / "moved")
    try:
        done = cli("reindex", "--full", "--index-dir", str(pair.archive))
        assert done.exit_code == 2 and "current generations are kept" in done.stderr, done.output
    finally:
        os.rename(tmp_path / "moved", pair.corpus)
    assert {k: current_generation(pair.archive / f"shard-{k:02d}") for k in range(SHARDS)} == after
    assert archive.articles() == held
    from search.errors import SearchOptionError

    with pytest.raises(SearchOptionError):
        archive.reindex(allow_shrink=True)
    run = archive.reindex(full=True)  # the API, as NewsIndex.reindex(full=True)
    assert run.outcome == "ok" and run.added == 40 and archive.articles() == held


def _by_score(res) -> list[tuple[float, frozenset]]:
    """Hits grouped by equal score, best first: one index orders equal scores by its
    internal document numbers, an archive by id, so only the groups can be compared."""
    groups: list[tuple[float, set]] = []
    for h in res.hits:
        if groups and abs(groups[-1][0] - h.score) <= 1e-9:
            groups[-1][1].add(h.id)
        else:
            groups.append((h.score, {h.id}))
    return [(s, frozenset(ids)) for s, ids in groups]


def test_similar_on_an_archive_ranks_over_every_shard_as_one_index(cluster, tmp_path):
    from search.api import NewsIndex

    pair = Pair(tmp_path, cluster, articles=120)
    try:
        with NewsIndex.open(pair.single) as single, ClusterIndex.open(pair.archive) as archive:
            ids = sorted(h.id for h in single.search("harbour OR museum OR vaccine", limit=1000).hits)
            homes = set()
            for article_id in ids[:12]:
                want = single.similar(article_id, limit=1000)
                got = archive.similar(article_id, limit=1000)
                assert got.total == want.total > 0
                for (gs, gids), (ws, wids) in zip(_by_score(got), _by_score(want), strict=True):
                    assert abs(gs - ws) <= 1e-9 and gids == wids
                # Equal scores by id on both: the same list, in the same order.
                assert [h.id for h in got.hits] == [h.id for h in want.hits]
                assert [h.id for h in archive.similar(article_id, limit=3).hits] == \
                    [h.id for h in single.similar(article_id, limit=3).hits]
                homes |= {archive.archive.shard_for(h.id) for h in got.hits}
                top = archive.similar(article_id, limit=5)
                assert [h.score for h in top.hits] == [h.score for h in got.hits[:5]]
                assert [h.rank for h in top.hits] == [1, 2, 3, 4, 5]
                assert article_id not in {h.id for h in got.hits}
            assert homes == set(archive.archive.shards)  # ranked over every shard
            done = cli("similar", ids[0], "--index-dir", str(pair.archive), "--json")
            assert done.exit_code == 0, done.output
            assert [h["id"] for h in json.loads(done.stdout)["hits"]] == \
                [h.id for h in archive.similar(ids[0]).hits]
            missing = cli("similar", "no-such-id", "--index-dir", str(pair.archive))
            assert missing.exit_code == 1 and "no article" in missing.stderr  # as on one index
    finally:
        pair.free()


def _held(index_dir: Path) -> dict[str, str]:
    """id -> content hash of a plain index's live articles."""
    from search.indexing.manifest import indexed_articles
    from search.indexing.store import open_index

    with open_index(index_dir) as handle:
        return {a.id: a.content_hash for a in indexed_articles(handle.ix)}


def _archive_held(archive_dir: Path) -> dict[str, str]:
    got: dict[str, str] = {}
    for k in range(SHARDS):
        got.update(_held(archive_dir / f"shard-{k:02d}"))
    return got


def test_reindex_on_an_archive_skips_unchanged_files_as_one_index_does(pair):
    """The archive's file records (files.sqlite): unchanged files are not read; changed,
    deleted and copy-holding files are handled as on one index; a record whose articles a
    shard no longer holds is not trusted."""
    from search.api import NewsIndex

    def reindex_both() -> dict:
        done = [cli("reindex", "--json", "--index-dir", str(d)) for d in (pair.archive, pair.single)]
        for r in done:
            assert r.exit_code == 0, r.output
        assert _archive_held(pair.archive) == _held(pair.single)
        return json.loads(done[0].stdout)

    assert (pair.archive / "files.sqlite").exists()
    run = reindex_both()
    assert (run["added"], run["updated"], run["deleted"], run["unchanged"]) == (0, 0, 0, 40)
    # Same size and time, other bytes: not read again, here as on one index.
    story = pair.corpus / "story-0007.txt"
    stat = story.stat()
    story.write_bytes(b"Quuxgarbled " + story.read_bytes()[len(b"Quuxgarbled "):])
    os.utime(story, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    reindex_both()
    assert [json.loads(r.stdout)["total"] for r in pair.both("query", "quuxgarbled", "--json")] \
        == [0, 0]
    # A copy of story 1 in a later file is skipped; deleting story 1 promotes the copy.
    (pair.corpus / "zz-copy.txt").write_bytes((pair.corpus / "story-0001.txt").read_bytes())
    run = reindex_both()
    assert run["added"] == 0 and any("exact duplicate" in s["reason"] for s in run["skipped"])
    (pair.corpus / "story-0001.txt").unlink()
    run = reindex_both()
    assert run["deleted"] == 1 and run["added"] == 1, run
    # An article gone from its shard behind the records' back: its file is read again.
    victim = next(iter(_held(pair.archive / "shard-01")))
    with NewsIndex.open(pair.archive / "shard-01") as shard:  # shards hold articles from memory
        shard.delete([victim])
    assert victim not in _archive_held(pair.archive)
    run = reindex_both()
    assert run["added"] == 1 and victim in _archive_held(pair.archive)


def test_index_skips_copies_of_indexed_articles_whichever_shard_they_route_to(pair, tmp_path):
    """Copies under new ids route to other shards than their originals: the archive must
    still skip them as one index does (an indexed article stays the first copy)."""
    more = tmp_path / "more"
    more.mkdir()
    for k in range(12):
        (more / f"copy-{k:02d}.txt").write_bytes((pair.corpus / f"story-{k:04d}.txt").read_bytes())
    write_articles(more, 3, start=100)
    done = [cli("index", str(more), "--json", "--index-dir", str(d)) for d in (pair.archive, pair.single)]
    assert [r.exit_code for r in done] == [0, 0], done[0].output
    assert _archive_held(pair.archive) == _held(pair.single)
    got, want = (json.loads(r.stdout) for r in done)
    assert got["added"] == want["added"] == 3
    copies = [s for s in got["skipped"] if s["reason"].startswith("exact duplicate of")]
    assert len(copies) == 12
    # Run again (the file records replay the copies as skipped): nothing changes.
    again = json.loads(cli("index", str(more), "--json", "--index-dir", str(pair.archive)).stdout)
    assert (again["added"], again["updated"]) == (0, 0)
    assert _archive_held(pair.archive) == _held(pair.single)
