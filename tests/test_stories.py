"""Story clusters on small real indexes: near-duplicate copies share a story, searches collapse
them, and adding, editing, deleting, crashing and rebuilding keep the stories right."""
from __future__ import annotations

import dataclasses
import json
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from search import Article, NewsIndex
from search.errors import ArticleNotFoundError, SearchOptionError
from search.indexing.store import current_generation

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)

DOCKS = ("The port authority said on Monday that dock workers in Rotterdam will return to work on "
         "Wednesday after unions accepted a pay offer of 4.5 percent over two years, ending a strike "
         "that had left more than 40 container ships waiting at anchor in the North Sea. Shipping "
         "lines said it would take about a week to clear the backlog of cargo, and some retailers "
         "warned of delays to deliveries before the holidays. The union said members voted 62 "
         "percent in favour of the deal.")
# The same wire story as a newspaper ran it: its own headline, two words changed, a line added.
DOCKS_REPRINT = (DOCKS.replace("on Monday", "today").replace("about a week", "roughly a week")
                 + " The strike was the longest at the port since 2002.")
DOCKS_AGAIN = DOCKS.replace("some retailers warned", "several retailers warned")
# The port's next weekly bulletin: the same template, other numbers, a week later.
DOCKS_NEXT_WEEK = (DOCKS.replace("4.5 percent", "3.8 percent").replace("40 container", "17 container")
                   .replace("62", "71"))
WHEAT = ("Farmers in the Canadian prairies expect the wheat harvest to fall by a fifth this year "
         "after a dry summer cut yields across Saskatchewan and Alberta, the statistics agency said "
         "in its first estimate of the season. Canola output is forecast to drop less sharply, and "
         "analysts said export prices could rise if rains in Australia also disappoint growers in "
         "the coming months.")


def cli(*args: str):
    """`news-search ARGS...` in this process (exit_code, stdout, stderr)."""
    from click.testing import CliRunner

    from search.cli import main

    return CliRunner(env={"NO_COLOR": "1"}).invoke(main, list(args), prog_name="news-search")


def article(id: str, body: str, source: str, published: datetime | None,
            headline: str = "Dock strike ends") -> Article:
    return Article(id=id, headline=headline, body=body, source=source, published=published)


@pytest.fixture
def ix(tmp_path: Path):
    with NewsIndex.open(tmp_path / "index", create=True) as handle:
        yield handle


def copies_of(ix: NewsIndex, article_id: str) -> list[str]:
    return [c.id for c in ix.story(article_id).copies]


def story_table(index_dir: Path) -> dict[str, str]:
    db = sqlite3.connect(index_dir / f"{current_generation(index_dir)}.manifest.sqlite")
    try:
        return dict(db.execute("SELECT id, story FROM stories"))
    finally:
        db.close()


def test_copies_of_one_story_collapse_to_one_hit_with_their_count_and_sources(ix):
    ix.add([article("wire-1", DOCKS, "wire", T0),
            article("herald-1", DOCKS_REPRINT, "herald", T0 + timedelta(hours=3),
                    headline="Rotterdam dockers back at work after pay deal"),
            article("farm-1", WHEAT, "farmnews", T0, headline="Prairie wheat harvest to fall")])
    plain = ix.search("dock workers strike", match="any")
    assert plain.total == 2 and plain.total_stories is None
    collapsed = ix.search("dock workers strike", match="any", collapse=True)
    assert (collapsed.total, collapsed.total_articles, collapsed.total_stories) == (1, 2, 1)
    [hit] = collapsed.hits
    assert hit.copies == 2 and hit.sources == ("herald", "wire")
    assert hit.story == ix.story("wire-1").id
    earliest = ix.search("dock workers strike", match="any", collapse=True, collapse_by="earliest")
    assert [h.id for h in earliest.hits] == ["wire-1"]
    # the story ranks by its best copy, whichever copy stands for it
    assert earliest.hits[0].score == max(h.score for h in plain.hits)
    # an unrelated article is never folded into it
    both = ix.search("dock OR wheat", collapse=True)
    assert both.total == 2 and sorted(h.copies for h in both.hits) == [1, 2]
    counted = ix.search("dock OR wheat", count_by="story", facets=["source"])
    assert (counted.total, counted.total_stories, counted.total_articles) == (3, 2, 3)
    # each story once in the facet, under its representative copy's source
    assert sum(v.count for v in counted.facets["source"]) == 2


