"""A sharded archive on a real local Ray cluster (2 nodes) gives what one index gives.

One module-wide cluster (`ray.cluster_utils.Cluster`: a head and a second node, 1 CPU
each, real raylets and worker processes) and Reuters-21578 built twice: into a 4-shard
archive by Ray tasks and shard actors, and into one plain index from the same files.
Then 300 generated queries must give the same answer (ids in order, scores to 1e-9,
totals, facets, snippets, every page); a shard actor killed mid-stream is restarted by
Ray and answers right again; a shard that cannot come back is named, or left out of
results flagged partial; a build killed at random points and run again reaches the
exact article set.

Skips without Ray (the `cluster` extra), except in CI (`CI` set), where it fails, as a
missing corpus does.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from conftest import corpus_file
from ray_cluster import ray, two_node_cluster  # skips this module without Ray (fails in CI)

from search.api import NewsIndex
from search.cluster import ClusterError, ShardUnavailableError, create_archive
from search.cluster.client import ClusterIndex

pytestmark = [pytest.mark.corpus("reuters"), pytest.mark.slow]

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def reuters_files(tmp_path_factory) -> Path:
    """Reuters-21578's 22 SGML files as files on disk (so that Ray tasks read them in
    parallel: one archive would be one task), in a temporary folder named `reuters`."""
    tarball = corpus_file("reuters")
    folder = tmp_path_factory.mktemp("corpus") / "reuters"
    folder.mkdir()
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".sgm"):
                (folder / Path(member.name).name).write_bytes(tar.extractfile(member).read())
    return folder


cluster = pytest.fixture(scope="module", name="cluster")(two_node_cluster)


@pytest.fixture(scope="module")
def built(cluster, reuters_files, tmp_path_factory):
    """(archive ClusterIndex, single NewsIndex, build report) of the same Reuters files."""
    root = tmp_path_factory.mktemp("archives")
    create_archive(root / "archive", 4)
    ix = ClusterIndex.open(root / "archive", shard_timeout=60)
    report = ix.index([reuters_files])
    single = NewsIndex.create(root / "single")
    run = single.index([reuters_files], alerts=False)
    yield ix, single, report, run
    single.close()


WORDS = ["oil", "gold", "trade", "bank", "dollar", "prices", "wheat", "coffee", "shares",
         "profit", "japan", "opec", "crude", "sugar", "rates", "interest", "stock", "loss",
         "tonnes", "exports", "budget", "deficit", "merger", "acquisition", "company",
         "government", "minister", "billion", "quarter", "dividend", "grain", "soybeans",
         "copper", "tin", "yen", "bundesbank", "inflation", "unemployment", "tax", "sales"]
PHRASES = ['"crude oil"', '"interest rates"', '"trade deficit"', '"net loss"', '"stock split"',
           '"central bank"', '"oil prices"', '"per share"', '"money supply"', '"west germany"']
FACETS = ["source", "published:month", "tags", "published:day", "published:year", "language",
          "published:week"]
# wildcards and prefixes (some words only some shards hold), fuzzy words, misspelt words
PATTERNS = ["oil*", "export*", "gra?n", "headline:gra?n", "headline:oil*", "whea*", "bank*",
            "body:coff*", "sh?res", "opec*", "dollar*", "yen*", "tin*", "headline:crud*"]
FUZZY = ["grain~", "headline:grain~", "dollr~", "coffe~", "japn~2", "bundesbnk~2", "sugr~",
         "headline:tradee~"]
MISSPELT = ["oill", "coffe", "bundesbnak", "inflaton", "unemploymnet", "dolar", "expotrs",
            "shaers", "wheet", "merjer"]


def generated_queries(n: int = 360, seed: int = 17) -> list[tuple[str, dict]]:
    """Terms, questions, AND/OR/NOT, phrases and proximity, date ranges in the query and
    as filters, fields, wildcards, prefixes and fuzzy words (expanded over the archive's
    words: search/engine/expand.py), misspelt words (did you mean); facets with and
    without empty date buckets, pages 1-5, date sorts, modes."""
    rng = random.Random(seed)
    w = lambda: rng.choice(WORDS)  # noqa: E731
    shapes = [
        lambda: rng.choice(PATTERNS),
        lambda: f"{rng.choice(PATTERNS)} AND {w()}",
        lambda: f"{rng.choice(PATTERNS)} OR {rng.choice(FUZZY)}",
        lambda: rng.choice(FUZZY),
        lambda: f"{rng.choice(FUZZY)} {w()}",
        lambda: f"{w()} -{rng.choice(PATTERNS)}",
        lambda: f"{rng.choice(MISSPELT)} {w()}",
        lambda: f"{rng.choice(MISSPELT)} AND {rng.choice(MISSPELT)}",
        lambda: w(),
        lambda: f"{w()} {w()}",
        lambda: f"{w()} {w()} {w()}",
        lambda: f"{w()} AND {w()}",
        lambda: f"{w()} OR {w()}",
        lambda: f"{w()} AND NOT {w()}",
        lambda: f"{w()} -{w()}",
        lambda: f"({w()} OR {w()}) AND {w()}",
        lambda: rng.choice(PHRASES),
        lambda: f"{rng.choice(PHRASES)} AND {w()}",
        lambda: f"{rng.choice(PHRASES)[:-1]}\"~3",
        lambda: f"{w()} published:[1987-03-01 TO 1987-03-{rng.randint(2, 31):02d}]",
        lambda: f"headline:{w()}",
        lambda: f"headline:{w()} AND body:{w()}",
        lambda: f"tags:{rng.choice(['crude', 'gold', 'trade', 'grain', 'earn', 'acq'])} {w()}",
        lambda: f"NOT {w()}",
    ]
    out = []
    for _ in range(n):
        query = rng.choice(shapes)()
        options: dict = {"page": rng.choice([1, 1, 2, 3, 4, 5]), "limit": rng.choice([10, 10, 20, 7])}
        roll = rng.random()
        if roll < 0.15:
            options["sort"] = rng.choice(["newest", "oldest"])
        if rng.random() < 0.3:
            options["facets"] = rng.sample(FACETS, rng.randint(1, 3))
            options["facet_size"] = rng.choice([0, 5, 10])
            if rng.random() < 0.4:
                options["empty_buckets"] = True
        if rng.random() < 0.15:
            options["since"], options["until"] = "1987-03-02", rng.choice(["1987-03-20", "1987-04"])
        if rng.random() < 0.1:
            options["match"] = rng.choice(["all", "any"])
        out.append((query, options))
    return out


def comparable(res) -> tuple[dict, list]:
    """A result as a dict without the archive's partial flags, and its raw scores
    (to_dict rounds them)."""
    d = res.to_dict()
    for key in ("partial", "missing_shards"):
        d.pop(key, None)
    return d, [h.score for h in res.hits]


def assert_same(single, archive, query, options):
    want, want_scores = comparable(single.search(query, **options))
    got, got_scores = comparable(archive.search(query, **options))
    assert got == want, (query, options)
    assert all((a is None and b is None) or abs(a - b) <= 1e-9
               for a, b in zip(got_scores, want_scores)), (query, options)
    return want


def test_the_build_spreads_articles_over_four_shards_on_two_nodes(built):
    archive, single, report, run = built
    assert report.files == 22 and report.added == run.added == single.doc_count > 21000
    assert sorted(report.per_shard) == ["shard-00", "shard-01", "shard-02", "shard-03"]
    assert min(report.per_shard.values()) > run.added / 4 * 0.9  # routing by id hash is even
    status = archive.status()
    assert sum(s["articles"] for s in status) == run.added
    alive = sorted(n["NodeID"] for n in ray.nodes() if n.get("Alive"))
    assert len({s["node"] for s in status}) == 2, (status, alive)  # both nodes hold shards
    assert sorted((s.path, s.reason) for s in report.skipped) == \
        sorted((s.path, s.reason) for s in run.skipped)  # the same duplicates, same reasons
    every = {}
    for shard_articles in archive.articles().values():
        assert not set(every) & set(shard_articles)  # no article on two shards
        every.update(shard_articles)
    assert every == _article_set(single)


def _article_set(ix: NewsIndex) -> dict[str, str]:
    from search.indexing.manifest import indexed_articles
    from search.indexing.store import open_index

    return {a.id: a.content_hash for a in indexed_articles(open_index(ix.index_dir).ix)}


def test_300_generated_queries_answer_as_one_index(built):
    archive, single, _, _ = built
    queries = generated_queries()
    matched = suggested = filled = 0
    for query, options in queries:
        want = assert_same(single, archive, query, options)
        matched += bool(want["hits"])
        suggested += bool(want["suggestion"])
        filled += any(v["count"] == 0 for values in want["facets"].values() for v in values)
    assert matched > 240  # the queries really return pages to compare
    assert suggested > 20 and filled > 5  # did-you-mean and empty buckets really compared
    kinds = " ".join(q for q, _ in queries)
    assert all(k in kinds for k in (" AND ", " OR ", "NOT ", '"~3', "published:[", "tags:",
                                    "*", "?", "~ ", "~2", "headline:gra?n"))


def test_snippets_bodies_and_deep_pages_are_those_of_one_index(built):
    archive, single, _, _ = built
    assert_same(single, archive, "oil", {"page": 3, "limit": 1000, "bodies": True})
    assert_same(single, archive, "NOT zzzz", {"page": 2, "limit": 1000, "sort": "oldest"})
    hits = list(archive.iter_hits('"crude oil"'))
    assert [h.id for h in hits] == [h.id for h in single.iter_hits('"crude oil"')]
    article = archive.get(hits[0].id)
    assert article is not None and article.id == hits[0].id
    assert archive.get("no-such-id") is None


def test_a_bad_query_is_the_same_error_as_on_one_index(built):
    archive, single, _, _ = built
    from search.errors import QueryError

    with pytest.raises(QueryError) as one:
        single.search('"unclosed')
    with pytest.raises(QueryError) as many:
        archive.search('"unclosed')
    assert str(many.value) == str(one.value)


def _pid(archive: ClusterIndex, shard: str) -> int:
    return ray.get(archive.actor(shard).ping.remote(), timeout=60)["pid"]


def test_a_shard_killed_mid_stream_is_restarted_and_answers_right(built):
    archive, single, _, _ = built
    queries = generated_queries(60, seed=5)
    before = _pid(archive, "shard-01")
    errors = []
    for k, (query, options) in enumerate(queries):
        if k == 10:
            ray.kill(archive.actor("shard-01"), no_restart=False)  # the process dies; Ray restarts it
        try:
            assert_same(single, archive, query, options)
        except ShardUnavailableError as exc:  # while it restarts: named, never a hang
            assert exc.shards == ["shard-01"] and "shard-01" in str(exc)
            errors.append(k)
    deadline = time.monotonic() + 120
    while True:  # wait for Ray's restart (reading the index from disk), bounded
        try:
            after = _pid(archive, "shard-01")
            break
        except ray.exceptions.RayError:
            assert time.monotonic() < deadline, "Ray did not restart the shard in 120 s"
    assert after != before
    for query, options in queries[:20]:  # later queries are right
        assert_same(single, archive, query, options)
    assert all(k >= 10 for k in errors)


def _hide(archive: ClusterIndex, shard: str) -> Path:
    """Take a shard's index away and kill its actor: Ray's restarts fail to open it, so
    the shard stays down until `_restore`."""
    folder = archive.archive.shard_dir(shard)
    hidden = folder.with_name(folder.name + ".away")
    folder.rename(hidden)
    ray.kill(archive.actor(shard), no_restart=False)
    return hidden


def _restore(archive: ClusterIndex, shard: str, hidden: Path) -> None:
    hidden.rename(archive.archive.shard_dir(shard))
    archive.close()  # forget the dead handle: the next call starts the actor by name
    deadline = time.monotonic() + 120
    while True:
        try:
            _pid(archive, shard)
            return
        except ray.exceptions.RayError:
            archive.close()
            assert time.monotonic() < deadline, f"{shard} did not come back in 120 s"


def test_a_shard_down_is_named_or_left_out_flagged_partial(built):
    archive, single, _, _ = built
    hidden = _hide(archive, "shard-02")
    try:
        with pytest.raises(ShardUnavailableError) as err:
            archive.search("oil")
        assert err.value.shards == ["shard-02"]
        assert "shard-02" in str(err.value) and "--allow-partial" in str(err.value)
        res = archive.search("oil", facets=["source"], allow_partial=True)
        assert res.partial and res.missing_shards == ["shard-02"]
        every = list(single.iter_hits("oil"))
        kept = [h.id for h in every if archive.archive.shard_for(h.id) != "shard-02"]
        assert res.total == len(kept) < len(every)
        assert [h.id for h in res.hits] == kept[:10]
        assert res.facets["source"][0].count == len(kept)
        assert res.to_dict()["partial"] is True
    finally:
        _restore(archive, "shard-02", hidden)
    assert_same(single, archive, "oil", {"facets": ["source"]})


def _cli(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search.cli", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=PROJECT, env={**os.environ, **(env or {})})


def test_cli_query_on_an_archive_and_allow_partial(built, cluster):
    archive, single, _, _ = built
    import json

    env = {"RAY_ADDRESS": cluster.address}
    done = _cli("query", "oil", "--index-dir", str(archive.index_dir), "--json", env=env)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert [h["id"] for h in got["hits"]] == [h.id for h in single.search("oil").hits]
    assert got["partial"] is False
    hidden = _hide(archive, "shard-03")
    try:
        done = _cli("query", "oil", "--index-dir", str(archive.index_dir), env=env)
        assert done.returncode == 2 and "shard-03" in done.stderr and "Traceback" not in done.stderr
        done = _cli("query", "oil", "--index-dir", str(archive.index_dir), "--allow-partial",
                    "--json", env=env)
        assert done.returncode == 0, done.stderr
        got = json.loads(done.stdout)
        assert got["partial"] is True and got["missing_shards"] == ["shard-03"]
        assert "partial results" in done.stderr
    finally:
        _restore(archive, "shard-03", hidden)


def test_cli_refuses_cluster_options_on_a_plain_index(built):
    _, single, _, _ = built
    done = _cli("query", "oil", "--index-dir", str(single.index_dir), "--allow-partial")
    assert done.returncode == 2 and "sharded archive" in done.stderr


BUILD = """
import sys
import ray
from search.cluster.client import ClusterIndex
ray.init(address=sys.argv[1], log_to_driver=False, logging_level="ERROR")
ClusterIndex.open(sys.argv[2]).index([sys.argv[3]])
print("built")
"""


def test_a_build_killed_at_random_points_and_run_again_has_the_exact_articles(cluster, reuters_files,
                                                                              tmp_path):
    files = tmp_path / "reuters"  # a third of Reuters keeps the three runs short
    files.mkdir()
    for f in sorted(reuters_files.iterdir())[:7]:
        shutil.copy(f, files / f.name)
    single = NewsIndex.create(tmp_path / "single")
    single.index([files], alerts=False)
    want = _article_set(single)
    create_archive(tmp_path / "archive", 4)
    archive = ClusterIndex.open(tmp_path / "archive", shard_timeout=60)
    rng = random.Random(3)

    def run() -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", BUILD, cluster.address,
                                 str(tmp_path / "archive"), str(files)], cwd=PROJECT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def count() -> int:
        return sum(len(a) for a in archive.articles().values())

    # 1. the driver is killed once some articles are committed, at a random count
    build = run()
    try:
        goal = rng.randint(500, len(want) // 2)
        deadline = time.monotonic() + 240
        while count() < goal and build.poll() is None:
            assert time.monotonic() < deadline
        build.send_signal(signal.SIGKILL)
    finally:
        build.kill()
        build.wait()
    # 2. run again; a shard actor is killed at a random moment of the writing
    build = run()
    try:
        first = count()
        deadline = time.monotonic() + 240
        while count() < first + rng.randint(50, 800) and build.poll() is None:
            assert time.monotonic() < deadline
        ray.kill(archive.actor(f"shard-0{rng.randint(0, 3)}"), no_restart=False)
        build.wait(timeout=300)
    finally:
        build.kill()
        build.wait()
    # 3. run to the end: the exact article set, each article on one shard
    build = run()
    try:
        out, err = build.communicate(timeout=400)
    finally:
        build.kill()
    assert build.returncode == 0 and "built" in out, err[-2000:]
    shards = archive.articles()
    got: dict[str, str] = {}
    for articles in shards.values():
        assert not set(got) & set(articles)
        got.update(articles)
    assert got == want
    for shard, articles in shards.items():
        assert all(archive.archive.shard_for(i) == shard for i in articles)
    for shard in archive.archive.shards:  # free this archive's actors
        ray.kill(archive.actor(shard), no_restart=True)
    single.close()


def test_without_a_manifest_the_archive_error_says_what_to_do(tmp_path):
    with pytest.raises(ClusterError) as err:
        ClusterIndex.open(tmp_path)
    assert "news-search cluster create" in str(err.value)


def test_cli_create_index_and_reindex_an_archive(cluster, reuters_files, tmp_path):
    """`cluster create`, `index` (recording the root) and `reindex` (a deleted file's
    articles deleted) through the command line, against one index of the same files."""
    files = tmp_path / "reuters"
    files.mkdir()
    for f in sorted(reuters_files.iterdir())[:3]:
        shutil.copy(f, files / f.name)
    env = {"RAY_ADDRESS": cluster.address}
    archive_dir = tmp_path / "archive"
    done = _cli("cluster", "create", str(archive_dir), "--shards", "2")
    assert done.returncode == 0 and "2 shards" in done.stderr, done.stderr
    done = _cli("index", str(files), "--index-dir", str(archive_dir), env=env)
    assert done.returncode == 0 and "added" in done.stderr, done.stderr
    (files / sorted(os.listdir(files))[0]).unlink()
    done = _cli("reindex", "--index-dir", str(archive_dir), "--json", env=env)
    assert done.returncode == 0, done.stderr
    import json

    report = json.loads(done.stdout)
    # the file's ~1,000 articles go; a later copy of one of them takes its place, as on one index
    assert report["deleted"] > 900 and report["added"] < 10 and report["unchanged"] > 1500
    single = NewsIndex.create(tmp_path / "single")
    single.index([files], alerts=False)
    archive = ClusterIndex.open(archive_dir)
    got = {}
    for articles in archive.articles().values():
        got.update(articles)
    assert got == _article_set(single)
    done = _cli("cluster", "status", "--index-dir", str(archive_dir), env=env)
    assert done.returncode == 0 and "shard-01:" in done.stdout
    done = _cli("reindex", "--full", "--index-dir", str(archive_dir), env=env)
    assert done.returncode == 0, done.stderr  # every shard rebuilt: tests/test_cluster_ops.py
    for shard in archive.archive.shards:  # free this archive's actors
        ray.kill(archive.actor(shard), no_restart=True)
    single.close()
