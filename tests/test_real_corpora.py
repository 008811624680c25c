"""The shared real corpora, read in place (archives, nested archives) end to end.

Slow-ish (about 25 s together on 2 cores, SaudiNewsNet about half of it):
each corpus is read once per module and the assertions share the result.
Counts come from each corpus's README in $NEWS_SEARCH_CORPORA.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import pytest
from conftest import corpus_file

from search.article import Article
from search.ingest import IngestOptions, Skip, read_corpus

pytestmark = pytest.mark.slow
_ARABIC = re.compile("[\u0600-\u06ff]")
AG_COLUMNS = IngestOptions(csv_columns=("section", "headline", "body"))


@lru_cache(maxsize=None)
def _read(name: str, options: IngestOptions | None = None) -> tuple[list[Article], list[Skip]]:
    items = list(read_corpus([corpus_file(name)], options))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Skip)]


def _duplicates(skips: list[Skip], part: str) -> list[Skip]:
    return [s for s in skips if part in s.path and s.reason.startswith("exact duplicate of ")]


def test_bbc_all_articles_with_headline_and_category():
    arts, skips = _read("bbc")
    dups = _duplicates(skips, ".txt")
    assert len(arts) + len(dups) == 2225
    assert all(a.headline for a in arts)
    assert set(Counter(a.section for a in arts)) == {"business", "entertainment", "politics", "sport", "tech"}
    [readme] = [s for s in skips if s.path.endswith("README.TXT")]
    assert readme.reason == "documentation file, not an article"
    assert not [s for s in skips if s not in dups and s is not readme]
    [pound] = [a for a in arts if a.path.endswith("sport/199.txt")]
    assert "\u00a3" in pound.body and "\ufffd" not in pound.body
    assert "1252" in pound.provenance["encoding"] or "8859" in pound.provenance["encoding"]


def test_reuters_all_elements_with_dates_titles_and_categories():
    arts, skips = _read("reuters")
    arts = [a for a in arts if ".sgm" in a.path]
    dups = _duplicates(skips, ".sgm")
    [empty] = [s for s in skips if ".sgm" in s.path and s not in dups]  # NEWID 12793: no text at all
    assert (empty.path, empty.record, empty.line) == ("reuters21578.tar.gz!reuters21578/reut2-012.sgm", 793, 25983)
    assert len(arts) + len(dups) + 1 == 21578
    assert all(a.published is not None for a in arts)
    assert all(a.source == "reuters" for a in arts)
    # A duplicate has the same headline as its first copy: count its TITLE through that copy.
    by_path = {a.path: a for a in arts}
    titled = [a for a in arts if a.provenance.get("headline") == "<TITLE>"]
    titled_dups = [s for s in dups if by_path[s.reason.removeprefix("exact duplicate of ")]
                   .provenance.get("headline") == "<TITLE>"]
    assert len(titled) + len(titled_dups) == 20841
    newids = {a.provenance["newid"] for a in arts}
    assert len(newids) == len(arts)
    [first] = [a for a in arts if a.provenance["newid"] == "1"]
    assert first.headline == "BAHIA COCOA REVIEW"
    assert {"cocoa", "el-salvador", "usa", "uruguay"} <= set(first.tags)
    assert first.published.isoformat() == "1987-02-26T15:01:01.790000+00:00"
    [u] = [a for a in arts if "reut2-017.sgm" in a.path and "\u00fc" in a.body]
    assert "cp1252" in u.provenance["encoding"]
    assert not any(re.search(r"&#\d+;|&lt;|[\x00-\x08\x0b-\x1f]", a.body + a.headline) for a in arts)


def test_ag_news_rows_with_sections_and_no_entity_remnants():
    arts, skips = _read("agnews", AG_COLUMNS)
    rows = [a for a in arts if a.path.rsplit("#", 1)[0].endswith("test.csv")]
    assert len(rows) + len(_duplicates(skips, "test.csv")) == 7600
    assert Counter(a.section for a in rows) == {"1": 1900, "2": 1900, "3": 1900, "4": 1900}
    for a in rows:
        for text in (a.headline, a.body):
            assert "#39;" not in text and "&lt;" not in text and "&gt;" not in text and "&amp;" not in text
            assert not re.search(r"</?(b|p|font|br)\b", text, re.I), text
    assert not [s for s in skips if "test.csv" in s.path and not s.reason.startswith("exact duplicate")]


def test_saudinewsnet_arabic_articles_with_source_and_crawl_date():
    arts, skips = _read("saudinewsnet")
    empty = [s for s in skips if s.reason == "no text: empty headline and body"]
    assert len(arts) + len(_duplicates(skips, ".json")) + len(empty) == 31030
    # 67 empty titles: 57 have no content either (skipped), 10 take their headline from the body
    from_body = [a for a in arts if a.provenance["headline"].startswith("first line of the body")]
    assert (len(empty), len(from_body)) == (57, 10)
    # one of them has the content "Array" (a PHP export artefact in the corpus itself)
    assert sum(bool(_ARABIC.search(a.headline)) for a in from_body) == 9
    assert sum(bool(_ARABIC.search(a.headline)) for a in arts) / len(arts) > 0.999
    languages = Counter(a.language for a in arts)
    assert languages["ar"] / len(arts) > 0.99
    assert len({a.source for a in arts}) == 14 and "okaz" in {a.source for a in arts}
    assert all(a.provenance["source"] == 'json key "source"' for a in arts)
    # The archive's own folders (SaudiNewsNet/dataset/) are storage, not a section.
    assert all(a.section is None for a in arts)
    assert all(a.published is not None and "crawl time" in a.provenance["published"] for a in arts)
    assert all(a.published.year == 2015 for a in arts)
    assert all("!" in a.path and ".zip!" in a.path and "#" in a.path for a in arts)
