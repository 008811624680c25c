"""Story signatures computed a chunk at a time (in the parse process) are datasketch's MinHashes
of each body, and the LSH tables the writer fills with them are the ones datasketch fills: so
stored signatures stay valid and a build places every article as before."""
from __future__ import annotations

import gc
import multiprocessing as mp
import sqlite3
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from test_stories import (
    DOCKS,
    DOCKS_AGAIN,
    DOCKS_NEXT_WEEK,
    DOCKS_REPRINT,
    T0,
    WHEAT,
    DatasketchMinHash,
    _write,
    datasketch_tables,
    story_tables,
)

from search import NewsIndex
from search.article import article_id
from search.engine.segwriter import start_forked
from search.indexing import WriteSettings, index_paths
from search.indexing.feed import NOT_SIGNED, parsed_chunks
from search.indexing.store import current_generation
from search.indexing.stories import (
    MIN_WORDS,
    NUM_PERM,
    SEED,
    THRESHOLD,
    StoryClusters,
    shingle_hashes,
    signature,
    signatures,
    words,
)
from search.ingest import IngestOptions, Skip
from search.ingest.discover import discover

UNICODE = ("Le port a annoncé lundi que les dockers de Rotterdam reprendront le travail mercredi "
           "— après l’accord salarial de 4,5 % sur deux ans, «un compromis» selon le syndicat; "
           "plus de 40 porte-conteneurs attendaient au large. ") * 2
NUMBERS = " ".join(f"Net {k},{k * 7 % 1000:03d}.{k % 10} mln vs 6-3/{k % 9 + 1} dlrs, up {k}.{k}%"
                   for k in range(30))
SHORT = "Qtly div 25 cts vs 25 cts prior. Pay April 1. Record March 15."
# More distinct features than one numpy block holds (stories._BLOCK_ROWS): the minimum is
# then taken across blocks.
HUGE = " ".join("".join(chr(97 + int(d)) for d in str(k)) for k in range(40_000))
BODIES = [DOCKS, SHORT, DOCKS_REPRINT, "", UNICODE, HUGE, NUMBERS, DOCKS_AGAIN, DOCKS_NEXT_WEEK, WHEAT]


def datasketch_minhash(body: str) -> np.ndarray | None:
    """The reference: one datasketch MinHash of the body's features, by `update_batch`."""
    features = shingle_hashes(body)
    if features is None:
        return None
    m = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int)
    m.update_batch(features.tolist())
    return m.hashvalues


def test_signatures_are_datasketchs_minhash_of_each_body():
    signed = signatures(BODIES)
    assert len(signed) == len(BODIES)
    for body, sig in zip(BODIES, signed):
        expected = datasketch_minhash(body)
        if expected is None:
            assert sig is None and len(words(body)) < MIN_WORDS
        else:
            assert np.array_equal(np.frombuffer(sig, dtype="<u4"), expected)
    assert [signed[k] is None for k in range(len(BODIES))] == \
        [False, True, False, True, False, False, False, False, False, False]
    # a body signs alike whatever chunk it is in
    assert [signature(b) for b in BODIES] == signed
    assert signatures(BODIES[::-1]) == signed[::-1]
    assert signatures([]) == []


def test_words_keep_numbers_whole_and_cut_punctuation():
    assert words("Net 1,234.5 mln vs 6-3/8 “dlrs”—up 1..2 a1,b U.S. 9/9/") == \
        [b"net", b"1_234_5", b"mln", b"vs", b"6_3_8", b"dlrs", b"up", b"1", b"2", b"a1", b"b",
         b"u", b"s", b"9_9"]
    # bodies cut together never join across their boundary
    text = signatures(["word " * 39 + "5.", "5 " + "word " * 39])
    assert text == [signature("word " * 39 + "5."), signature("5 " + "word " * 39)]


