"""Story clusters: articles whose bodies are near-duplicates, grouped at index time.

Wire copy syndicated by many outlets, updated or corrected versions of one report and
reposts with another headline share most of their text. Each article gets a story id
(schema field `story`, a column: schema.py says why not a term); the copies of one story
share it, and searches can show one hit per story (search/query/collapse.py).

How an article finds its story (datasketch's MinHash LSH over word shingles; its scheme is
computed here, checked equal to datasketch's: `_affine32_permutations` says why):
- its body's words (lower-cased, numbers kept whole) as overlapping SHINGLE_WORDS-word
  shingles, plus each distinct number as NUMBER_WEIGHT more features, summarised by a
  MinHash of NUM_PERM permutations (datasketch's affine32 scheme: 4 bytes each). The
  numbers count extra because wire services send the same template every day ("The
  Bank of England said it forecast a shortage of around 300 mln stg..."): there the
  numbers are what tells two reports apart;
- an LSH index over the live articles' MinHashes gives the candidates; the article joins
  the story of the candidate with the highest estimated Jaccard similarity, if that is at
  least THRESHOLD and the article was published within STORY_WINDOW of the story's
  first dated copy (undated articles have no window), else it starts a story of its own.
  The window keeps daily, weekly and monthly templates apart (a USDA crop estimate a
  month later scored 0.85), and measured from the story's start, not from the nearest
  copy, it stops a chain of daily reports from growing one day at a time;
- bodies under MIN_WORDS words are never merged: on Reuters-21578 they are templates
  ("Qtly div 25 cts vs 25 cts prior / Pay April 1 / Record March 15") whose company is
  only in the headline, so equal bodies there are different stories. (30 words gained
  one labelled copy of 36 and merged the 38-word template articles of the service's
  test corpus.)
The constants were chosen on the labelled sample tests/data/stories-reuters-labels.tsv
(precision and recall: bench/bench_stories.py; on the first draft, threshold 0.5 with no
number weight and no window, 16 of 39 merged pairs were different reports).

What changes do:
- a new article joins the story of its most similar live copy (or starts one);
- an edited article is placed again: it stays when it is still a near-copy of a member,
  moves when it is now one of another story, leaves when it is one of none (keeping its
  story id when it was alone in it, so a story's id survives typo fixes);
- a deleted article leaves its story; the other copies keep their story id (ids are
  opaque, never an article's id), so a story whose earliest copy is deleted stays whole;
- `reindex --full` starts from nothing and rebuilds every story.

The MinHash state lives in the generation's manifest (`stories` table: id, story,
content_hash, signature, published), written in the same SQLite transaction as the batch's
`articles` rows, after the Whoosh commit that holds the story ids (manifest.py's crash
windows: the index is the truth; after a crash between the two commits, `reconcile`
recomputes the rows that differ from the index's `story`/`content_hash` columns from
the stored bodies). A run loads the table into an in-memory LSH the first time it
places an article (a run that changes nothing does not pay for it).

Cost: signatures are computed a parse chunk (200 articles) at a time, in the process that
parses it (feed.py: the parse workers when there are some), with one numpy pass over the
chunk; the writer cuts each signature's band keys once (byte slices) and looks them up,
one C-level dict call per band. On Reuters-21578 (21,321 articles) that is ~1.1 s of CPU
to sign and ~0.5 s to place, where signing with one `MinHash.update_batch` per article
and datasketch's `insert`/`query` took ~5.5 s. The story state is long-lived and kept
out of the garbage collector's sight while a run places articles (`_settle`: its full
collections cost ~0.9 s of a Reuters build). A Reuters build with stories takes
1.00-1.10x the CPU of one without (medians of three runs, bench/README.md).
"""
from __future__ import annotations

import gc
import hashlib
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import repeat
from typing import Any

import numpy as np

from .feed import NOT_SIGNED

SHINGLE_WORDS = 3
NUMBER_WEIGHT = 3
NUM_PERM = 128
THRESHOLD = 0.5
MIN_WORDS = 40
STORY_WINDOW = 36 * 3600  # seconds, from the story's first dated copy
SEED = 1
SCHEME = "affine32"
STORY_FIELD = "story"

