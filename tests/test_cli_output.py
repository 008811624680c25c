"""Getting results out of `news-search query`: --count, --all-hits, --csv/--tsv with
--fields, facets in --jsonl, --facet-size, one JSON document for --json, and a closed
pipe (`| head -1`) as success. CliRunner in-process; a real pipe where a pipe is the point."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from helpers import SAMPLE_CORPUS, articles_from, build_index, cli

from search.article import Article

N = 1205  # more than one page of --all-hits (1,000)


def _article(i: int) -> Article:
    return Article(
        id=f"a{i:05d}", headline=f"Harbour report {i}",
        body=f"The harbour of town {i} reopened, its mayor said.\tIt had a tab;\n"
             f"and \"quotes\", commas, a new line. " + "Cargo moved. " * 20,
        source=f"src{i % 3}", tags=(f"tag{i % 25}",),
        published=datetime(2020, 1, 1 + i % 28, tzinfo=timezone.utc) if i % 2 else None,
        path=f"a/{i}.txt")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return str(build_index(tmp_path_factory.mktemp("out") / "index", map(_article, range(N))))


def test_count_prints_the_exact_total_only(index_dir):
    r = cli("query", "harbour", "--count", "--index-dir", index_dir)
    assert r.exit_code == 0 and r.stdout == f"{N}\n"
    r = cli("query", "harbour", "--count", "--source", "src1", "--index-dir", index_dir)
    assert r.stdout == f"{len([i for i in range(N) if i % 3 == 1])}\n"
    none = cli("query", "zzyzx", "--count", "--index-dir", index_dir)
    assert none.exit_code == 1 and none.stdout == "0\n"


def test_all_hits_streams_every_match_in_order_past_the_cap(index_dir):
    r = cli("query", "harbour", "--all-hits", "--jsonl", "--sort", "oldest", "--index-dir", index_dir)
    assert r.exit_code == 0, r.output
    hits = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(hits) == N and len({h["id"] for h in hits}) == N
    assert [h["rank"] for h in hits] == list(range(1, N + 1))
    dated = [h["published"] for h in hits if h["published"]]
    assert dated == sorted(dated) and hits[-1]["published"] is None  # undated listed last
    # the same order as paging by hand
    page2 = cli("query", "harbour", "--sort", "oldest", "--limit", "1000", "--page", "2",
                "--jsonl", "--index-dir", index_dir)
    assert [json.loads(x)["id"] for x in page2.stdout.splitlines()] == [h["id"] for h in hits[1000:]]
    assert f"{N - N // 2} of the matches have no date: listed last" in r.stderr


def test_all_hits_as_one_json_document(index_dir):
    r = cli("query", "harbour", "--all-hits", "--json", "--fields", "id", "--index-dir", index_dir)
    doc = json.loads(r.stdout)
    assert doc["total"] == N and len(doc["hits"]) == N and set(doc["hits"][0]) == {"id"}


def test_api_iter_hits_pages_through_every_match(index_dir):
    from search.api import NewsIndex

    with NewsIndex.open(index_dir) as ix:
        got = [h.id for h in ix.iter_hits("harbour", sort="oldest", snippets=False)]
        # a caller passing every search option, suggest included, is accepted
        again = [h.id for h in ix.iter_hits("harbour", sort="oldest", snippets=False,
                                            suggest=True)]
        first = ix.search("harbour", sort="oldest", limit=5).hits
    assert len(got) == N and got[:5] == [h.id for h in first]
    assert again == got


def test_csv_with_chosen_fields_and_body(index_dir):
    r = cli("query", "harbour", "--csv", "--fields", "id,headline,published,body", "--limit", "3",
            "--source", "src1", "--index-dir", index_dir)
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["id", "headline", "published", "body"] and len(rows) == 4
    from search.api import NewsIndex
    with NewsIndex.open(index_dir) as ix:
        assert rows[1][3] == ix.get(rows[1][0]).body  # tabs, quotes, line breaks survive
    default = cli("query", "harbour", "--csv", "--limit", "2", "--index-dir", index_dir)
    header = next(csv.reader(io.StringIO(default.stdout)))
    assert header == ["id", "headline", "source", "published", "url", "score"]


def test_tsv_is_one_line_per_hit(index_dir):
    r = cli("query", "harbour", "--tsv", "--fields", "id,snippet,body", "--limit", "5",
            "--index-dir", index_dir)
    lines = r.stdout.splitlines()
    assert len(lines) == 6 and all(len(x.split("\t")) == 3 for x in lines)
    assert lines[0] == "id\tsnippet\tbody" and "[[harbour]]" in lines[1].lower()


def test_bad_fields_are_a_usage_error(index_dir):
    r = cli("query", "harbour", "--csv", "--fields", "id,bogus", "--index-dir", index_dir)
    assert r.exit_code == 2 and "bogus" in r.output
    r = cli("query", "harbour", "--csv", "--json", "--index-dir", index_dir)
    assert r.exit_code == 2


def test_jsonl_carries_the_body_when_asked_and_facets_last(index_dir):
    r = cli("query", "harbour", "--jsonl", "--fields", "id,body", "--limit", "2",
            "--facet", "source", "--index-dir", index_dir)
    records = [json.loads(x) for x in r.stdout.splitlines()]
    assert len(records) == 3 and all(set(x) == {"id", "body"} for x in records[:2])
    assert "Cargo moved." in records[0]["body"]
    assert records[-1] == {"facets": {"source": [{"value": f"src{k}", "count": N // 3 + (k < N % 3)}
                                                 for k in range(3)]}}
    plain = cli("query", "harbour", "--jsonl", "--limit", "1", "--index-dir", index_dir)
    assert "body" not in json.loads(plain.stdout.splitlines()[0])


def test_facet_size_limits_values_and_zero_means_all(index_dir):
    def tags(*extra):
        r = cli("query", "harbour", "--json", "--facet", "tags", *extra, "--index-dir", index_dir)
        return json.loads(r.stdout)["facets"]["tags"]
    assert len(tags()) == 10
    assert len(tags("--facet-size", "3")) == 3
    assert len(tags("--facet-size", "0")) == 25
    assert cli("query", "harbour", "--facet", "tags", "--facet-size", "-1",
               "--index-dir", index_dir).exit_code == 2


@pytest.mark.parametrize("entry", ["search.cli import main as run", "search.program import run"])
def test_closed_pipe_exits_0_quietly(index_dir, entry):
    """`news-search query harbour --all-hits --jsonl | head -1`, with a real pipe, through
    click's `main` and through the program's `run` (the console script, which skips Python's
    teardown)."""
    proc = subprocess.Popen([sys.executable, "-c", f"from {entry}; run()", "query",
                             "harbour", "--all-hits", "--jsonl", "--fields", "id,body",
                             "--index-dir", index_dir],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "NO_COLOR": "1"})
    first = proc.stdout.readline()
    proc.stdout.close()  # as `head -1` does
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(60) == 0, err
    assert json.loads(first)["id"] and "Traceback" not in err and "Exception" not in err


def test_closed_pipe_after_a_short_page_exits_0(tmp_path):
    """The README's `query year --jsonl | head -1` through a shell pipeline."""
    script = (f"set -o pipefail; {sys.executable} -c 'from search.cli import main; main()' "
              "query Kyiv --jsonl --index-dir \"$IX\" | head -1")
    ix = build_index(tmp_path / "index", articles_from([SAMPLE_CORPUS]))
    p = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                       env={**os.environ, "IX": str(ix)}, timeout=60)
    assert p.returncode == 0, p.stderr
    assert len(p.stdout.splitlines()) == 1 and "Traceback" not in p.stderr