def test_the_lsh_tables_are_datasketchs_after_placing_and_removing():
    """The writer inserts and removes band keys itself (StoryClusters._insert, _forget);
    its tables and candidates must be what `MinHashLSH.insert`/`remove` make."""
    bodies = {f"a{k}": b for k, b in enumerate(BODIES)}
    bodies.update({f"b{k}": b + " Reuters contributed." for k, b in enumerate(BODIES)})
    clusters = StoryClusters(lambda: [])
    plain = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    signer = DatasketchMinHash()
    for name, body in bodies.items():
        clusters.assign(name, "h", body)
        sig = signature(body)
        if sig is not None:
            plain.insert(name, signer.as_minhash(np.frombuffer(sig, dtype="<u4").astype(np.uint32)))
    for name in ("a0", "b2", "a5"):
        clusters.remove(name)
        plain.remove(name)
    assert story_tables(clusters) == datasketch_tables(plain)
    # copies found their story through the tables: each wire body and its reprint share one
    assert clusters.assign("c", "h", DOCKS) == clusters._story_of["a2"] == clusters._story_of["b0"]


def test_parse_workers_sign_each_chunk_aligned_with_its_items(tmp_path):
    corpus = tmp_path / "corpus"
    for k, body in enumerate(BODIES):
        _write(corpus, f"{k}.txt", f"Story {k}", body, "wire", T0 + timedelta(hours=k))
    (corpus / "wire" / "empty.txt").write_text("", "utf-8")  # read as a skip
    files = [f for f in discover([str(corpus)], IngestOptions()) if not isinstance(f, Skip)]
    for workers in (1, 2):
        chunks = list(parsed_chunks(files, IngestOptions(), workers, signatures))
        items = [(item, sig) for c in chunks for item, sig in zip(c.items, c.signatures)]
        assert len(items) == len(files) and any(isinstance(i, Skip) for i, _ in items)
        for item, sig in items:
            assert sig == (NOT_SIGNED if isinstance(item, Skip) else signature(item.body))
    assert all(c.signatures is None for c in parsed_chunks(files, IngestOptions(), 2))


def _stored(index_dir: Path) -> dict[str, tuple[str, bytes | None]]:
    db = sqlite3.connect(index_dir / f"{current_generation(index_dir)}.manifest.sqlite")
    try:
        return {i: (s, sig) for i, s, sig in db.execute("SELECT id, story, signature FROM stories")}
    finally:
        db.close()


@pytest.mark.parametrize("parse_workers", [1, 2])
def test_a_build_stores_the_signatures_of_the_bodies_and_groups_the_copies(tmp_path, parse_workers):
    corpus = tmp_path / "corpus"
    for k, body in enumerate(BODIES):
        when = T0 + (timedelta(days=7) if body == DOCKS_NEXT_WEEK else timedelta(hours=k))
        _write(corpus, f"{k}.txt", f"Story {k}", body, "wire" if k % 2 else "herald", when)
    index_dir = tmp_path / "index"
    index_paths(index_dir, [corpus], settings=WriteSettings(procs=1, parse_workers=parse_workers,
                                                            durable=False))
    stored = _stored(index_dir)
    assert len(stored) == len(BODIES)
    by_body = {}
    for path in sorted(corpus.rglob("*.txt")):
        body = BODIES[int(path.stem)]
        row = stored[article_id(corpus.name, path.relative_to(corpus).as_posix())]
        assert row[1] == signature(body)
        by_body[path.stem] = row[0]
    # DOCKS (0), its reprint (2) and the lightly edited copy (7) are one story; the next
    # week's bulletin (8), the wheat report (9) and the rest are stories of their own
    assert by_body["0"] == by_body["2"] == by_body["7"]
    assert len({by_body[k] for k in ("0", "1", "3", "4", "5", "6", "8", "9")}) == 8


def _report_frozen(out) -> None:
    out.put(gc.get_freeze_count())


def test_forked_writers_inherit_the_writers_objects_frozen():
    """A Whoosh sub-writer or parse worker forked from a writer holding the story LSH must not
    walk (and copy) the inherited objects in its own garbage collections."""
    ctx = mp.get_context("fork")
    out = ctx.Queue()
    held = [{k} for k in range(10_000)]  # containers the child inherits
    child = ctx.Process(target=_report_frozen, args=(out,))
    start_forked(child)
    try:
        assert out.get(timeout=30) >= len(held)
    finally:
        child.join(timeout=30)
    assert gc.get_freeze_count() == 0  # the parent's own collector sees them again


