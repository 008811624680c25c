"""JSON and JSON Lines through the public ingestion path."""
from __future__ import annotations

import gzip
import json
from datetime import datetime, timezone

from search.article import Article
from search.ingest import Skip, read_corpus


def read_all(*paths):
    items = list(read_corpus(paths))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Skip)]


STORY = {
    "Title": "Fed holds rates steady as inflation cools",
    "description": "Short teaser.",
    "content": "The Federal Reserve left its benchmark rate unchanged on Wednesday, citing slower price growth.",
    "text": "Shorter text field.",
    "publisher": {"name": "Example Wire", "url": "https://wire.example"},
    "published_at": "2024-05-01T18:00:00-04:00",
    "link": "https://wire.example/fed-holds",
    "authors": ["Ann Lee", "Bo Chan"],
    "lang": "en",
    "category": "Economy",
    "keywords": "fed, rates ,inflation",
}


def test_one_object_maps_every_field_with_provenance(tmp_path):
    (tmp_path / "story.json").write_text(json.dumps(STORY), encoding="utf-8")
    [a], skips = read_all(tmp_path)
    assert skips == []
    assert a.headline == STORY["Title"]
    assert a.body == STORY["content"]  # the longest of text/body/content, not the teaser
    assert a.source == "Example Wire"
    assert a.published == datetime(2024, 5, 1, 22, 0, tzinfo=timezone.utc)
    assert (a.url, a.author, a.language, a.section) == (
        "https://wire.example/fed-holds", "Ann Lee, Bo Chan", "en", "Economy")
    assert a.tags == ("fed", "rates", "inflation")
    assert a.path == "story.json"
    assert a.provenance["headline"] == 'json key "Title"'
    assert a.provenance["body"].startswith('json key "content"')
    assert a.provenance["published"] == 'json key "published_at"'


def test_array_and_wrapped_array_are_many_articles(tmp_path):
    items = [{"headline": f"Story {i}", "body": f"Body of story number {i}."} for i in range(1, 4)]
    (tmp_path / "a.json").write_text(json.dumps(items), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"status": "ok", "articles": items[:2] + [7]}), encoding="utf-8")
    arts, skips = read_all(tmp_path)
    by_path = {a.path: a for a in arts}
    assert set(by_path) == {"a.json#1", "a.json#2", "a.json#3"}  # b's copies are duplicates
    assert [s.path for s in skips if s.reason.startswith("exact duplicate")] == ["b.json#1", "b.json#2"]
    [bad] = [s for s in skips if not s.reason.startswith("exact duplicate")]
    assert (bad.record, bad.path) == (3, "b.json") and "not an article object" in bad.reason


def test_description_is_the_body_only_without_full_text(tmp_path):
    (tmp_path / "d.json").write_text(json.dumps({"title": "Teaser only", "description": "Just a teaser."}))
    [a], _ = read_all(tmp_path)
    assert a.body == "Just a teaser." and "no full-text field" in a.provenance["body"]


def test_jsonl_bad_line_is_skipped_with_its_line_and_the_rest_read(tmp_path):
    lines = [json.dumps({"title": "First story", "text": "One."}), "",
             '{"title": "Broken", "text": ', json.dumps({"title": "Third story", "text": "Three."}),
             json.dumps(["not", "an", "object"])]
    (tmp_path / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    arts, skips = read_all(tmp_path)
    assert [(a.headline, a.path) for a in arts] == [("First story", "feed.jsonl#1"), ("Third story", "feed.jsonl#3")]
    assert [(s.line, s.record) for s in skips] == [(3, 2), (5, 4)]
    assert skips[0].reason.startswith("malformed JSON line")
    assert "not an article object" in skips[1].reason


def test_json_extension_holding_json_lines_is_read_by_content(tmp_path):
    rows = [{"title": f"Line {i}", "body": f"Body {i}."} for i in (1, 2)]
    (tmp_path / "x.json").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    arts, _ = read_all(tmp_path)
    assert [a.headline for a in arts] == ["Line 1", "Line 2"]


def test_garbage_json_is_one_skip_with_position(tmp_path):
    (tmp_path / "bad.json").write_text('{"title": "x",\n  "body": oops}\n', encoding="utf-8")
    arts, [skip] = read_all(tmp_path)
    assert arts == [] and skip.reason.startswith("invalid JSON") and skip.line == 2


def test_object_without_article_keys_says_which_keys_it_has(tmp_path):
    (tmp_path / "conf.json").write_text(json.dumps({"version": 2, "name": "settings"}))
    arts, [skip] = read_all(tmp_path)
    assert arts == [] and "keys: version, name" in skip.reason


def test_unix_time_dates_and_jsonl_gz(tmp_path):
    rows = [{"title": "Epoch seconds", "text": "A.", "date": 1700000000},
            {"title": "Epoch millis", "text": "B.", "date": 1700000000000}]
    with gzip.open(tmp_path / "dump.jsonl.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(json.dumps(r) for r in rows) + "\n")
    arts, skips = read_all(tmp_path)
    assert skips == []
    expected = datetime.fromtimestamp(1700000000, tz=timezone.utc)
    assert [(a.path, a.published) for a in arts] == [
        ("dump.jsonl.gz!dump.jsonl#1", expected), ("dump.jsonl.gz!dump.jsonl#2", expected)]
    assert "Unix time" in arts[0].provenance["published"]
