"""The plain-text reader on the seeds and on files like them."""
from __future__ import annotations

from search.ingest import Skip, read_corpus
from search.ingest.clean import clean_text, decode_entities

SEED_HEADLINES = {
    "rferl": "Kremlin Warns Over NATO Infrastructure In Ukraine",
    "eurasiantimes": "Russia and Belarus warn Nato to avoid military expansion in Ukraine",
}


def _articles(*paths, **kw):
    items = list(read_corpus([str(p) for p in paths], **kw))
    return [a for a in items if not isinstance(a, Skip)], [s for s in items if isinstance(s, Skip)]


def test_seeds_headlines_sources_and_no_chrome(sample_corpus):
    articles, skips = _articles(sample_corpus)
    assert skips == []
    by_source = {a.source: a for a in articles}
    assert {s: a.headline for s, a in by_source.items()} == SEED_HEADLINES
    rferl = by_source["rferl"]
    first_lines = rferl.body.split("\n")[:3]
    for chrome in ("Accessibility links", "Breaking News", "Russian President Vladimir Putin"):
        assert chrome not in first_lines
    assert rferl.body.startswith("The Kremlin has reiterated")
    # The publisher footer is gone entirely, the reporting credit is story and stays.
    assert "journalists report the news" not in rferl.body
    assert "undesirable organization" not in rferl.body
    assert "16x9 Image" not in rferl.body
    assert rferl.body.endswith("With reporting by Reuters, TASS, and BelTA")
    eurasian = by_source["eurasiantimes"]
    assert eurasian.body.startswith("Russia says any Nato expansion")
    assert "Picture credit" not in eurasian.body
    assert eurasian.body.endswith("is increasingly close.")
    for a in articles:
        # neither seed's text states a date (never invented): a date is its sidecar's
        assert a.published is None or a.provenance["published"].startswith("sidecar ")
        assert a.language == "en"
        assert a.provenance["encoding"] == "utf-8 (strict)"
        assert a.provenance["source"].startswith("folder")
        assert "’" in a.body or "'" in a.body


def test_ids_are_stable_and_distinct(sample_corpus):
    first, _ = _articles(sample_corpus)
    again, _ = _articles(sample_corpus)
    assert [a.id for a in first] == [a.id for a in again]
    assert len({a.id for a in first}) == 2


def test_same_layout_in_two_roots_does_not_collide(tmp_path):
    for root in ("a", "b"):
        (tmp_path / root / "src").mkdir(parents=True)
        (tmp_path / root / "src" / "x.txt").write_text(f"Headline {root}\n\nBody text of the story in {root}.\n")
    articles, _ = _articles(tmp_path / "a", tmp_path / "b")
    assert len({a.id for a in articles}) == 2


def test_header_block_overrides_inference(tmp_path):
    (tmp_path / "wire").mkdir()
    (tmp_path / "wire" / "story.txt").write_text(
        "Headline: Markets rally on rate hopes\nSource: Reuters\nDate: 27 September 2021\n"
        "URL: https://example.com/a\nAuthor: Jane Doe\nLanguage: en\n\n"
        "Breaking News\n\nStocks rose on Monday as investors bet on lower rates.\n", "utf-8")
    [a], _ = _articles(tmp_path)
    assert a.headline == "Markets rally on rate hopes"
    assert a.source == "Reuters" and a.provenance["source"] == "header 'source'"
    assert a.published.isoformat() == "2021-09-27T00:00:00+00:00"
    assert (a.url, a.author, a.language) == ("https://example.com/a", "Jane Doe", "en")
    assert a.body == "Stocks rose on Monday as investors bet on lower rates."


def test_section_from_nested_folder_and_cleaning(tmp_path):
    d = tmp_path / "bbc" / "sport"
    d.mkdir(parents=True)
    (d / "001.txt").write_bytes(
        "Cafe\u0301 owner\u00a0wins  \u201ccup\u201d &amp; more\r\n\r\n\r\n\r\nA\x07 body\u00a0line.\r\n".encode("utf-8"))
    [a], _ = _articles(tmp_path)
    assert (a.source, a.section) == ("bbc", "sport")
    assert a.headline == "Café owner wins “cup” & more"  # NFC, nbsp folded, entity decoded
    assert a.body == "A body line."  # control character removed, CRLF normalised


