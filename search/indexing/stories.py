"""Story clusters: articles whose bodies are near-duplicates, grouped at index time.

Wire copy syndicated by many outlets, updated or corrected versions of one report and
reposts with another headline share most of their text. Each article gets a story id
(schema field `story`); the copies of one story share it, and searches can show one
hit per story (search/query/collapse.py).

How an article finds its story (datasketch, MinHash LSH over word shingles):
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
"""
from __future__ import annotations

import hashlib
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

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
# numbers kept whole ("6-3/8", "1,234.5" are one word each). A regex joins a number's
# parts, then a byte-level translate and split: all in C, since this runs once per
# article written (Python per word cost a third of the build's story time on Reuters).
_UNICODE_PUNCT = str.maketrans({c: " " for c in
                                [*map(chr, range(0x2000, 0x2070)), *"«»‹›„‚、。，：；！？،؛؟"]})
_NUMBER_JOINS = re.compile(rb"(?<=[0-9])[.,/-](?=[0-9])")
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


def _text(body: str) -> bytes:
    """The body as the words are cut from it: lower case, punctuation as spaces."""
    text = body.lower().translate(_UNICODE_PUNCT).encode("utf-8", "surrogatepass")
    return _NUMBER_JOINS.sub(b"_", text).translate(_ASCII_PUNCT)


def words(body: str) -> list[bytes]:
    """A body's words, as the shingles see them (module docstring)."""
    return _text(body).split()


def shingle_hashes(body: str) -> np.ndarray | None:
    """A body's features as distinct 32-bit hashes: its SHINGLE_WORDS-word shingles, and
    each distinct number NUMBER_WEIGHT more times; None when the body has fewer than
    MIN_WORDS words (module docstring)."""
    text = _text(body)
    found = text.split()
    if len(found) < MIN_WORDS:
        return None
    h = np.fromiter(map(zlib.crc32, found), dtype=np.uint32, count=len(found))
    n = len(h) - SHINGLE_WORDS + 1
    mixed = h[:n].copy()
    for k in range(1, SHINGLE_WORDS):
        mixed = mixed * _MIX + h[k:n + k]
    numbers = np.unique(h[_holds_digit(text, len(found))])
    return np.unique(np.concatenate([mixed, *(numbers ^ salt for salt in _NUMBER_SALTS)]))


def _holds_digit(text: bytes, count: int) -> np.ndarray:
    """For each of the `count` words of `text.split()`, whether it holds a digit."""
    marks = np.frombuffer(text.translate(_MARKS), dtype=np.uint8)
    inside = marks > 0
    starts = inside.copy()
    starts[1:] &= ~inside[:-1]
    word = np.cumsum(starts) - 1
    found = np.zeros(count, dtype=bool)
    found[word[marks == 2]] = True
    return found


class Signer:
    """MinHashes of bodies with one reused datasketch MinHash: making one per article
    (its permutations parsed each time) cost more than hashing the article."""

    def __init__(self) -> None:
        # hashfunc=int: update_batch calls it once per shingle, and a C builtin costs half
        # of a Python function (the shingles are already 32-bit hashes)
        self.minhash = MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, scheme=SCHEME)

    def values(self, body: str) -> np.ndarray | None:
        """The body's MinHash values (NUM_PERM uint32), or None for a short body."""
        shingles = shingle_hashes(body)
        if shingles is None:
            return None
        self.minhash.clear()
        self.minhash.update_batch(shingles.tolist())
        return self.minhash.hashvalues

    def as_minhash(self, values: np.ndarray) -> MinHash:
        """The reused MinHash holding `values` (for an LSH query or insert, which only read
        its values)."""
        self.minhash.hashvalues = values
        return self.minhash


def signature(body: str) -> bytes | None:
    """What the manifest stores for a body: its MinHash values as little-endian uint32."""
    values = Signer().values(body)
    return None if values is None else _to_bytes(values)


def _to_bytes(values: np.ndarray) -> bytes:
    return values.astype("<u4").tobytes()


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """The Jaccard similarity that two MinHashes estimate (as datasketch's `jaccard`)."""
    return float(np.count_nonzero(a == b)) / len(a)


def new_story_id(article_id: str, content_hash: str, salt: int = 0) -> str:
    """An opaque 16-hex-digit story id, made from the article that starts the story."""
    key = f"{article_id}\x1f{content_hash}\x1f{salt}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(key, digest_size=8).hexdigest()


