"""Tokens as readers see them, and analysis in the article's language (by the word's script):
a lost space after a full stop, Arabic spellings (SaudiNewsNet), Russian stemming and ё/е
(tests/data/russian), each through a real index and the project's own query path."""
from __future__ import annotations

import itertools
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import corpus_file
from helpers import search_ids, write_files

from search.api import NewsIndex
from search.article import Article
from search.engine.analysis import TextTerms, news_analyzer, query_forms, text_terms_for, words_pattern
from search.indexing import index_paths, open_index
from search.ingest import read_corpus

RUSSIAN = Path(__file__).parent / "data" / "russian"


def terms(text: str) -> list[str]:
    return [t.text for t in news_analyzer()(text)]


def positioned(text: str) -> list[tuple[int, str]]:
    return [(t.pos, t.text) for t in news_analyzer()(text, positions=True)]


def api_ids(ix: Path, query: str) -> set[str]:
    """Ids found through the project's parser (how a user's query is analysed)."""
    with NewsIndex.open(ix) as news:
        results = news.search(query, limit=1000, snippets=False)
        assert results.total == len(results.hits) < 1000
        return {hit.id for hit in results.hits}


# -- a lost space after a full stop -------------------------------------------------------

def test_a_full_stop_before_a_capitalised_word_splits_it():
    assert positioned("always dangerous.The man") == [(0, "alway"), (1, "danger"), (3, "man")]
    assert terms("dangerous.The") == terms("dangerous The")
    assert terms("in 2005.The year") == terms("in 2005 The year")


@pytest.mark.parametrize("word", ["U.S.", "U.K.", "e.g.", "i.e.", "DATA.O", "BP.L", "3.5",
                                  "bbc.co.uk", "dangerous.the"])
def test_abbreviations_tickers_and_numbers_stay_one_word(word):
    assert len(terms(word)) == 1 and "." in terms(word)[0]


def test_phrases_and_words_across_the_split_match(tmp_path):
    corpus = write_files(tmp_path / "news", {
        "a.txt": "A scraped story\n\nThe road was always dangerous.The man knew it. Shares of DATA.O rose.",
        "b.txt": "A spaced story\n\nThe road was always dangerous. The man knew it.",
        "c.txt": "Another story\n\nA dangerous man knew the U.S. well.",
    })
    ix = tmp_path / "ix"
    index_paths(ix, [corpus])
    assert len(api_ids(ix, "dangerous")) == 3
    assert api_ids(ix, '"dangerous the man"') == api_ids(ix, '"always dangerous. The man"')
    assert len(api_ids(ix, '"dangerous the man"')) == 2          # a and b, with the gap
    assert len(api_ids(ix, '"dangerous man"')) == 1              # c only: the stop word's gap is kept
    assert len(api_ids(ix, "DATA.O")) == 1 and len(api_ids(ix, "data")) == 0
    assert len(api_ids(ix, "U.S.")) == 1


# -- Arabic ---------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [
    ("إيران", "ايران"),      # hamza below alef
    ("أمريكا", "امريكا"),    # hamza above alef
    ("آسيا", "اسيا"),        # madda
    ("مستشفى", "مستشفي"),    # alef maqsura
    ("مدرسة", "مدرسه"),      # taa marbuta
    ("مُدَرِّسَة", "مدرسة"),   # harakat (which used to cut the word into letters)
    ("العـــربية", "العربية"),  # tatweel
    ("الرياض", "والرياض"),   # conjunction + article
    ("الرياض", "فالرياض"),
    ("الرياض", "وبالرياض"),
    ("المدرسة", "مدرسة"),    # a noun in ة with and without the article (folded to ه)
    ("الحكومة", "حكومه"),
    ("أضاف", "وأضاف"),       # Snowball strips "و" before a hamza...
    ("أضاف", "واضاف"),       # ...and we before the bare alef too
    ("واشنطن", "وواشنطن"),
])
def test_arabic_spellings_have_one_term(a, b):
    assert terms(a) == terms(b) and len(terms(a)) == 1


def test_arabic_queries_find_other_spellings_and_wildcards(tmp_path):
    corpus = write_files(tmp_path / "news", {
        "a.txt": "خبر\n\nزار الوزير ايران وامريكا ثم عاد إلى الرياض.",
        "b.txt": "خبر آخر\n\nوصل الوفد إلى أمريكا والرياض.",
    })
    index_paths(tmp_path / "ix", [corpus])
    ix = tmp_path / "ix"
    assert len(api_ids(ix, "إيران")) == 1
    assert len(api_ids(ix, "الرياض")) == 2 and len(api_ids(ix, "والرياض")) == 2
    assert len(api_ids(ix, "أمريك*")) == 2  # "امريك" (a) and "أمريكا" (b)


@pytest.mark.parametrize("word", ["والد", "واحد", "واقع", "واضح", "وصل"])
def test_a_waw_that_begins_a_short_word_stays(word):
    """"والد" (father) is not "و" + "الد": the conjunction goes only when four letters remain."""
    assert terms(word) != terms(word[1:])


# -- Russian --------------------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [("санкции", "санкций"), ("санкции", "Санкциями"),
                                 ("объём", "объем"), ("ещё", "Еще"), ("Пётр", "Петр"),
                                 ("Росси́я", "России")])
def test_russian_forms_have_one_term(a, b):
    assert terms(a) == terms(b) and len(terms(a)) == 1


def test_each_word_is_stemmed_in_its_scripts_language():
    assert terms("sanctions санкциями المدرسة Ελλάδας") == terms("sanction санкции مدرسة Ελλάδα")
    assert terms("Ελλάδα") == terms("ελλαδα")