# Words: lower-cased text split at white space and punctuation (ASCII, and the general
# punctuation block: curly quotes and dashes differ between copies of one story), but
# numbers kept whole ("6-3/8", "1,234.5" are one word each: a [.,/-] between two digits
# joins them). Byte-level translate and split, numpy for the joins: all in C, over a whole
# chunk of articles at once (Python per word cost a third of the build's story time on
# Reuters; a regex for the joins, 60% of the cutting).
_UNICODE_PUNCT = str.maketrans({c: " " for c in
                                [*map(chr, range(0x2000, 0x2070)), *"«»‹›„‚、。，：；！？،؛؟"]})
_JOINS = np.zeros(256, dtype=bool)
_JOINS[list(b".,/-")] = True
_ASCII_PUNCT = bytes(32 if i < 128 and not chr(i).isalnum() and chr(i) != "_" else i
                     for i in range(256))
# Per byte of the cut text: 0 white space (where bytes.split cuts), 2 a digit, 1 else; the
# words holding a digit are the numbers, found with numpy (a regex took 4x as long).
_MARKS = bytes(0 if i in b" \t\n\r\x0b\x0c" else 2 if 48 <= i <= 57 else 1 for i in range(256))
# Order-sensitive combination of a shingle's word hashes (an odd 32-bit multiplier), and
# the salts that turn one number into NUMBER_WEIGHT extra features.
_MIX = np.uint32(0x9E3779B1)
_NUMBER_SALTS = [np.uint32((0x5BD1E995 * (k + 1)) & 0xFFFFFFFF) for k in range(NUMBER_WEIGHT)]


@dataclass(frozen=True)
class StoryRow:
    """One live article's place: its story, date (for STORY_WINDOW) and the MinHash it was
    placed with (None for a body too short to merge)."""

    id: str
    story: str
    content_hash: str
    signature: bytes | None
    published: int | None = None  # seconds since 1970, UTC


def _lowered(body: str) -> bytes:
    """A body lower-cased, Unicode punctuation as spaces, as UTF-8."""
    text = body.lower()
    if not text.isascii():  # else there is no Unicode punctuation to replace
        text = text.translate(_UNICODE_PUNCT)
    return text.encode("utf-8", "surrogatepass")


def _texts(bodies: Sequence[str]) -> tuple[bytes, np.ndarray]:
    """The bodies as their words are cut from them, as one text (a space between two
    bodies), and the offset where each body starts in it."""
    lowered = [_lowered(body) for body in bodies]
    starts = np.zeros(len(lowered), dtype=np.int64)
    if lowered:
        starts[1:] = np.cumsum(np.fromiter(map(len, lowered), np.int64, len(lowered)) + 1)[:-1]
    text = b" ".join(lowered)
    raw = np.frombuffer(text, dtype=np.uint8)
    digit = (raw - 48) < 10  # bytes wrap: only b"0".."9" are under 10
    joins = np.flatnonzero(_JOINS[raw[1:-1]] & digit[:-2] & digit[2:]) + 1
    if joins.size:
        raw = raw.copy()
        raw[joins] = ord("_")
        text = raw.tobytes()
    return text.translate(_ASCII_PUNCT), starts


def words(body: str) -> list[bytes]:
    """A body's words, as the shingles see them (module docstring)."""
    return _texts([body])[0].split()


def shingle_hashes(body: str) -> np.ndarray | None:
    """A body's features as distinct 32-bit hashes: its SHINGLE_WORDS-word shingles, and
    each distinct number NUMBER_WEIGHT more times; None when the body has fewer than
    MIN_WORDS words (module docstring)."""
    features, _, signed = _features([body])
    return np.unique(features) if signed else None


