"""`news-search serve`'s JSON API over real HTTP: a real server (uvicorn in a
subprocess) on a real index built from real files in a temporary folder."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import corpus_file
from helpers import PROJECT, SAMPLE_CORPUS, cli, index_files
from serve_support import Server, write_dated_corpus

from search.api import NewsIndex
from search.query.limits import DEFAULT_LIMITS


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("serve-api")
    corpus = write_dated_corpus(root / "wire")
    index = index_files(root / "index", SAMPLE_CORPUS, corpus)
    with NewsIndex.open(index) as ix:
        ix.alerts.add("belarus", "Lukashenko OR Minsk")
    return index


@pytest.fixture(scope="module")
def server(index_dir, tmp_path_factory):
    with Server(index_dir, tmp_path_factory.mktemp("serve-api-log")) as srv:
        yield srv


@pytest.fixture(scope="module")
def ix(index_dir):
    with NewsIndex.open(index_dir) as index:
        yield index


def plain(value):
    """What the JSON encoding of `value` decodes to (tuples become lists, and so on)."""
    return json.loads(json.dumps(value))


def url(path: str, **params) -> str:
    return path + "?" + urllib.parse.urlencode(params, doseq=True)


# (HTTP parameters, the same search through the Python API)
SEARCHES = [
    ({"q": '"red lines"'}, dict(query='"red lines"')),
    ({"q": "pipeline", "facet": ["source", "section", "published:month"]},
     dict(query="pipeline", facets=["source", "section", "published:month"])),
    ({"q": "pipeline", "source": ["alpha", "beta"], "sort": "newest", "limit": "5", "page": "2"},
     dict(query="pipeline", sources=["alpha", "beta"], sort="newest", limit=5, page=2)),
    ({"q": "pipeline sanctions", "match": "any", "section": "politics", "since": "2021-03",
      "until": "2021-06-30", "facet": "language"},
     dict(query="pipeline sanctions", match="any", sections=["politics"], since="2021-03",
          until="2021-06-30", facets=["language"])),
    ({"q": "Kremlin OR pipline", "language": "en", "sort": "oldest"},
     dict(query="Kremlin OR pipline", languages=["en"], sort="oldest")),
    ({"q": "Kiev", "exact": "true"}, dict(query="Kiev", exact=True)),
]


@pytest.mark.parametrize("params,api", SEARCHES, ids=[s[0]["q"] for s in SEARCHES])
def test_search_is_the_python_api_result(server, ix, params, api):
    res = server.get(url("/api/search", **params))
    assert res.status == 200, res.body
    assert res.headers["content-type"] == "application/json"
    assert res.json() == plain(ix.search(**api).to_dict())


@pytest.mark.parametrize("cli_args,params", [
    (["pipeline sanctions"], {"q": "pipeline sanctions"}),  # each side's default match mode
    (["pipeline sanctions", "--any", "--source", "alpha", "--facet", "section", "--sort", "newest",
      "--limit", "3"],
     {"q": "pipeline sanctions", "match": "any", "source": "alpha", "facet": "section",
      "sort": "newest", "limit": 3}),
], ids=["defaults", "options"])
def test_search_is_what_query_json_prints(server, index_dir, cli_args, params):
    printed = cli("query", *cli_args, "--json", "--index-dir", str(index_dir))
    assert printed.exit_code == 0, printed.stderr
    assert server.get(url("/api/search", **params)).json() == json.loads(printed.stdout)


def test_article_similar_stats_alerts(server, ix):
    hit = ix.search('"red lines"', limit=1).hits[0]
    article = server.get(f"/api/articles/{hit.id}")
    assert article.status == 200
    assert article.json() == plain(ix.get(hit.id).to_dict())
    similar = server.get(url(f"/api/articles/{hit.id}/similar", limit=3))
    assert similar.json() == plain(ix.similar(hit.id, limit=3).to_dict())
    stats = server.get("/api/stats").json()
    assert stats["articles"] == ix.doc_count == 38
    assert stats["per_source"]["alpha"] == 12
    alerts = server.get("/api/alerts").json()
    assert [a["name"] for a in alerts] == ["belarus"]
    one = server.get("/api/alerts/belarus").json()
    assert one["alert"]["query"] == "Lukashenko OR Minsk" and one["delivered"] == []


def error_of(server, path: str, status: int) -> dict:
    res = server.get(path)
    assert res.status == status, res.body
    assert res.headers["content-type"] == "application/json"
    body = res.json()["error"]
    assert set(body) >= {"message", "position", "hint"}
    assert "Traceback" not in body["message"]
    return body


def test_bad_query_is_400_with_position_and_hint(server):
    body = error_of(server, url("/api/search", q="pipeline AND"), 400)
    assert "AND" in body["message"] and body["position"] == 9 and body["hint"]


@pytest.mark.parametrize("params,words", [
    ({"q": "x", "limit": "1001"}, "limit must be a whole number from 1 to 1,000"),
    ({"q": "x", "limit": "ten"}, "limit must be a whole number"),
    ({"q": "x", "page": "0"}, "page must be a whole number"),
    ({"q": "x", "sort": "loudest"}, "sort must be one of"),
    ({"q": "x", "match": "some"}, "match must be one of"),
    ({"q": "x", "facet": "colour"}, "colour"),
    ({"q": "x", "since": "the other day"}, "since"),
    ({"q": "x", "exact": "maybe"}, "exact"),
    ({"q": "pipeline " * 500}, "over the service's limit of 4,096"),
])
def test_bad_options_are_400(server, params, words):
    assert words in error_of(server, url("/api/search", **params), 400)["message"]


def test_unknown_things_are_404(server):
    assert "no article" in error_of(server, "/api/articles/0000000000000000", 404)["message"]
    assert "no article" in error_of(server, "/api/articles/0000000000000000/similar", 404)["message"]
    assert "no alert" in error_of(server, "/api/alerts/nope", 404)["message"]
    error_of(server, "/api/nowhere", 404)


def test_openapi_describes_every_endpoint(server):
    paths = server.get("/openapi.json").json()["paths"]
    assert {"/api/search", "/api/articles/{article_id}", "/api/articles/{article_id}/similar",
            "/api/stats", "/api/alerts", "/api/alerts/{name}"} <= set(paths)


def test_fifty_concurrent_requests_match_the_python_api(server, ix):
    queries = ["pipeline", "pipeline sanctions", '"red lines"', "gas OR court", "election"]
    sorts = ["relevance", "newest", "oldest"]
    jobs = [(queries[i % 5], sorts[i % 3], 1 + i % 4) for i in range(50)]
    expected = {job: plain(ix.search(job[0], sort=job[1], page=job[2], limit=5,
                                     facets=["source"]).to_dict()) for job in set(jobs)}

    def fetch(job):
        q, sort, page = job
        return job, server.get(url("/api/search", q=q, sort=sort, page=page, limit=5,
                                   facet="source"))

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(fetch, jobs))
    assert [r.status for _, r in answers] == [200] * 50
    for job, res in answers:
        assert res.json() == expected[job]


def test_access_log_has_one_line_per_request(server):
    server.get(url("/api/search", q="logged-word"))
    server.get("/api/articles/0000000000000000")
    lines = server.stderr().splitlines()
    assert any(line.endswith("ms") and " GET /api/search?q=logged-word 200 " in line
               for line in lines)
    assert any(" GET /api/articles/0000000000000000 404 " in line for line in lines)


def test_pages_escape_text_and_mark_matches(server):
    res = server.get(url("/", q="<script>alert(1)</script> pipeline", match="any"))
    assert res.status == 200
    page = res.body.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<mark>pipeline</mark>" in page
    bad = server.get(url("/", q="pipeline AND"))
    assert bad.status == 400 and 'id="error"' in bad.body.decode()


def test_missing_index_is_503_until_it_is_built(tmp_path):
    index_dir = tmp_path / "index"
    with Server(index_dir, tmp_path) as srv:
        for path in ("/api/search?q=red", "/api/stats", "/api/articles/x"):
            res = srv.get(path)
            assert res.status == 503, (path, res.body)
            assert "index" in res.json()["error"]["message"]
            assert res.headers["retry-after"]
        index_files(index_dir, SAMPLE_CORPUS)
        res = srv.get(url("/api/search", q='"red lines"'))
        assert res.status == 200 and res.json()["total"] == 2


def test_sigterm_stops_the_server_and_its_search_processes(index_dir, tmp_path):
    srv = Server(index_dir, tmp_path)
    assert srv.get(url("/api/search", q="pipeline")).status == 200
    children = srv.search_processes()
    assert len(children) == 2  # --workers defaults to 2
    assert srv.stop() == 0
    assert "Shutting down" in srv.stderr() or "Finished server process" in srv.stderr()
    for pid in children:
        assert not Path(f"/proc/{pid}").exists() or \
            Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


# -- the query time limit, on a real corpus

# As many wildcard and fuzzy words as the query limits allow, OR 15 common words.
EXPENSIVE = " OR ".join(["pro*", "con*", "co~2", "th~2", "ma~2"][:DEFAULT_LIMITS.max_pattern_words]
                        + "said year people would also new government first last time two world "
                          "years told make".split())


@pytest.fixture(scope="module")
def bbc_index(tmp_path_factory) -> Path:
    return index_files(tmp_path_factory.mktemp("serve-bbc") / "index", corpus_file("bbc"))


@pytest.mark.corpus("bbc")
@pytest.mark.slow
def test_expensive_query_is_stopped_and_the_next_is_served(bbc_index, tmp_path):
    # In-process this query takes 1.0-1.8 s on BBC (1,000 hits highlighted with
    # thousands of expanded words); the limit here is 0.5 s, and "economy" takes ~20 ms.
    with Server(bbc_index, tmp_path, "--workers", "1", "--query-timeout", "0.5") as srv:
        assert srv.get(url("/api/search", q="economy")).status == 200
        before = srv.search_processes()
        res = srv.get(url("/api/search", q=EXPENSIVE, limit=1000))
        assert res.status == 503
        error = res.json()["error"]
        assert "query too expensive" in error["message"] and error["hint"]
        after = srv.get(url("/api/search", q="economy growth", limit=3))
        assert after.status == 200 and after.json()["total"] > 0
        assert set(before) - set(srv.search_processes()), "the overrunning search process was not stopped"


@pytest.mark.corpus("bbc")
@pytest.mark.slow
def test_requests_over_the_queue_bound_are_refused(bbc_index, tmp_path):
    """One search process and no queue: while the expensive query holds the process,
    other requests are answered 503 at once instead of waiting."""
    with Server(bbc_index, tmp_path, "--workers", "1", "--max-pending", "0",
                "--query-timeout", "2") as srv:
        with ThreadPoolExecutor(max_workers=1) as pool:
            slow = pool.submit(srv.get, url("/api/search", q=EXPENSIVE, limit=1000))
            answers = []
            while not slow.done() and len(answers) < 2000:  # bounded: the slow one ends by 2 s
                answers.append(srv.get(url("/api/search", q="economy")))
            first = slow.result()
        refused = [r for r in answers + [first] if r.status == 503]
        assert refused, "no request was refused while the search process was busy"
        for r in refused:
            assert r.json()["error"]["message"].startswith(("too many requests", "query too expensive"))
        assert any("too many requests" in r.json()["error"]["message"] for r in refused)
        assert {r.status for r in answers} <= {200, 503}


# -- the page's date histogram (a pure function of the API's published:day facet)

def day_facet(counts: dict) -> dict:
    return {"published:day": [{"value": v, "count": n} for v, n in counts.items()]}


def test_histogram_unit_follows_the_span_and_shows_empty_buckets():
    from search.service.histogram import build_histogram

    facets = day_facet({"2021-01-05": 2, "2021-01-20": 1, "2021-04-02": 4, None: 3})
    months = build_histogram(facets)
    assert months.unit == "month" and months.undated == 3
    assert [(b.label, b.count) for b in months.bars] == [
        ("2021-01", 3), ("2021-02", 0), ("2021-03", 0), ("2021-04", 4)]
    assert months.bars[3].height == 100 and months.bars[1].height == 0
    days = build_histogram(facets, since="2021-01", until="2021-01")
    assert days.unit == "day" and len(days.bars) == 16 and days.undated == 0
    assert (days.bars[0].label, days.bars[-1].label) == ("2021-01-05", "2021-01-20")
    years = build_histogram(day_facet({"1990-06-01": 1, "2021-01-05": 1}))
    assert years.unit == "year" and len(years.bars) == 32
    assert build_histogram(day_facet({None: 5})) is None
    chosen = build_histogram(facets, since="2021-04", until="2021-04")
    assert chosen.unit == "day" and chosen.bars[0].count == 4


def test_a_taken_port_is_one_line_and_exit_2(index_dir):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        run = subprocess.run([sys.executable, "-m", "search.cli", "serve", "--index-dir",
                              str(index_dir), "--port", str(port)], capture_output=True,
                             text=True, cwd=PROJECT, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        f"news-search: error: cannot listen on 127.0.0.1:{port}: Address already in use; "
        f"choose another --port, or stop what listens there"]
