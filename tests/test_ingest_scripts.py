"""Article detection in every script: sentence marks and lengths that are not Latin's."""
from __future__ import annotations

import html
from pathlib import Path

import pytest

from search.article import Article
from search.ingest import Skip, read_corpus
from search.ingest.formats.prose import has_prose, is_prose_line, word_count

DATA = Path(__file__).parent / "data" / "scripts"
SCRIPTS = ["bn.txt", "hi.txt", "hy.txt", "th.txt", "zh.txt", "ja-short-lines.txt"]


def _read(path: Path) -> list[Article | Skip]:
    return list(read_corpus([str(path)]))


@pytest.mark.parametrize("name", SCRIPTS)
def test_plain_text_in_each_script_is_an_article(name, tmp_path):
    text = (DATA / name).read_text("utf-8")
    (tmp_path / name).write_text(text, "utf-8")
    [item] = _read(tmp_path / name)
    assert isinstance(item, Article), item
    assert item.headline == text.split("\n", 1)[0]


@pytest.mark.parametrize("name", SCRIPTS)
def test_html_page_in_each_script_is_an_article(name, tmp_path):
    title, *paras = (DATA / name).read_text("utf-8").strip().split("\n")
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras)
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"</head><body><article><h1>{html.escape(title)}</h1>{body}</article></body></html>")
    (tmp_path / "page.html").write_text(page, "utf-8")
    [item] = _read(tmp_path / "page.html")
    assert isinstance(item, Article), item
    assert paras[0] in item.body


@pytest.mark.parametrize("mark", ["।", "॥", "։", "။", "።", "؟", "۔", "。", "？", "！", "។"])
def test_every_scripts_sentence_mark_ends_a_sentence(mark):
    assert is_prose_line("x" * 80 + mark)
    assert not is_prose_line("x" * 81)


def test_short_chinese_labels_are_not_prose_but_a_chinese_sentence_is():
    assert word_count("体育") == 1  # a label file's line
    assert word_count("人人生而自由，在尊严和权利上一律平等。") >= 5
    assert not has_prose("国际\n体育\n财经")
    assert has_prose("人人生而自由，在尊严和权利上一律平等。他们赋有理性和良心。")


def test_a_chinese_label_file_is_still_skipped(tmp_path):
    (tmp_path / "classes.txt").write_text("国际\n体育\n财经\n科技\n", "utf-8")
    [skip] = _read(tmp_path / "classes.txt")
    assert isinstance(skip, Skip) and "not an article" in skip.reason


def test_latin_lines_are_judged_as_before():
    assert not is_prose_line("Home | World | Business | Sport | Technology | Science | Health | Arts")
    assert is_prose_line("The Kremlin has reiterated that NATO's eastward expansion is a red line for Moscow.")
    assert word_count("World Business Sport Tech") == 4