def _features(bodies: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The features of many bodies at once: (features, owner, signed). `signed`: the
    indexes of the bodies of MIN_WORDS words or more (the others have none); owner[k] the
    position in `signed` of the body that feature k belongs to, in increasing order. A
    body's features may repeat (a MinHash is a minimum: repeats change nothing). One numpy
    pass over a chunk of articles, not one per article: numpy's fixed cost per call was
    most of the cost of a 170-feature article."""
    text, body_starts = _texts(bodies)
    found = text.split()
    marks = np.frombuffer(text.translate(_MARKS), dtype=np.uint8)
    inside = marks > 0
    word_starts = inside.copy()
    word_starts[1:] &= ~inside[:-1]
    holds_digit = np.zeros(len(found), dtype=bool)
    holds_digit[(np.cumsum(word_starts) - 1)[marks == 2]] = True
    body = np.searchsorted(body_starts, np.flatnonzero(word_starts), side="right") - 1
    long = np.bincount(body, minlength=len(bodies)) >= MIN_WORDS
    keep = long[body]
    h = np.fromiter(map(zlib.crc32, found), dtype=np.uint32, count=len(found))[keep]
    owner = (np.cumsum(long) - 1)[body[keep]]
    n = max(len(h) - SHINGLE_WORDS + 1, 0)
    mixed = h[:n].copy()
    for k in range(1, SHINGLE_WORDS):
        mixed = mixed * _MIX + h[k:n + k]
    whole = owner[:n] == owner[SHINGLE_WORDS - 1:]  # the shingle's words are of one body
    numbers, number_owner = h[holds_digit[keep]], owner[holds_digit[keep]]
    features = np.concatenate([mixed[whole], *(numbers ^ salt for salt in _NUMBER_SALTS)])
    owners = np.concatenate([owner[:n][whole], *([number_owner] * NUMBER_WEIGHT)])
    order = np.argsort(owners, kind="stable")
    return features[order], owners[order], np.flatnonzero(long).tolist()


# Features hashed at once: 32,768 x NUM_PERM x 4 bytes = 16 MB per temporary array.
_BLOCK_ROWS = 1 << 15
_EMPTY = np.uint32(0xFFFFFFFF)  # a MinHash value before any feature (affine32)


def _min_hashes(features: np.ndarray, owner: np.ndarray, count: int) -> np.ndarray:
    """The MinHash values of `count` feature sets (`_features`), one row each: what
    datasketch's `MinHash.update_batch` computes for each set (affine32: its pre-mix `_fmix`
    then a*h+b mod 2^32 per permutation, the minimum per permutation; a test compares
    them), with one numpy pass per block of features rather than one Python int per
    feature and one numpy pass per article (update_batch took 7x as long on Reuters)."""
    a, b = (p.reshape(-1, 1) for p in _PERMUTATIONS)
    out = np.full((count, NUM_PERM), _EMPTY, dtype=np.uint32)
    for r0 in range(0, len(features), _BLOCK_ROWS):
        block, rows = features[r0:r0 + _BLOCK_ROWS], owner[r0:r0 + _BLOCK_ROWS]
        starts = np.flatnonzero(np.concatenate([[True], rows[1:] != rows[:-1]]))
        # one row per permutation, features along the row: the minimum of each text's run
        # of features is then a reduceat over contiguous memory (5x faster than columns)
        hashed = a * _fmix32(block)
        hashed += b
        lowest = np.minimum.reduceat(hashed, starts, axis=1).T
        mine = rows[starts]
        out[mine] = np.minimum(out[mine], lowest)
    return out


def signatures(bodies: Sequence[str]) -> list[bytes | None]:
    """What the manifest stores for each body: its MinHash values as little-endian uint32
    (NUM_PERM x 4 bytes), or None for a body under MIN_WORDS words. Many bodies at once (a
    parse chunk: search/indexing/feed.py signs them in the parse process)."""
    features, owner, signed = _features(bodies)
    out: list[bytes | None] = [None] * len(bodies)
    if signed:
        values = _min_hashes(features, owner, len(signed)).astype("<u4")
        for row, k in enumerate(signed):
            out[k] = values[row].tobytes()
    return out


def signature(body: str) -> bytes | None:
    """`signatures` of one body."""
    return signatures([body])[0]


def _as_values(sig: bytes) -> np.ndarray:
    return np.frombuffer(sig, dtype="<u4").astype(np.uint32)


# datasketch's MinHash scheme and LSH banding, computed here so that a build does not import
# datasketch: the package imports scipy (~0.6 s of CPU per write run, 2-3% of a Reuters
# build, for an integral that picks the banding once). tests/test_stories_signing.py checks
# each against datasketch (its permutations, `_fmix`, `MinHashLSH`'s b and r, its tables).
def _affine32_permutations() -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of datasketch's `MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")`:
    a odd (a bijection on 32 bits), drawn from numpy's RandomState(SEED) as it draws them."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


_PERMUTATIONS = _affine32_permutations()


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, affine32's pre-mix (datasketch's `_fmix(h, 32)`)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


# `MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)`'s banding: BANDS bands of ROWS values,
# the (b, r) that minimises its false positive and negative probabilities at THRESHOLD.
BANDS, ROWS = 25, 5


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The Jaccard similarity that two MinHashes estimate (as datasketch's `jaccard`)."""
    return float(np.count_nonzero(a == b)) / len(a)


