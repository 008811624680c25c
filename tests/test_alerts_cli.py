"""`news-search alerts add/list/remove/show/deliver` as a user runs them (in-process: the
command line, its streams and exit statuses; the notify programs are real processes)."""
from __future__ import annotations

import json

import pytest
from helpers import cli, index_files
from schedule_helpers import index_api, make_corpus, write_article


@pytest.fixture
def index_dir(tmp_path):
    corpus = make_corpus(tmp_path / "corpus")
    index_files(tmp_path / "index", corpus)
    return tmp_path / "index"


def test_add_list_show_remove_round_trip(index_dir, tmp_path):
    ix = ["--index-dir", str(index_dir)]
    r = cli("alerts", "add", "belarus", "Lukashenko OR Minsk", "--source", "rferl",
            "--notify", "cat > /dev/null", *ix)
    assert r.exit_code == 0, r.stderr
    r = cli("alerts", "add", "energy", '"gas pipeline"', *ix)
    assert r.exit_code == 0, r.stderr
    listed = json.loads(cli("alerts", "list", "--json", *ix).stdout)
    assert [a["name"] for a in listed] == ["belarus", "energy"]
    assert listed[0]["sources"] == ["rferl"] and listed[0]["notify"] == "cat > /dev/null"
    assert listed[0]["delivered"] == 0
    plain = cli("alerts", "list", *ix)
    assert "belarus" in plain.stdout and "--source rferl" in plain.stdout
    # Nothing delivered yet: the archive that existed at `add` is not news.
    shown = cli("alerts", "show", "belarus", *ix)
    assert shown.exit_code == 1 and shown.stdout == ""
    # A new matching article arrives through a manual index + deliver.
    corpus = tmp_path / "corpus"
    write_article(corpus / "rferl" / "minsk.txt", "Protest in Minsk", "Thousands marched in Minsk.")
    index_paths, _ = index_api()
    index_paths(index_dir, [corpus])
    d = cli("alerts", "deliver", "--json", *ix)
    assert d.exit_code == 0, d.stderr
    got = {x["alert"]: x["new"] for x in json.loads(d.stdout)}  # one document
    assert got == {"belarus": 1, "energy": 0}
    again = cli("alerts", "deliver", "--jsonl", *ix)  # the line form: nothing new now
    assert {x["alert"]: x["new"] for x in map(json.loads, again.stdout.splitlines())} == \
        {"belarus": 0, "energy": 0}
    shown = cli("alerts", "show", "belarus", "--json", *ix)
    assert shown.exit_code == 0
    records = json.loads(shown.stdout)  # one document
    lines = cli("alerts", "show", "belarus", "--jsonl", *ix).stdout.splitlines()
    assert [json.loads(line) for line in lines] == records
    assert [r["headline"] for r in records] == ["Protest in Minsk"]
    assert records[0]["alert"] == "belarus" and records[0]["delivered"].endswith("Z")
    assert "Protest in Minsk" in cli("alerts", "show", "belarus", *ix).stdout
    assert cli("alerts", "show", "belarus", "--since", "1h", *ix).exit_code == 0
    assert cli("alerts", "show", "belarus", "--since", "2999-01-01", *ix).exit_code == 1
    # remove: gone from the list, its deliveries kept aside; a new alert of that name starts empty.
    assert cli("alerts", "remove", "belarus", *ix).exit_code == 0
    assert [a["name"] for a in json.loads(cli("alerts", "list", "--json", *ix).stdout)] == ["energy"]
    assert list((index_dir / "alerts").glob("belarus.jsonl.removed-*"))
    assert cli("alerts", "add", "belarus", "Minsk", *ix).exit_code == 0
    assert cli("alerts", "show", "belarus", *ix).exit_code == 1


@pytest.mark.parametrize("args,message", [
    (["add", "bad/name", "x"], "bad alert name"),
    (["add", ".hidden", "x"], "bad alert name"),
    (["add", "q", '"red lines'], "quote"),
    (["add", "q", "nosuchfield:x"], "field"),
    (["remove", "nope"], "no alert named"),
    (["show", "nope"], "no alert named"),
    (["show", "x", "--since", "someday"], "--since"),
])
def test_mistakes_get_one_line_and_exit_2(index_dir, args, message):
    cli("alerts", "add", "x", "minsk", "--index-dir", str(index_dir))
    r = cli("alerts", *args, "--index-dir", str(index_dir))
    assert r.exit_code == 2, (args, r.stdout, r.stderr)
    assert message.lower() in r.stderr.lower() and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_duplicate_name_and_missing_index(index_dir, tmp_path):
    assert cli("alerts", "add", "a", "minsk", "--index-dir", str(index_dir)).exit_code == 0
    dup = cli("alerts", "add", "a", "kyiv", "--index-dir", str(index_dir))
    assert dup.exit_code == 2 and "exists" in dup.stderr
    missing = cli("alerts", "add", "a", "minsk", "--index-dir", str(tmp_path / "none"))
    assert missing.exit_code == 2 and "no index" in missing.stderr


def test_help_shows_examples():
    for sub in ("add", "list", "show", "remove", "deliver"):
        out = cli("alerts", sub, "--help").stdout
        assert "Examples:" in out and "news-search alerts" in out, sub


def test_a_notify_program_that_does_not_exist_is_refused_when_added(tmp_path, sample_corpus):
    ix = ["--index-dir", str(tmp_path / "ix")]
    assert cli("index", str(sample_corpus), *ix, "-q").exit_code == 0
    r = cli("alerts", "add", "x", "Kremlin", "--notify", "no-such-mailer-xyz -s news me@example.org", *ix)
    assert r.exit_code == 2
    assert r.stderr.strip() == ("news-search: error: the --notify program 'no-such-mailer-xyz' "
                                "is not installed or not on PATH: install it, or give its full path")
    assert cli("alerts", "list", *ix).stderr.startswith("no saved searches")


def test_alerts_list_shows_a_failing_notify_command_as_failing(tmp_path, sample_corpus):
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(sample_corpus, corpus)
    ix = ["--index-dir", str(tmp_path / "ix")]
    assert cli("index", str(corpus), *ix, "-q").exit_code == 0
    r = cli("alerts", "add", "k", "Kremlin", "--notify", "sh -c 'exit 3'", *ix)
    assert r.exit_code == 0, r.stderr
    (corpus / "rferl" / "new.txt").write_text(
        "Kremlin statement on the talks\n\nThe Kremlin said on Tuesday that the talks would "
        "go on next week in Minsk, according to a statement.\n", encoding="utf-8")
    assert cli("reindex", *ix, "-q").exit_code == 0  # the run itself is fine
    listed = cli("alerts", "list", *ix)
    assert "(FAILING: notify command exited 3" in listed.stdout
    listed = json.loads(cli("alerts", "list", "--json", *ix).stdout)
    assert listed[0]["notify_status"]["state"] == "failed"