def test_placing_keeps_the_story_state_frozen_until_the_run_ends():
    """The story state is long-lived: after each commit's placing it is out of the garbage
    collector's sight (frozen), a fork does not unfreeze it, and the run's end does."""
    assert gc.get_freeze_count() == 0
    clusters = StoryClusters(lambda: [])
    try:
        clusters.assign("a", "h", DOCKS)
        clusters.take_pending()  # a commit: what was placed is frozen
        assert gc.get_freeze_count() > 0
        ctx = mp.get_context("fork")
        out = ctx.Queue()
        child = ctx.Process(target=_report_frozen, args=(out,))
        start_forked(child)
        try:
            assert out.get(timeout=30) > 0
        finally:
            child.join(timeout=30)
        assert gc.get_freeze_count() > 0  # still frozen after the fork
    finally:
        clusters.close()
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("fail", [False, True])
def test_an_index_run_leaves_nothing_frozen(tmp_path, fail):
    """Whether a run with stories ends or fails after placing, the process's objects are
    collectable again (a long-lived process indexing many times would otherwise keep its
    garbage for ever)."""
    corpus = tmp_path / "corpus"
    _write(corpus, "a.txt", "Dock strike ends", DOCKS, "wire", T0)
    _write(corpus, "b.txt", "Rotterdam dockers back", DOCKS_REPRINT, "herald", T0)
    frozen_then = []

    def progress(_):
        frozen_then.append(gc.get_freeze_count())
        if fail:
            raise KeyboardInterrupt  # a run stopped mid-way, after a commit

    settings = WriteSettings(procs=1, batch_size=1)  # a commit (and a freeze) per article
    if fail:
        with pytest.raises(KeyboardInterrupt):
            index_paths(tmp_path / "ix", [corpus], progress=progress, settings=settings)
    else:
        index_paths(tmp_path / "ix", [corpus], progress=progress, settings=settings)
    assert frozen_then and frozen_then[0] > 0  # placing had frozen the state
    assert gc.get_freeze_count() == 0


_RUN_AND_REPORT = """
import sys
from search.indexing import WriteSettings, index_paths
run = index_paths(sys.argv[1], [sys.argv[2]], settings=WriteSettings(procs=1))
print(run.added, "datasketch" in sys.modules, "scipy" in sys.modules)
"""


def test_a_build_does_not_import_datasketch(tmp_path):
    """datasketch imports scipy (~0.6 s of CPU): a run that signs and places articles uses
    datasketch's scheme as stories.py computes it (checked against datasketch below), so
    neither is loaded, whether it adds articles or finds nothing to do."""
    import subprocess
    import sys

    corpus = tmp_path / "corpus"
    _write(corpus, "a.txt", "Dock strike ends", DOCKS, "wire", T0)
    _write(corpus, "b.txt", "Rotterdam dockers back", DOCKS_REPRINT, "herald", T0)

    def run() -> str:
        return subprocess.run([sys.executable, "-c", _RUN_AND_REPORT, str(tmp_path / "ix"), str(corpus)],
                              capture_output=True, text=True, check=True).stdout.split()

    assert run() == ["2", "False", "False"]
    assert run() == ["0", "False", "False"]  # nothing changed
    _write(corpus, "c.txt", "Dockers back again", DOCKS_AGAIN, "post", T0)
    assert run() == ["1", "False", "False"]
    with NewsIndex.open(tmp_path / "ix") as ix:  # and the copies found their story
        assert len(ix.story(article_id(corpus.name, "wire/a.txt")).copies) == 3


def test_the_scheme_is_datasketchs():
    """The permutations, pre-mix and banding stories.py computes are datasketch's, for
    NUM_PERM, SEED and THRESHOLD (stored signatures stay valid; a datasketch that changed
    them would show here)."""
    from datasketch.minhash import _fmix

    from search.indexing import stories

    assert np.array_equal(np.array(stories._PERMUTATIONS), DatasketchMinHash().minhash.permutations)
    assert np.array(stories._PERMUTATIONS).dtype == DatasketchMinHash().minhash.permutations.dtype
    values = np.random.RandomState(7).randint(0, 1 << 32, 10_000, dtype=np.uint32)
    assert np.array_equal(stories._fmix32(values), _fmix(values, 32))
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    assert (stories.BANDS, stories.ROWS) == (lsh.b, lsh.r)
