"""CSV/TSV through the public ingestion path."""
from __future__ import annotations

from search.article import Article
from search.ingest import IngestOptions, Skip, read_corpus
from search.ingest.formats.csv import backslash_convention, unescape_breaks


def read_all(path, options=None):
    items = list(read_corpus([path], options))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Skip)]


def test_header_row_maps_columns_and_bad_row_is_skipped_with_line(tmp_path):
    (tmp_path / "news.csv").write_text(
        "Title,Text,Date,Source,Tags\n"
        '"Oil jumps on supply fears","Brent crude rose 3% on Monday.",2024-03-04,Wire,"oil,energy"\n'
        '"Too few fields","only two"\n'
        '"Multi-line story","First paragraph.\nSecond paragraph.",2024-03-05,Wire,markets\n',
        encoding="utf-8")
    arts, skips = read_all(tmp_path)
    assert [(a.headline, a.path) for a in arts] == [("Oil jumps on supply fears", "news.csv#1"),
                                                   ("Multi-line story", "news.csv#3")]
    assert arts[0].tags == ("oil", "energy") and arts[0].source == "Wire"
    assert arts[0].published.date().isoformat() == "2024-03-04"
    assert arts[1].body == "First paragraph.\nSecond paragraph."
    assert arts[0].provenance["headline"] == 'csv column "Title"'
    [bad] = skips
    assert (bad.line, bad.record) == (3, 2) and "2 fields" in bad.reason and "line 1" in bad.reason


def test_tsv_uses_tabs(tmp_path):
    (tmp_path / "n.tsv").write_text("headline\tbody\tsection\nA, with comma\tBody, also.\tWorld\n")
    [a], skips = read_all(tmp_path)
    assert skips == [] and (a.headline, a.body, a.section) == ("A, with comma", "Body, also.", "World")


def test_headerless_without_columns_is_skipped_telling_the_user_what_to_pass(tmp_path):
    (tmp_path / "test.csv").write_text('"3","Stocks rise","Shares rose on Monday."\n')
    arts, [skip] = read_all(tmp_path)
    assert arts == [] and "--csv-columns" in skip.reason and skip.line == 1


def test_ag_news_quirks_with_csv_columns(tmp_path):
    (tmp_path / "test.csv").write_text(
        '"4","Company #39;s bet","A second\\team of rocketeers competing for the  \\$10 million prize."\n'
        '"3","Fed","&lt;p&gt;\\&lt;/p&gt;&lt;b&gt;Rates&lt;/b&gt; unchanged, AT&amp;amp;T said."\n'
        '"1","Wrong","row","too long"\n', encoding="ascii")
    arts, skips = read_all(tmp_path, IngestOptions(csv_columns=("section", "headline", "body")))
    assert [a.section for a in arts] == ["4", "3"]
    assert arts[0].headline == "Company 's bet"  # AG's own spacing; the entity is decoded
    assert arts[0].body == "A second\nteam of rocketeers competing for the $10 million prize."
    assert arts[1].body == "Rates unchanged, AT&T said."
    [bad] = skips
    assert (bad.line, bad.record) == (3, 3) and "--csv-columns names 3" in bad.reason


def test_class_column_fills_section(tmp_path):
    (tmp_path / "l.csv").write_text("label,title,description\nSports,Cup final tonight,Kick-off at eight.\n")
    [a], _ = read_all(tmp_path)
    assert a.section == "Sports" and a.provenance["section"] == 'csv column "label"'


def test_backslash_convention_is_decided_per_file():
    assert backslash_convention(r"line\nnext and \nmore") == "\\n"
    assert backslash_convention(r"a second\team \$5") == "lone"
    assert backslash_convention(r"C:\\ and 5\3") is None
    assert unescape_breaks(r"one\ntwo", "\\n") == "one\ntwo"
    assert unescape_breaks(r"one\two \$3 \\x", "lone") == "one\ntwo $3 \n\nx"
    assert unescape_breaks(r"C:\temp", None) == r"C:\temp"