def test_a_story_lists_its_copies_earliest_first_with_a_word_diff(ix):
    ix.add([article("herald-1", DOCKS_REPRINT, "herald", T0 + timedelta(hours=3)),
            article("wire-1", DOCKS, "wire", T0)])
    story = ix.story("herald-1")
    assert story.id == ix.story(story.id).id  # by story id or by any copy's id
    first, second = story.copies
    assert (first.id, first.diff, first.similarity) == ("wire-1", "", 1.0)
    assert second.id == "herald-1" and 0.8 < second.similarity < 1.0
    assert "-[on Monday] +[today]" in second.diff and "+[" in second.diff and "2002" in second.diff
    assert story.to_dict()["sources"] == ["herald", "wire"]
    with pytest.raises(ArticleNotFoundError):
        ix.story("no-such-story")


def test_deleting_the_earliest_copy_keeps_the_others_together_and_new_copies_join(ix):
    ix.add([article("wire-1", DOCKS, "wire", T0),
            article("herald-1", DOCKS_REPRINT, "herald", T0 + timedelta(hours=3))])
    story = ix.story("wire-1").id
    assert ix.delete(["wire-1"]).deleted == 1
    assert copies_of(ix, "herald-1") == ["herald-1"] and ix.story("herald-1").id == story
    ix.add([article("gazette-1", DOCKS_AGAIN, "gazette", T0 + timedelta(hours=20))])
    assert ix.story("gazette-1").id == story
    assert copies_of(ix, story) == ["herald-1", "gazette-1"]


def test_an_article_edited_away_from_its_story_leaves_it(ix):
    ix.add([article("wire-1", DOCKS, "wire", T0),
            article("herald-1", DOCKS_REPRINT, "herald", T0 + timedelta(hours=3))])
    story = ix.story("wire-1").id
    ix.upsert([article("herald-1", WHEAT, "herald", T0 + timedelta(hours=3))])
    assert copies_of(ix, "wire-1") == ["wire-1"] and ix.story("wire-1").id == story
    assert ix.story("herald-1").id != story
    # edited back, it rejoins
    ix.upsert([article("herald-1", DOCKS_REPRINT, "herald", T0 + timedelta(hours=3))])
    assert ix.story("herald-1").id == story


def test_a_lightly_edited_article_keeps_its_story_id(ix):
    ix.add([article("wire-1", DOCKS, "wire", T0)])
    story = ix.story("wire-1").id
    ix.upsert([article("wire-1", DOCKS_AGAIN, "wire", T0)])
    assert ix.story("wire-1").id == story


def test_the_same_template_a_week_later_is_another_story(ix):
    ix.add([article("port-1", DOCKS, "port", T0),
            article("port-2", DOCKS_NEXT_WEEK, "port", T0 + timedelta(days=7)),
            article("port-3", DOCKS_NEXT_WEEK + " More follows.", "port", None)])  # undated: no window
    assert ix.story("port-1").id != ix.story("port-2").id
    assert ix.story("port-3").id == ix.story("port-2").id


def test_short_bodies_are_never_merged(ix):
    short = "Qtly div 25 cts vs 25 cts prior. Pay April 1. Record March 15."
    ix.add([article("div-1", short, "wire", T0, headline="ACME SETS DIVIDEND"),
            article("div-2", short + " Reuter", "wire", T0, headline="OTHER CO SETS DIVIDEND")])
    assert ix.story("div-1").id != ix.story("div-2").id


def _write(root: Path, name: str, headline: str, body: str, source: str, when: datetime) -> None:
    path = root / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"Headline: {headline}\nSource: {source}\nDate: {when.isoformat()}\n\n{body}\n",
                    "utf-8")