def test_author_names_fold_like_the_text_but_are_not_stemmed():
    from search.engine.analysis import name_analyzer
    names = [t.text for t in name_analyzer()("Пётр Иванов أحمد Erdoğan Planning")]
    assert names == ["петр", "иванов", "احمد", "erdogan", "planning"]


def test_latin_stays_as_it_was():
    assert terms("Erdoğan") == terms("Erdogan") == ["erdogan"]
    assert terms("plans planned planning") == ["plan", "plan", "plan"]
    assert terms("İstanbul") == terms("Istanbul")


@pytest.fixture(scope="module")
def russian_index(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The Russian articles indexed, and each article's id -> file name."""
    root = tmp_path_factory.mktemp("russian")
    corpus = root / "news"
    corpus.mkdir()
    for f in RUSSIAN.glob("*.txt"):
        shutil.copy(f, corpus / f.name)
    ix = root / "ix"
    index_paths(ix, [corpus])
    with open_index(ix).ix.searcher() as s:
        names = {f["id"]: Path(f["path"]).name[:2] for f in s.all_stored_fields()}
    return ix, names


@pytest.mark.parametrize("query,files", [
    ("санкции", {"01", "02", "06"}),
    ("санкций", {"01", "02", "06"}),
    ("объём", {"02", "04"}),
    ("объем", {"02", "04"}),
    ("еще", {"02", "04", "06"}),
    ("Петр", {"05"}),
    ("переговоры", {"03", "07"}),
    ("Белоруссия", {"03", "04"}),
    ("заявление", {"07"}),
    ('"продлил на шесть месяцев"', {"01"}),
    ('"ещё остается выше"', {"02"}),
    ("Пётр*", {"05"}),  # a wildcard is folded as the index folds words
])
def test_russian_queries_find_every_form(russian_index, query, files):
    ix, names = russian_index
    assert len(names) == 8  # every article was indexed and found by the id query
    assert {names[i] for i in api_ids(ix, query)} == files


def test_russian_text_terms_equal_the_analyzer_chain():
    """The segment writer's per-word cache gives the chain's terms on Cyrillic and Arabic."""
    tt = text_terms_for(news_analyzer())
    assert isinstance(tt, TextTerms)
    texts = [f.read_text("utf-8") for f in sorted(RUSSIAN.glob("*.txt"))]
    texts.append("مُدَرِّسَة والرياض العـــربية إيران always dangerous.The U.S. Пётр ёлка café")
    for text in texts:
        expected: dict[bytes, list[int]] = {}
        for t in news_analyzer()(text, positions=True):
            expected.setdefault(t.text.encode("utf-8"), []).append(t.pos)
        assert list(tt.positions(text).items()) == list(expected.items())
        assert tt.unstemmed(text) == sorted({t.text for t in news_analyzer()(text, no_morph=True)})


def test_query_forms_equal_the_analyzer_chain_word_by_word():
    """Snippets' batch analysis: each word's form as the chain gives it in query mode with
    stop words kept (stop words and one-letter words folded, unstemmed)."""
    texts = [f.read_text("utf-8") for f in sorted(RUSSIAN.glob("*.txt"))]
    texts.append("مُدَرِّسَة والرياض العـــربية إيران always dangerous.The U.S. Пётр ёлка café "
                 "The a I of Ünited Ελλάδα running oils ـ")
    split = words_pattern(news_analyzer().items[0].expression)
    for text in texts:
        words = split.findall(text)
        expected = []
        for word in words:
            tokens = [t.text for t in news_analyzer()(word, mode="query", removestops=False)]
            assert len(tokens) <= 1, word
            expected.append(tokens[0] if tokens else "")
        assert query_forms(words) == expected
    assert query_forms(["The", "Oils", "a"]) == ["the", "oil", "a"]


# -- SaudiNewsNet ---------------------------------------------------------------------------

SAUDI_SAMPLE = 2000  # the first articles: every spelling below occurs in them (6 to 273 times)
PAIRS = [("إيران", "ايران"), ("أمريكا", "امريكا"), ("الرياض", "والرياض")]


@pytest.fixture(scope="module")
def saudi_index(tmp_path_factory) -> tuple[Path, list[Article]]:
    """The first SAUDI_SAMPLE SaudiNewsNet articles, as one JSON file in its own format."""
    arts = list(itertools.islice((a for a in read_corpus([corpus_file("saudinewsnet")])
                                  if isinstance(a, Article)), SAUDI_SAMPLE))
    root = tmp_path_factory.mktemp("saudi")
    (root / "news").mkdir()
    (root / "news" / "sample.json").write_text(json.dumps([
        {"title": a.headline, "content": a.body, "source": a.source, "url": a.url,
         "date_extracted": a.published.strftime("%Y-%m-%d %H:%M:%S") if a.published else ""}
        for a in arts], ensure_ascii=False), encoding="utf-8")
    index_paths(root / "ix", [root / "news"])
    return root / "ix", arts


@pytest.mark.parametrize("a,b", PAIRS)
def test_saudi_spellings_find_the_same_articles(saudi_index, a, b):
    ix, arts = saudi_index
    found = api_ids(ix, a)
    assert found == api_ids(ix, b)
    assert found == search_ids(ix, a) | search_ids(ix, a, field="headline")  # the index's own analyzer
    # every article where either spelling stands as a word is among them
    word = re.compile(r"(?<!\w)(?:%s|%s)(?!\w)" % (a, b))
    by_url = {x.url for x in arts if word.search(x.headline) or word.search(x.body)}
    with NewsIndex.open(ix) as news:
        urls = {news.get(i).url for i in found}
    assert by_url and by_url <= urls
