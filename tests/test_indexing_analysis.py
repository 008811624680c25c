"""Schema and analysis: stemming, accents, exact phrases, Arabic, the schema version."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from helpers import search_ids, write_files

from search.article import Article, article_id, content_hash
from search.engine.analysis import news_analyzer
from search.engine.postings import decode_count, decode_positions, encode_positions
from search.errors import SchemaVersionError
from search.indexing import index_paths, open_index, reindex
from search.indexing.schema import article_from_stored, build_schema, document_for
from search.indexing.store import META_FILE, read_meta


def terms(text: str) -> list[str]:
    return [t.text for t in news_analyzer()(text)]


def test_snowball_stems_news_words_consistently():
    assert terms("plans planned planning") == ["plan", "plan", "plan"]
    assert terms("sanctions") == terms("sanction")
    assert terms("setting") == ["set"]


def test_accents_fold_and_arabic_is_tokenised():
    assert terms("Erdoğan") == terms("Erdogan")
    arabic = terms("أعلنت وزارة الصحة السعودية")
    assert len(arabic) == 4 and all(arabic)


def test_stop_words_keep_their_positions():
    positions = [t.pos for t in news_analyzer()("reflect the merger", positions=True)]
    assert positions == [0, 2]


@pytest.mark.parametrize("positions", [[], [0], [1, 5, 300, 70_000], list(range(0, 3000, 7))])
def test_compact_positions_round_trip(positions):
    data = encode_positions(positions)
    assert decode_positions(data) == positions
    assert decode_count(data) == len(positions)


def test_search_behaviour_on_a_real_index(tmp_path):
    corpus = write_files(tmp_path / "news", {
        "a.txt": "Markets reflect the merger\n\nShares rose as markets reflect the merger talks.",
        "b.txt": "Analysts reflect merger news\n\nThe banks reflect merger plans and new sanctions.",
        "c.txt": "Erdoğan visits Ankara\n\nPresident Erdoğan planned a visit.",
    })
    index_paths(tmp_path / "ix", [corpus])
    ix = tmp_path / "ix"
    exact = search_ids(ix, '"reflect merger"')
    assert len(exact) == 1  # only b.txt: "reflect the merger" is not that phrase
    handle = open_index(ix)
    with handle.ix.searcher() as s:
        docnum = next(d for d in s.document_numbers() if s.stored_fields(d)["path"] == "a.txt")
        positions = {t: dict(s.reader().postings("body", t).items_as("positions"))[docnum]
                     for t in ("reflect", "merger")}
    assert positions["merger"][0] - positions["reflect"][0] == 2  # the stop word's gap is kept
    assert len(search_ids(ix, "Erdogan")) == 1
    assert len(search_ids(ix, "sanction")) == 1
    assert len(search_ids(ix, "plans")) == 2  # "plans" finds "planned" too


def test_document_round_trip_keeps_every_field():
    a = Article(id=article_id("r", "x.txt"), headline="H", body="B", source="Reuters",
                published=datetime(2024, 5, 1, 12, tzinfo=timezone.utc), url="http://x",
                author="Ann", language="en", section="World", tags=("a", "b"), path="x.txt",
                content_hash=content_hash("H", "B"), provenance={"format": "text"})
    stored = {k: v for k, v in document_for(a).items()}
    back = article_from_stored(stored)
    assert back.published == a.published and back.tags == ("a", "b")
    assert back.source == "reuters" and back.provenance == {"format": "text"}


def test_schema_fields_search_needs():
    schema = build_schema()
    assert schema["published"].column_type is not None and schema["source"].column_type is not None
    assert schema["body"].format.supports("positions")
    assert schema["headline"].spelling_fieldname("headline") == "spell_headline"


def test_other_schema_version_is_refused_then_upgraded_by_full_reindex(tmp_path, sample_corpus):
    ix = tmp_path / "ix"
    index_paths(ix, [sample_corpus])
    meta = read_meta(ix)
    meta["schema_version"] = 1
    (ix / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(SchemaVersionError, match="reindex --full"):
        open_index(ix)
    with pytest.raises(SchemaVersionError):
        index_paths(ix, [sample_corpus])
    run = reindex(ix, full=True)
    assert run.outcome == "ok" and run.added == 2
    assert open_index(ix).ix.doc_count() == 2


def test_many_small_batches_merge_and_keep_phrases(tmp_path):
    """Regression: Whoosh merges read back `spell_headline` values (see postings.py)."""
    from search.indexing import WriteSettings
    corpus = write_files(tmp_path / "news", {
        f"{n:02d}.txt": f"Story {n} on NATO\n\nOfficials reflect the merger {n} and a plan."
        for n in range(40)})
    run = index_paths(tmp_path / "ix", [corpus], settings=WriteSettings(batch_size=3, procs=1))
    assert run.added == 40
    handle = open_index(tmp_path / "ix")
    with handle.ix.reader() as reader:
        assert sum(1 for _ in reader.iter_postings()) > 0  # what a merge reads
    assert len(search_ids(tmp_path / "ix", '"officials reflect"')) == 40
    assert len(search_ids(tmp_path / "ix", '"reflect merger"')) == 0
    assert len(search_ids(tmp_path / "ix", "nato", field="headline")) == 40


def test_the_tokenizer_expression_is_news_word_as_one_group():
    """NewsTokenizer compiles NEWS_WORD inside one capturing group, so the fast splitters
    (`words_pattern`) reuse that compiled expression: the words, their places and their
    characters are NEWS_WORD's."""
    import re

    from search.engine.analysis import NEWS_WORD, NewsTokenizer, words_pattern

    text = ("J.P.Morgan said dangerous.The U.S. rate, e.g. 3.5% at DATA.O; "
            "Ελλάδα.Αθήνα Москва.Кремль Ünited.Élan мадрид. مُدَرِّسَة")
    tokenizer = NewsTokenizer()
    tokens = [(t.text, t.pos, t.startchar, t.endchar)
              for t in tokenizer(text, positions=True, chars=True)]
    expected = [(m.group(0), i, m.start(), m.end())
                for i, m in enumerate(re.finditer(NEWS_WORD, text))]
    assert tokens == expected and len(tokens) == 19
    assert words_pattern(tokenizer.expression) is tokenizer.expression
    assert words_pattern(tokenizer.expression).findall(text) == [w for w, *_ in expected]