def test_files_full_rebuild_and_file_edits_keep_stories(tmp_path, ix):
    corpus = tmp_path / "corpus"
    _write(corpus, "a.txt", "Dock strike ends", DOCKS, "wire", T0)
    _write(corpus, "b.txt", "Rotterdam dockers back", DOCKS_REPRINT, "herald", T0 + timedelta(hours=3))
    _write(corpus, "c.txt", "Prairie wheat harvest to fall", WHEAT, "farmnews", T0)
    ix.index(corpus)
    hits = ix.search("rotterdam OR wheat", collapse=True).hits
    assert sorted((h.copies, h.sources) for h in hits) == [(1, ("farmnews",)), (2, ("herald", "wire"))]
    grouped = {h.id: h.story for h in ix.search("rotterdam OR wheat", count_by="story").hits}
    assert ix.reindex(full=True).outcome == "ok"
    rebuilt = {h.id: h.story for h in ix.search("rotterdam OR wheat", count_by="story").hits}
    assert len(set(rebuilt.values())) == len(set(grouped.values())) == 2
    assert [a for a in rebuilt if rebuilt[a] == rebuilt[next(iter(rebuilt))]] == \
        [a for a in grouped if grouped[a] == grouped[next(iter(grouped))]]
    # a file edited into another story leaves its old one at the next reindex
    _write(corpus, "b.txt", "Wheat estimate", WHEAT.replace("a fifth", "a quarter"), "herald",
           T0 + timedelta(hours=3))
    ix.reindex()
    herald = next(h for h in ix.search("wheat", count_by="story").hits if h.source == "herald")
    farm = next(h for h in ix.search("wheat", count_by="story").hits if h.source == "farmnews")
    assert herald.story == farm.story
    assert [c.source for c in ix.story(farm.story).copies] == ["farmnews", "herald"]
    wire = ix.search("rotterdam", collapse=True).hits
    assert [(h.source, h.copies) for h in wire] == [("wire", 1)]


def test_a_crash_between_the_index_commit_and_the_manifest_commit_is_reconciled(tmp_path, ix):
    """The manifest of before a run, with the index of after it: what a kill between the
    Whoosh commit and the manifest's leaves. The next run rebuilds the story rows from
    the index (its story column and stored bodies) before placing new articles."""
    index_dir = tmp_path / "index"
    ix.add([article("wire-1", DOCKS, "wire", T0)])
    manifest = index_dir / f"{current_generation(index_dir)}.manifest.sqlite"
    saved = tmp_path / "saved"
    saved.mkdir()
    for f in index_dir.glob(f"{manifest.name}*"):
        shutil.copy2(f, saved / f.name)
    ix.add([article("herald-1", DOCKS_REPRINT, "herald", T0 + timedelta(hours=3))])
    for f in index_dir.glob(f"{manifest.name}*"):
        f.unlink()
    for f in saved.iterdir():
        shutil.copy2(f, index_dir / f.name)
    assert "herald-1" not in story_table(index_dir)
    ix.add([article("gazette-1", DOCKS_AGAIN, "gazette", T0 + timedelta(hours=5))])
    table = story_table(index_dir)
    assert set(table) == {"wire-1", "herald-1", "gazette-1"}
    assert len(set(table.values())) == 1 == len({ix.story(i).id for i in table})
    # and the rows carry MinHashes again: a copy of the reprint joins through them
    ix.delete(["wire-1", "gazette-1"])
    ix.add([article("post-1", DOCKS_REPRINT + " Reuters contributed.", "post", T0 + timedelta(hours=6))])
    assert ix.story("post-1").id == ix.story("herald-1").id


@pytest.fixture
def golden(tmp_path: Path) -> Path:
    copy = tmp_path / "golden"
    shutil.copytree(Path(__file__).parent / "data" / "golden-index", copy)
    return copy


def test_an_index_built_before_stories_searches_and_names_the_fix(golden):
    with NewsIndex.open(golden) as old:
        assert old.search("Lukashenko").total >= 1
        for call in (lambda: old.search("Lukashenko", collapse=True),
                     lambda: old.search("Lukashenko", count_by="story"),
                     lambda: old.story("anything")):
            with pytest.raises(SearchOptionError, match="news-search reindex --full"):
                call()
        assert old.add([article("wire-1", DOCKS, "wire", T0)]).added == 1  # still writable
    r = cli("query", "Lukashenko", "--collapse", "--index-dir", str(golden))
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "reindex --full" in r.stderr
    assert cli("story", "x", "--index-dir", str(golden)).exit_code == 2
    with NewsIndex.open(golden, check=False) as old:
        assert old.reindex(full=True).outcome == "ok"
    with NewsIndex.open(golden) as rebuilt:  # the rebuild has stories
        assert rebuilt.search("Lukashenko", collapse=True).total >= 1