def new_story_id(article_id: str, content_hash: str, salt: int = 0) -> str:
    """An opaque 16-hex-digit story id, made from the article that starts the story."""
    key = f"{article_id}\x1f{content_hash}\x1f{salt}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(key, digest_size=8).hexdigest()


_BAND_BYTES = [(band * ROWS * 4, (band + 1) * ROWS * 4) for band in range(BANDS)]


def band_keys(sig: bytes) -> list[bytes]:
    """The LSH key of each band of a stored signature: its ROWS values as stored."""
    return [sig[start:end] for start, end in _BAND_BYTES]


# An LSH band's table: band key -> the id of the article that has it, or a tuple of ids
# when several share it. Nearly every key has one article (Reuters: 412,900 keys, ~1,000
# shared) and a string is no container: the writer's garbage collector has nothing to walk
# in it, and placing an article allocates no container per band (datasketch's dict
# storage keeps a set per key: with it, the tables were half of the story state's 133 MB).
BandTable = dict[bytes, "str | tuple[str, ...]"]


def _add(table: BandTable, key: bytes, article_id: str) -> None:
    """Put an article under a band key (once: a set, as datasketch's storage)."""
    have = table.get(key)
    if have is None:
        table[key] = article_id
    elif type(have) is str:
        if have != article_id:
            table[key] = (have, article_id)
    elif article_id not in have:
        table[key] = have + (article_id,)


def _discard(table: BandTable, key: bytes, article_id: str) -> None:
    """Take an article from under a band key; the key goes with its last article."""
    have = table[key]
    if type(have) is str:
        del table[key]
    else:
        left = tuple(v for v in have if v != article_id)
        table[key] = left[0] if len(left) == 1 else left


def ids_under(table: BandTable, key: bytes) -> tuple[str, ...]:
    """The ids of the articles that have a band key."""
    have = table.get(key, ())
    return (have,) if type(have) is str else have


