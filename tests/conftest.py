"""Shared fixtures: the shared real corpora, and the bundled sample corpus.

Tests that need a shared corpus find it under $NEWS_SEARCH_CORPORA (CI sets it
to ../shared/corpora). Unset (a user's fresh clone): those tests skip, saying
how to run them. Set but the corpus missing: they fail, because CI must run them.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = PROJECT / "corpus"

CORPUS_FILES = {
    "bbc": "bbc-fulltext/bbc-fulltext.tar.gz",
    "reuters": "reuters21578/reuters21578.tar.gz",
    "agnews": "ag-news/ag_news_csv-test.tar.gz",
    "saudinewsnet": "saudinewsnet/SaudiNewsNet.tar",
    "time": "time/time.tar.gz",
}


def corpus_file(name: str) -> Path:
    """Path of a shared corpus archive, or skip/fail as the module docstring says."""
    root = os.environ.get("NEWS_SEARCH_CORPORA")
    if not root:
        pytest.skip(f"needs the {name} corpus: set NEWS_SEARCH_CORPORA=../shared/corpora to run")
    path = Path(root) / CORPUS_FILES[name]
    if not path.is_file():
        pytest.fail(f"NEWS_SEARCH_CORPORA is set but {path} is missing")
    return path


@pytest.fixture
def sample_corpus() -> Path:
    return SAMPLE_CORPUS