def test_bad_collapse_options_are_one_line_errors(ix):
    ix.add([article("wire-1", DOCKS, "wire", T0)])
    with pytest.raises(SearchOptionError, match="collapse_by"):
        ix.search("dock", collapse=True, collapse_by="latest")
    with pytest.raises(SearchOptionError, match="count_by"):
        ix.search("dock", count_by="sources")
    with pytest.raises(SearchOptionError, match="collapse counts stories"):
        ix.search("dock", collapse=True, count_by="article")


def test_cli_query_collapse_json_and_the_story_command(tmp_path, ix):
    index_dir = tmp_path / "index"
    ix.add([article("wire-1", DOCKS, "wire", T0),
            article("herald-1", DOCKS_REPRINT, "herald", T0 + timedelta(hours=3)),
            article("farm-1", WHEAT, "farmnews", T0, headline="Prairie wheat harvest to fall")])
    r = cli("query", "dock OR wheat", "--collapse", "--json", "--index-dir", str(index_dir))
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert (doc["total"], doc["total_articles"], doc["total_stories"], doc["collapsed"]) == (2, 3, 2, True)
    docks = next(h for h in doc["hits"] if h["copies"] == 2)
    assert docks["sources"] == ["herald", "wire"] and docks["story"]
    text = cli("query", "dock", "--collapse", "--index-dir", str(index_dir))
    assert f"2 copies (herald, wire): news-search story {docks['story']}" in text.stdout
    assert "1 story (2 matches)" in text.stderr
    assert cli("query", "dock OR wheat", "--count-by", "story", "--count",
               "--index-dir", str(index_dir)).stdout.strip() == "2"

    shown = cli("story", docks["story"], "--json", "--index-dir", str(index_dir))
    assert shown.exit_code == 0
    story = json.loads(shown.stdout)
    assert (story["story"], story["copies"], story["sources"]) == (docks["story"], 2, ["herald", "wire"])
    assert [a["id"] for a in story["articles"]] == ["wire-1", "herald-1"]
    assert story["articles"][0]["diff"] == "" and "+[today]" in story["articles"][1]["diff"]
    listed = cli("story", "herald-1", "--index-dir", str(index_dir))
    assert listed.exit_code == 0 and "earliest copy" in listed.stdout and "same words:" in listed.stdout
    assert "2 copies from herald, wire" in listed.stderr
    missing = cli("story", "nope", "--index-dir", str(index_dir))
    assert missing.exit_code == 1 and "no story or article with id nope" in missing.stderr


def test_collapsed_pages_walk_every_story_once(ix):
    articles = []
    for k in range(12):  # 12 stories of 1-3 copies each
        body = f"Story number {k}: " + " ".join(f"w{k}x{j}" for j in range(40))
        for c in range(1 + k % 3):
            articles.append(article(f"s{k}-c{c}", body + (" extra" * c), f"src{c}",
                                    T0 + timedelta(hours=c), headline=f"Common headline {k}"))
    ix.add(articles)
    seen = [h.story for h in ix.iter_hits("common", collapse=True)]
    assert len(seen) == len(set(seen)) == 12
    res = ix.search("common", collapse=True, limit=5, page=3)
    assert (res.total, res.pages, len(res.hits)) == (12, 3, 2)
    assert sum(h.copies for h in ix.iter_hits("common", collapse=True)) == len(articles)
    assert dataclasses.replace(res.hits[0]).story is not None


def story_tables(clusters) -> list[dict[bytes, set[str]]]:
    """A StoryClusters' LSH tables: per band, key -> ids."""
    from search.indexing.stories import ids_under

    return [{k: set(ids_under(table, k)) for k in table} for table in clusters._tables]


class DatasketchMinHash:
    """A reused datasketch MinHash holding stored signature values, to hand them to
    datasketch's own LSH: the library our scheme is checked against (a build does not
    import it: indexing/stories.py says why)."""

    def __init__(self) -> None:
        from datasketch import MinHash

        from search.indexing.stories import NUM_PERM, SCHEME, SEED

        self.minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, scheme=SCHEME)

    def as_minhash(self, values):
        self.minhash.hashvalues = values
        return self.minhash