class StoryClusters:
    """One generation's stories, loaded from its manifest on first use; every change is
    kept as a pending row until the batch's commit takes it (`take_pending`).

    The LSH index is datasketch's `MinHashLSH` as its tables hold it (BANDS tables, one per
    band), filled and queried here with each article's band keys cut once from its stored
    signature: `MinHashLSH.insert` and `query` slice and byte-swap every band of a MinHash
    object (50 numpy calls per article), which was a third of the writer's story time on
    Reuters. A key is the band's values as the signature stores them (little-endian), where
    datasketch's are big-endian: the same tables up to that order (tests/test_stories.py
    compares them), and no numpy call per article."""

    def __init__(self, rows: Callable[[], Iterable[tuple[str, str, bytes | None, int | None]]]):
        """`rows`: reads the manifest's (id, story, signature, published) rows
        (`Manifest.story_rows`), called on first use."""
        self._rows = rows
        self._loaded = False
        self._tables: list[BandTable] = [{} for _ in range(BANDS)]
        self._signatures: dict[str, bytes] = {}  # id -> signature, for the live articles
        self._first: dict[str, int] = {}  # story -> its first dated copy (seconds)
        self._story_of: dict[str, str] = {}
        self._sizes: Counter[str] = Counter()
        self._removed_unloaded: set[str] = set()
        self._pending: dict[str, tuple[str, str, str, bytes | None, int | None]] = {}
        self._froze = False

    sign = staticmethod(signatures)  # what the parse process computes per chunk (feed.py)

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        signed: list[tuple[str, bytes]] = []
        for article_id, story, sig, published in self._rows():
            if article_id in self._removed_unloaded:
                continue
            self._story_of[article_id] = story
            self._sizes[story] += 1
            self._started(story, published)
            if sig is not None:
                signed.append((article_id, sig))
        for article_id, sig in signed:  # Reuters' 17,000: ~0.2 s before a run's first article
            self._insert(article_id, sig, band_keys(sig))
        self._settle()

    def _insert(self, article_id: str, sig: bytes, keys: list[bytes]) -> None:
        """What `MinHashLSH.insert(article_id, minhash)` does with the band keys."""
        self._signatures[article_id] = sig
        # one C call per band puts the id under every key that has none (nearly all)
        held = list(map(dict.setdefault, self._tables, keys, repeat(article_id)))
        if held.count(article_id) < BANDS:
            for key, table, have in zip(keys, self._tables, held):
                if have != article_id:
                    _add(table, key, article_id)

    def _forget(self, article_id: str) -> str | None:
        story = self._story_of.pop(article_id, None)
        if story is not None:
            self._sizes[story] -= 1
            if self._sizes[story] <= 0:
                del self._sizes[story]
                self._first.pop(story, None)
        sig = self._signatures.pop(article_id, None)
        if sig is not None:  # what `MinHashLSH.remove(article_id)` does
            for key, table in zip(band_keys(sig), self._tables):
                _discard(table, key, article_id)
        return story

    def remove(self, article_id: str) -> None:
        """A deleted article leaves its story (the manifest row goes with its `articles` row)."""
        if not self._loaded:
            self._removed_unloaded.add(article_id)
        else:
            self._forget(article_id)
        self._pending.pop(article_id, None)

    def assign(self, article_id: str, content_hash: str, body: str,
               published: datetime | None = None, signature: bytes | None = NOT_SIGNED) -> str:
        """The story id for an article being written (new or edited); see the module
        docstring for the rules. `signature`: the body's (`signatures`), when the parse
        process has computed it; None for a body too short to merge."""
        self._load()
        old_story = self._forget(article_id)
        sig = signatures([body])[0] if signature == NOT_SIGNED else signature
        when = epoch_seconds(published)
        story = keys = None
        if sig is not None:
            keys = band_keys(sig)
            story = self._nearest_story(sig, keys, when)
        if story is None:
            if old_story is not None and old_story not in self._sizes:
                story = old_story  # it was alone in its story: keep the id
            else:
                salt = 0
                story = new_story_id(article_id, content_hash)
                while story in self._sizes:  # the id of a live story started by a former copy
                    salt += 1
                    story = new_story_id(article_id, content_hash, salt)
        self._story_of[article_id] = story
        self._sizes[story] += 1
        self._started(story, when)
        if sig is not None:
            self._insert(article_id, sig, keys)
        self._pending[article_id] = (article_id, story, content_hash, sig, when)
        return story

    def _started(self, story: str, when: int | None) -> None:
        if when is not None and (story not in self._first or when < self._first[story]):
            self._first[story] = when

    def _nearest_story(self, sig: bytes, keys: list[bytes], when: int | None) -> str | None:
        """The story of the most similar live article at THRESHOLD or above, within
        STORY_WINDOW of that story's first dated copy (ties: the smallest article id, so
        that a rebuild places it the same way). Candidates: the articles sharing a band
        key (`MinHashLSH.query`)."""
        candidates: set[str] = set()
        for found in map(dict.get, self._tables, keys):  # most bands: None
            if found is not None:
                if type(found) is str:
                    candidates.add(found)
                else:
                    candidates.update(found)
        best: tuple[float, str] | None = None
        values = _as_values(sig) if candidates else None
        for other in candidates:
            then = self._first.get(self._story_of[other])
            if when is not None and then is not None and abs(when - then) > STORY_WINDOW:
                continue
            s = similarity(values, _as_values(self._signatures[other]))
            if s >= THRESHOLD and (best is None or s > best[0] or (s == best[0] and other < best[1])):
                best = (s, other)
        return None if best is None else self._story_of[best[1]]

    def take_pending(self) -> list[tuple[str, str, str, bytes | None, int | None]]:
        """The rows of the articles placed since the last call, as the batch's
        `Manifest.record_commit(stories=...)` writes them (deleted ids go by its
        `deleted_ids`)."""
        rows = list(self._pending.values())
        self._pending = {}
        self._settle()
        return rows

    def _settle(self) -> None:
        """Put the process's objects, the story state with them, out of the garbage
        collector's sight until the run ends (`close`): it is long-lived (Reuters: 16,500
        signatures and their 412,900 band keys), and every full collection walked all of it
        again, ~0.9 s of a Reuters build's writer CPU in 5 full collections (0.1 s without
        stories). Young garbage is collected first (a cheap collection of the young
        generations); what is frozen is only collected after `close`."""
        if self._loaded:
            gc.collect(1)
            gc.freeze()
            self._froze = True

    def close(self) -> None:
        """The run is over: its objects are the collector's again (`_settle`)."""
        if self._froze:
            self._froze = False
            gc.unfreeze()