def test_clean_text_paragraphs_and_orphan_entities():
    assert clean_text("a\n\n\n\nb") == "a\n\nb"
    assert decode_entities("It #39;s  #36;10 &lt;b&gt;big&lt;/b&gt;") == "It 's  $10 <b>big</b>"


def test_duplicates_are_reported_not_double_counted(tmp_path, sample_corpus):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    seed = next((sample_corpus / "rferl").glob("*.txt")).read_bytes()
    (tmp_path / "one" / "a.txt").write_bytes(seed)
    (tmp_path / "two" / "b.txt").write_bytes(seed)
    articles, skips = _articles(tmp_path)
    assert len(articles) == 1
    assert [s.reason for s in skips] == ["exact duplicate of one/a.txt"]
    assert skips[0].path == "two/b.txt"


def test_word_lists_beside_a_corpus_are_not_articles(tmp_path):
    (tmp_path / "classes.txt").write_text("World\nSports\nBusiness\nSci/Tech\n")
    (tmp_path / "story.txt").write_text("Short headline\n\nA story needs at least one line of prose.\n")
    articles, skips = _articles(tmp_path)
    assert [a.path for a in articles] == ["story.txt"]
    assert [(s.path, s.reason) for s in skips] == [
        ("classes.txt", "not an article: no line has 5 or more words (a list or a label file?)")]


def test_collapse_spaces_equals_the_whitespace_expression_on_any_text():
    """The ASCII shortcut (str.replace) and the regex agree, whitespace runs of every mix."""
    import random

    from search.ingest.clean import _SPACES, collapse_spaces

    rnd = random.Random(3)
    alphabet = [" ", "  ", "\t", "a", "\n", "\u00a0", "\u2003", "é", "\u3000", "x"]
    for _ in range(50_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        assert collapse_spaces(text) == _SPACES.sub(" ", text), repr(text)


_STORY = ("The council voted on Tuesday to approve the new budget for the city, after a debate "
          "that lasted well into the night and ended with a narrow majority.")


def _page(title: str, doctype: bool) -> str:
    head = "<!DOCTYPE html><html>" if doctype else ""
    return (f"{head}<head><meta charset='utf-8'><title>{title}</title></head><body><article>"
            f"<h1>{title}</h1><p>{_STORY}</p><p>{_STORY.replace('Tuesday', 'Monday')}</p>"
            f"</article></body>{'</html>' if doctype else ''}")


def test_documentation_files_are_skipped_by_exact_name_only(tmp_path):
    for name in ("README", "readme.txt", "LICENSE.md", "CHANGELOG", "COPYING", "AUTHORS.txt"):
        (tmp_path / name).write_text("Some project text that is long enough to be a line of prose here.\n")
    (tmp_path / "changelog.blog.example.html").write_text(_page("Budget approved", True))
    (tmp_path / "readme-first.txt").write_text(f"Readers first\n\n{_STORY}\n")
    articles, skips = _articles(tmp_path)
    assert sorted(s.path for s in skips if s.reason == "documentation file, not an article") == [
        "AUTHORS.txt", "CHANGELOG", "COPYING", "LICENSE.md", "README", "readme.txt"]
    assert sorted(a.path for a in articles) == ["changelog.blog.example.html", "readme-first.txt"]


def test_content_decides_before_an_unknown_extension(tmp_path):
    (tmp_path / "example.net").write_text(_page("Budget approved", True))
    (tmp_path / "example.org").write_text(_page("Budget approved in the north", False))
    (tmp_path / "style.css").write_text("body { color: black; }\n" * 5)
    articles, skips = _articles(tmp_path)
    assert {a.path: a.provenance["format"] for a in articles} == {"example.net": "html",
                                                                  "example.org": "html"}
    assert [(s.path, s.reason) for s in skips] == [("style.css", "unsupported file type .css")]