def datasketch_tables(lsh) -> list[dict[bytes, set[str]]]:
    """A datasketch MinHashLSH's tables, keys in the byte order a signature stores them."""
    import numpy as np

    return [{np.frombuffer(k, dtype=">u4").astype("<u4").tobytes(): set(v)
             for k, v in table._dict.items()} for table in lsh.hashtables]


def test_loading_stored_minhashes_fills_the_lsh_as_inserting_them_does():
    """StoryClusters loads a generation's MinHashes in bulk; the LSH tables must be what
    datasketch's own `insert` makes, or a copy indexed in a later run would be missed."""
    import numpy as np
    from datasketch import MinHashLSH

    from search.indexing.stories import NUM_PERM, THRESHOLD, StoryClusters, signature

    bodies = [DOCKS, DOCKS_REPRINT, DOCKS_AGAIN, WHEAT, DOCKS_NEXT_WEEK]
    rows = [(f"a{k}", f"s{k}", signature(b), None) for k, b in enumerate(bodies)]
    loaded = StoryClusters(lambda: rows)
    loaded._load()
    signer = DatasketchMinHash()
    plain = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    for article_id, _, sig, _ in rows:
        plain.insert(article_id, signer.as_minhash(np.frombuffer(sig, dtype="<u4").astype(np.uint32)))
    assert story_tables(loaded) == datasketch_tables(plain)
    assert len(loaded._tables) == len(plain.hashtables)
    # and the loaded index answers: a new copy of the wire story joins its story
    assert loaded.assign("new", "h", DOCKS + " Reuters contributed.") in {"s0", "s1", "s2"}


@pytest.fixture
def term_stories(tmp_path: Path) -> Path:
    """An index written when the story was a term on every article (`ID(sortable=True)`,
    before the story became a column only: indexing/schema.py): wire-1 and herald-1 (DOCKS and its reprint)
    are one story, farm-1 (WHEAT) another."""
    copy = tmp_path / "term-stories"
    shutil.copytree(Path(__file__).parent / "data" / "stories-term-index", copy)
    return copy


def test_an_index_with_story_terms_reads_and_grows_as_before(term_stories):
    with NewsIndex.open(term_stories) as old:
        story = old.story("wire-1")
        assert story.id == "5f2d64092184e419"  # the id it was written with
        assert [c.id for c in story.copies] == ["wire-1", "herald-1"]
        assert [c.id for c in old.story(story.id).copies] == ["wire-1", "herald-1"]
        assert [c.id for c in old.story("farm-1").copies] == ["farm-1"]
        hits = old.search("rotterdam OR wheat", collapse=True).hits
        assert sorted((h.copies, h.sources) for h in hits) == [(1, ("farmnews",)), (2, ("herald", "wire"))]
        # written to with today's code (its schema keeps the term): a copy joins, a delete leaves
        old.add([article("post-1", DOCKS_AGAIN, "post", T0 + timedelta(hours=5))])
        assert [c.id for c in old.story(story.id).copies] == ["wire-1", "herald-1", "post-1"]
        old.delete(["wire-1"])
        assert [c.id for c in old.story("post-1").copies] == ["herald-1", "post-1"]
        assert old.story("herald-1").id == story.id


def test_a_story_is_found_by_its_column_without_deleted_copies(ix):
    """The story is a column only (no term): `story` scans it, and skips deleted copies."""
    ix.add([article("wire-1", DOCKS, "wire", T0),
            article("herald-1", DOCKS_REPRINT, "herald", T0 + timedelta(hours=3)),
            article("post-1", DOCKS_AGAIN, "post", T0 + timedelta(hours=5))])
    story = ix.story("herald-1").id
    assert [c.id for c in ix.story(story).copies] == ["wire-1", "herald-1", "post-1"]
    ix.delete(["herald-1"])
    assert [c.id for c in ix.story(story).copies] == ["wire-1", "post-1"]
    with pytest.raises(ArticleNotFoundError):
        ix.story("herald-1")
    with NewsIndex.open(ix.index_dir) as again:  # a fresh reader (deletions on disk)
        assert [c.id for c in again.story(story).copies] == ["wire-1", "post-1"]