def _row(r: StoryRow) -> tuple[str, str, str, bytes | None, int | None]:
    return (r.id, r.story, r.content_hash, r.signature, r.published)


def epoch_seconds(published: datetime | None) -> int | None:
    """A date as whole seconds since 1970 UTC (naive dates are UTC, as the index stores them)."""
    if published is None:
        return None
    if published.tzinfo is None:
        published = published.replace(tzinfo=timezone.utc)
    return int(published.timestamp())


# -- the manifest's `stories` table (created and written by manifest.py) --------------

def has_stories(ix: Any) -> bool:
    """Whether an index's schema has story ids (indexes built before story clusters do not:
    `news-search reindex --full` rebuilds them with it)."""
    return STORY_FIELD in ix.schema


def _column_text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else (value or "")


def indexed_stories(ix: Any) -> dict[str, tuple[str, str]]:
    """id -> (story, content_hash) of every live document, read from columns, per segment
    (Whoosh 2.7.4's multi-segment column reader is unreliable)."""
    out: dict[str, tuple[str, str]] = {}
    with ix.reader() as reader:
        for sub, _ in reader.leaf_readers():
            if sub.doc_count() == 0 or not sub.has_column(STORY_FIELD):
                continue
            ids = sub.column_reader("id")
            stories = sub.column_reader(STORY_FIELD)
            hashes = sub.column_reader("content_hash")
            for docnum in sub.all_doc_ids():
                out[_column_text(ids[docnum])] = (_column_text(stories[docnum]),
                                                  _column_text(hashes[docnum]))
    return out


def reconcile(ix: Any, table: dict[str, tuple[str, str]]) -> tuple[list[str], list[tuple]]:
    """What brings the manifest's `stories` rows (`table`: id -> (story, content_hash)) in
    line with the index after a crash between the Whoosh commit and the manifest's: the
    ids of articles gone, and the rows that differ from the index, recomputed from the
    stored bodies (manifest.py writes both in its reconcile transaction)."""
    if not has_stories(ix):
        return [], []
    truth = indexed_stories(ix)
    gone = [i for i in table if i not in truth]
    stale = [i for i, v in truth.items() if table.get(i) != v]
    rows = []
    if stale:
        with ix.searcher() as searcher:
            for i in stale:
                fields = searcher.document(id=i) or {}
                story, digest = truth[i]
                rows.append(_row(StoryRow(i, story, digest, signature(fields.get("body", "")),
                                          epoch_seconds(fields.get("published")))))
    return gone, rows


__all__ = ["StoryClusters", "StoryRow", "signature", "signatures", "shingle_hashes", "reconcile", "has_stories",
           "STORY_FIELD", "THRESHOLD", "MIN_WORDS", "SHINGLE_WORDS"]