class StoryClusters:
    """One generation's stories, loaded from its manifest on first use; every change is
    kept as a pending row until the batch's commit takes it (`take_pending`)."""

    def __init__(self, rows: Callable[[], Iterable[tuple[str, str, bytes | None, int | None]]]):
        """`rows`: reads the manifest's (id, story, signature, published) rows
        (`Manifest.story_rows`), called on first use."""
        self._rows = rows
        self._loaded = False
        self._signer = Signer()
        self._lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
        self._values: dict[str, np.ndarray] = {}
        self._first: dict[str, int] = {}  # story -> its first dated copy (seconds)
        self._story_of: dict[str, str] = {}
        self._sizes: Counter[str] = Counter()
        self._removed_unloaded: set[str] = set()
        self._pending: dict[str, StoryRow] = {}

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
        if signed:
            self._insert_many(signed)

    def _insert_many(self, signed: list[tuple[str, bytes]]) -> None:
        """Load stored MinHashes into the LSH index as `MinHashLSH.insert` would, with each
        band's keys cut from one array: insert's per-article slicing and byte-swapping
        made loading Reuters' 17,000 MinHashes take seconds before a run's first article
        (the tables hold the same keys: tests/test_stories.py compares them)."""
        ids = [article_id for article_id, _ in signed]
        matrix = np.frombuffer(b"".join(sig for _, sig in signed), dtype="<u4") \
            .reshape(len(ids), NUM_PERM).astype(np.uint32)
        self._insert(ids[0], matrix[0])  # one real insert: the LSH learns the MinHash scheme
        for k in range(1, len(ids)):
            self._values[ids[k]] = matrix[k]
        rest = ids[1:]
        band_keys = []
        for (start, end), table in zip(self._lsh.hashranges, self._lsh.hashtables):
            width = (end - start) * 4
            packed = matrix[1:, start:end].astype(">u4").tobytes()  # MinHashLSH's byte order
            keys = [packed[k * width:(k + 1) * width] for k in range(len(rest))]
            for key, article_id in zip(keys, rest):
                table.insert(key, article_id)
            band_keys.append(keys)
        for k, article_id in enumerate(rest):
            self._lsh.keys.insert(article_id, *(keys[k] for keys in band_keys))

    def _insert(self, article_id: str, values: np.ndarray) -> None:
        self._values[article_id] = values
        self._lsh.insert(article_id, self._signer.as_minhash(values), check_duplication=False)

    def _forget(self, article_id: str) -> str | None:
        story = self._story_of.pop(article_id, None)
        if story is not None:
            self._sizes[story] -= 1
            if self._sizes[story] <= 0:
                del self._sizes[story]
                self._first.pop(story, None)
        if self._values.pop(article_id, None) is not None:
            self._lsh.remove(article_id)
        return story

    def remove(self, article_id: str) -> None:
        """A deleted article leaves its story (the manifest row goes with its `articles` row)."""
        if not self._loaded:
            self._removed_unloaded.add(article_id)
        else:
            self._forget(article_id)
        self._pending.pop(article_id, None)

    def assign(self, article_id: str, content_hash: str, body: str,
               published: datetime | None = None) -> str:
        """The story id for an article being written (new or edited); see the module
        docstring for the rules."""
        self._load()
        old_story = self._forget(article_id)
        values = self._signer.values(body)
        when = epoch_seconds(published)
        story = self._nearest_story(values, when) if values is not None else None
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
        if values is not None:
            self._insert(article_id, values)
        self._pending[article_id] = StoryRow(article_id, story, content_hash,
                                             None if values is None else _to_bytes(values), when)
        return story

    def _started(self, story: str, when: int | None) -> None:
        if when is not None and (story not in self._first or when < self._first[story]):
            self._first[story] = when

    def _nearest_story(self, values: np.ndarray, when: int | None) -> str | None:
        """The story of the most similar live article at THRESHOLD or above, within
        STORY_WINDOW of that story's first dated copy (ties: the smallest article id, so
        that a rebuild places it the same way)."""
        best: tuple[float, str] | None = None
        for other in self._lsh.query(self._signer.as_minhash(values)):
            then = self._first.get(self._story_of[other])
            if when is not None and then is not None and abs(when - then) > STORY_WINDOW:
                continue
            s = similarity(values, self._values[other])
            if s >= THRESHOLD and (best is None or s > best[0] or (s == best[0] and other < best[1])):
                best = (s, other)
        return None if best is None else self._story_of[best[1]]

    def take_pending(self) -> list[tuple[str, str, str, bytes | None, int | None]]:
        """The rows of the articles placed since the last call, as the batch's
        `Manifest.record_commit(stories=...)` writes them (deleted ids go by its
        `deleted_ids`)."""
        rows = [_row(r) for r in self._pending.values()]
        self._pending = {}
        return rows


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
        signer = Signer()
        with ix.searcher() as searcher:
            for i in stale:
                fields = searcher.document(id=i) or {}
                story, digest = truth[i]
                values = signer.values(fields.get("body", ""))
                rows.append(_row(StoryRow(i, story, digest,
                                          None if values is None else _to_bytes(values),
                                          epoch_seconds(fields.get("published")))))
    return gone, rows


__all__ = ["StoryClusters", "StoryRow", "signature", "shingle_hashes", "reconcile", "has_stories",
           "STORY_FIELD", "THRESHOLD", "MIN_WORDS", "SHINGLE_WORDS"]
