"""A compact term dictionary: sorted terms in zlib-compressed blocks, one small index in memory.

Whoosh 2.7.4's term dictionary (`OrderedHashWriter`) spends about 80 bytes per
term on Reuters: each key written whole, each term info packed into 29+ bytes
(or pickled, for inlined postings), plus a hash table, and it is written by
pure-Python code a key at a time. Here the terms of a segment are written in
the order Whoosh flushes them (field by field, sorted), in blocks of
`BLOCK_TERMS`: keys front-coded, term infos laid out column by column (all
doc frequencies, then all first ids...), so zlib finds the repetition. One
block per lookup is read and decoded (a few decoded blocks are cached); the
first key and offset of every block are loaded when the segment opens.

Values round-trip exactly as Whoosh's own term dictionary returns them: term
weights as float32, lengths through Whoosh's one-byte length encoding, and
inlined postings (ids, weights, values) unchanged, so scores do not move.

File layout (`.ntd`): MAGIC, blocks, zlib(pickle(index)), then the index's
offset and length and MAGIC again. The index lists, per field in written
order, its blocks' first keys, offsets, compressed lengths and term counts.
"""
from __future__ import annotations

import itertools
import pickle
import struct
import zlib
from array import array
from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import accumulate
from typing import Iterator

from whoosh.codec.base import FieldCursor
from whoosh.codec.whoosh3 import W3TermInfo
from whoosh.reading import TermNotFound
from whoosh.system import emptybytes
from whoosh.util.numeric import byte_to_length, length_to_byte

MAGIC = b"NTD1"
BLOCK_TERMS = 64
COMPRESSION = 6
CACHED_BLOCKS = 64
_TRAILER = struct.Struct("<QQ4s")

# term flags
_INLINED = 1
_DOUBLE_WEIGHTS = 2  # inlined weights that float32 would round: kept as float64
_NO_MINID = 4  # a term without postings (minid None)

_HEADER = struct.Struct("<IIIIII")


def _fits_f32(values) -> bool:
    """Whether float32 keeps every value exactly (then 4 bytes each, not 8)."""
    try:
        return array("f", values).tolist() == list(values)
    except OverflowError:
        return False


@lru_cache(maxsize=None)
def _fixed_struct(n: int) -> struct.Struct:
    """The fixed-width columns of an n-term block, decoded in one call: prefix lengths,
    flags, min and max length bytes, suffix lengths, doc frequencies, first ids, id
    spans, weights, max weights."""
    return struct.Struct(f"<{4 * n}B{4 * n}I{2 * n}f")


def _pack(fmt: str, values: list) -> bytes:
    return struct.pack(f"<{len(values)}{fmt}", *values)


class _Reader:
    """Reads consecutive columns out of one decompressed block."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, fmt: str, n: int) -> tuple:
        size = struct.calcsize(f"<{n}{fmt}")
        out = struct.unpack_from(f"<{n}{fmt}", self.data, self.pos)
        self.pos += size
        return out


# -- writing -----------------------------------------------------------------------------------

def _shared_prefix(a: bytes, b: bytes) -> int:
    """Length of the common prefix of a and b, at most 255."""
    limit = min(len(a), len(b), 255)
    if a[:limit] == b[:limit]:
        return limit
    p = 0
    while a[p] == b[p]:
        p += 1
    return p


def encode_block(keys: list[bytes], infos: list[W3TermInfo]) -> bytes:
    """One block of sorted keys and their term infos, uncompressed, column by column.

    Whole columns are built by comprehensions (a segment flush encodes every term of
    the segment here); only inlined postings and postings-file pointers need a loop."""
    prefixes = list(map(_shared_prefix, [emptybytes, *keys[:-1]], keys))
    suffixes = [key[p:] for key, p in zip(keys, prefixes)]
    suffix_lens = list(map(len, suffixes))
    weights = [ti._weight for ti in infos]
    dfs = [ti._df for ti in infos]
    minlens = [0 if ti._minlength is None else length_to_byte(ti._minlength) for ti in infos]
    maxlens = [length_to_byte(ti._maxlength) for ti in infos]
    maxweights = [ti._maxweight for ti in infos]
    minids = [0 if ti._minid is None else ti._minid for ti in infos]
    idspans = [(ti._maxid or 0) - minid for ti, minid in zip(infos, minids)]

    flags = []
    offsets, extents = [], []  # postings-file pointers (offset as a delta from the last end)
    counts, id_deltas, f32_weights, f64_weights, value_counts, value_lens, values = \
        ([] for _ in range(7))
    last_end = 0
    for ti, minid in zip(infos, minids):
        flag = _NO_MINID if ti._minid is None else 0
        inlined = ti._inlined
        if inlined is not None:
            flag |= _INLINED
            ids, ws, vs = inlined
            counts.append(len(ids))
            id_deltas.extend(b - a for a, b in zip((minid, *ids), ids))
            if _fits_f32(ws):
                f32_weights.extend(ws)
            else:
                flag |= _DOUBLE_WEIGHTS
                f64_weights.extend(ws)
            value_counts.append(len(vs))
            value_lens.extend(-1 if v is None else len(v) for v in vs)
            values.extend(v for v in vs if v is not None)
        else:
            offset, length = ti._offset, ti._length
            offsets.append(offset - last_end)
            extents.append(length)
            last_end = offset + length
        flags.append(flag)

    n = len(keys)
    parts = [
        _HEADER.pack(n, len(offsets), len(counts), len(id_deltas),
                    len(f64_weights), len(value_lens)),
        _fixed_struct(n).pack(*prefixes, *flags, *minlens, *maxlens, *suffix_lens, *dfs,
                              *minids, *idspans, *weights, *maxweights),
        b"".join(suffixes),
        _pack("q", offsets), _pack("I", extents),
        _pack("I", counts), _pack("I", id_deltas), _pack("f", f32_weights),
        _pack("d", f64_weights), _pack("I", value_counts), _pack("i", value_lens),
        b"".join(values),
    ]
    return b"".join(parts)


class TermDictWriter:
    """Receives (field, term, term info) in Whoosh's flush order and writes the `.ntd` file."""

    def __init__(self, dbfile, compression: int = COMPRESSION):
        self._file = dbfile
        self._compression = compression
        self._file.write(MAGIC)
        self._fields: list[tuple[str, list, list, list, list]] = []
        self._keys: list[bytes] = []
        self._infos: list[W3TermInfo] = []
        self._field: str | None = None

    def add(self, fieldname: str, btext: bytes, terminfo: W3TermInfo) -> None:
        if fieldname != self._field:
            self._flush()
            if any(f[0] == fieldname for f in self._fields):
                raise ValueError(f"field {fieldname!r} written twice in one segment")
            self._fields.append((fieldname, [], [], [], []))
            self._field = fieldname
        elif self._keys and btext <= self._keys[-1]:
            raise ValueError(f"terms out of order in {fieldname!r}: {self._keys[-1]!r}..{btext!r}")
        self._keys.append(btext)
        self._infos.append(terminfo)
        if len(self._keys) >= BLOCK_TERMS:
            self._flush()

    def _flush(self) -> None:
        if not self._keys:
            return
        data = zlib.compress(encode_block(self._keys, self._infos), self._compression)
        _, firsts, offsets, lengths, counts = self._fields[-1]
        firsts.append(self._keys[0])
        offsets.append(self._file.tell())
        lengths.append(len(data))
        counts.append(len(self._keys))
        self._file.write(data)
        self._keys, self._infos = [], []

    def close(self) -> None:
        self._flush()
        index = zlib.compress(pickle.dumps(self._fields, protocol=4), self._compression)
        pos = self._file.tell()
        self._file.write(index)
        self._file.write(_TRAILER.pack(pos, len(index), MAGIC))
        self._file.close()


# -- reading -----------------------------------------------------------------------------------

class _Block:
    """A decoded block: its keys and fixed-width columns at once (what a lookup, a doc
    frequency or a term listing needs); where each term's postings are, only when a
    term info is first asked for (a query's cold lookup decodes one block per segment)."""

    __slots__ = ("keys", "_cols", "_sections", "_data", "_layout")

    def __init__(self, data: bytes):
        n, n_ext, n_inl, n_ids, n_f64, n_vals = _HEADER.unpack_from(data, 0)
        fixed = _fixed_struct(n)
        v = fixed.unpack_from(data, _HEADER.size)
        prefixes, suffix_lens = v[:n], v[4 * n:5 * n]
        pos = _HEADER.size + fixed.size
        ends = list(accumulate(suffix_lens, initial=pos))
        last = emptybytes
        self.keys = [(last := last[:p] + data[a:b])
                     for p, a, b in zip(prefixes, ends, itertools.islice(ends, 1, None))]
        # flags, dfs, weights, maxweights, minlens, maxlens, minids, idspans
        self._cols = (v[n:2 * n], v[5 * n:6 * n], v[8 * n:9 * n], v[9 * n:],
                      v[2 * n:3 * n], v[3 * n:4 * n], v[6 * n:7 * n], v[7 * n:8 * n])
        self._data = data
        self._sections = (ends[-1], n_ext, n_inl, n_ids, n_f64, n_vals)
        self._layout = None

    def _decode_layout(self) -> tuple:
        """The variable-length sections, unpacked (C speed); no per-term work here."""
        pos, n_ext, n_inl, n_ids, n_f64, n_vals = self._sections
        r = _Reader(self._data)
        r.pos = pos
        self._layout = (r.take("q", n_ext), r.take("I", n_ext), r.take("I", n_inl),
                        r.take("I", n_ids), r.take("f", n_ids - n_f64), r.take("d", n_f64),
                        r.take("I", n_inl), r.take("i", n_vals), r.pos)
        return self._layout

    def weight(self, i: int) -> float:
        return self._cols[2][i]

    def doc_frequency(self, i: int) -> int:
        return self._cols[1][i]

    def term_info(self, i: int) -> W3TermInfo:
        flags, dfs, weights, maxweights, minlens, maxlens, minids, idspans = self._cols
        ti = W3TermInfo()
        ti._weight = weights[i]
        ti._df = dfs[i]
        ti._minlength = byte_to_length(minlens[i])
        ti._maxlength = byte_to_length(maxlens[i])
        ti._maxweight = maxweights[i]
        if flags[i] & _NO_MINID:
            ti._minid = None
            ti._maxid = None
        else:
            ti._minid = minids[i]
            ti._maxid = minids[i] + idspans[i]
        (offsets, extents, counts, id_deltas, f32_weights, f64_weights, value_counts,
         value_lens, blob_start) = self._layout or self._decode_layout()
        # this term's place in the variable sections: sums over the terms before it
        before = flags[:i]
        k_inl = sum(f & _INLINED for f in before)
        if flags[i] & _INLINED:
            inl_before = [(f, c) for f, c in zip((f for f in before if f & _INLINED), counts)]
            id0 = sum(c for _, c in inl_before)
            c = counts[k_inl]
            ids = tuple(accumulate(id_deltas[id0:id0 + c], initial=minids[i]))[1:]
            if flags[i] & _DOUBLE_WEIGHTS:
                w0 = sum(c for f, c in inl_before if f & _DOUBLE_WEIGHTS)
                ws = f64_weights[w0:w0 + c]
            else:
                w0 = id0 - sum(c for f, c in inl_before if f & _DOUBLE_WEIGHTS)
                ws = f32_weights[w0:w0 + c]
            v0 = sum(value_counts[:k_inl])
            lens = value_lens[v0:v0 + value_counts[k_inl]]
            earlier = value_lens[:v0]
            b = blob_start + sum(earlier) + earlier.count(-1)
            data, vs = self._data, []
            for ln in lens:
                if ln < 0:
                    vs.append(None)
                else:
                    vs.append(data[b:b + ln])
                    b += ln
            ti._inlined = (ids, ws, tuple(vs))
        else:
            k = i - k_inl
            start = sum(offsets[:k]) + sum(extents[:k]) + offsets[k]
            ti._offset, ti._length = start, extents[k]
        return ti


class _FieldIndex:
    __slots__ = ("name", "firsts", "offsets", "lengths", "counts")

    def __init__(self, name, firsts, offsets, lengths, counts):
        self.name, self.firsts, self.offsets = name, firsts, offsets
        self.lengths, self.counts = lengths, counts


class TermDictReader:
    """Everything Whoosh's `W3TermsReader` offers, over the `.ntd` format."""

    def __init__(self, codec, dbfile, length: int, postfile):
        self._codec = codec
        self._dbfile = dbfile
        self._postfile = postfile
        if length < len(MAGIC) + _TRAILER.size:
            raise ValueError("term dictionary too short")
        pos, ilen, magic = _TRAILER.unpack(dbfile.get(length - _TRAILER.size, _TRAILER.size))
        if magic != MAGIC or dbfile.get(0, len(MAGIC)) != MAGIC:
            raise ValueError("not a news-search term dictionary")
        fields = pickle.loads(zlib.decompress(dbfile.get(pos, ilen)))
        self._fields = [_FieldIndex(*f) for f in fields]
        self._fieldnum = {f.name: k for k, f in enumerate(self._fields)}
        # decoded blocks, oldest first (plain dict operations: safe across threads)
        self._cache: dict[tuple[int, int], _Block] = {}

    # -- blocks
    def _block(self, fnum: int, b: int) -> _Block:
        key = (fnum, b)
        block = self._cache.get(key)
        if block is None:
            f = self._fields[fnum]
            block = _Block(zlib.decompress(self._dbfile.get(f.offsets[b], f.lengths[b])))
            if len(self._cache) >= CACHED_BLOCKS:
                try:  # another thread may have dropped the oldest already
                    del self._cache[next(iter(self._cache))]
                except (KeyError, StopIteration, RuntimeError):
                    pass
            self._cache[key] = block
        return block

    def _find(self, fieldname: str, btext: bytes) -> tuple[_Block, int]:
        """The block holding a term and its place there; KeyError when absent."""
        fnum = self._fieldnum.get(fieldname)
        if fnum is None:
            raise KeyError((fieldname, btext))
        b = bisect_right(self._fields[fnum].firsts, btext) - 1
        if b < 0:
            raise KeyError((fieldname, btext))
        block = self._block(fnum, b)
        i = bisect_left(block.keys, btext)
        if i == len(block.keys) or block.keys[i] != btext:
            raise KeyError((fieldname, btext))
        return block, i

    def _scan(self, fieldname: str, btext: bytes, later_fields: bool = True
              ) -> Iterator[tuple[int, _Block, int]]:
        """(field number, block, index) of every term from (fieldname, btext) on, in order,
        continuing into later fields (as Whoosh's ordered hash does) unless told not to."""
        fnum = self._fieldnum.get(fieldname)
        if fnum is None:
            return
        f = self._fields[fnum]
        b = max(bisect_right(f.firsts, btext) - 1, 0)
        if not f.firsts:
            start_i = 0
        else:
            start_i = bisect_left(self._block(fnum, b).keys, btext)
        last = len(self._fields) if later_fields else fnum + 1
        while fnum < last:
            f = self._fields[fnum]
            while b < len(f.offsets):
                block = self._block(fnum, b)
                for i in range(start_i, len(block.keys)):
                    yield fnum, block, i
                start_i = 0
                b += 1
            fnum, b = fnum + 1, 0

    # -- TermsReader API
    def __contains__(self, term) -> bool:
        fieldname, btext = term
        try:
            self._find(fieldname, btext)
        except KeyError:
            return False
        return True

    def indexed_field_names(self):
        return [f.name for f in self._fields]

    def cursor(self, fieldname, fieldobj):
        return NewsFieldCursor(self, fieldname, fieldobj)

    def terms(self):
        for f in self._fields:
            yield from ((f.name, block.keys[i])
                        for _, block, i in self._scan(f.name, emptybytes, later_fields=False))

    def terms_from(self, fieldname, prefix):
        names = self._fields
        return ((names[fnum].name, block.keys[i]) for fnum, block, i in self._scan(fieldname, prefix))

    def items(self):
        for f in self._fields:
            yield from (((f.name, block.keys[i]), block.term_info(i))
                        for _, block, i in self._scan(f.name, emptybytes, later_fields=False))

    def items_from(self, fieldname, prefix):
        names = self._fields
        return (((names[fnum].name, block.keys[i]), block.term_info(i))
                for fnum, block, i in self._scan(fieldname, prefix))

    def term_info(self, fieldname, tbytes):
        try:
            block, i = self._find(fieldname, tbytes)
        except KeyError:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}") from None
        return block.term_info(i)

    def frequency(self, fieldname, tbytes):
        block, i = self._find(fieldname, tbytes)
        return block.weight(i)

    def doc_frequency(self, fieldname, tbytes):
        block, i = self._find(fieldname, tbytes)
        return block.doc_frequency(i)

    def matcher(self, fieldname, tbytes, format_, scorer=None):
        terminfo = self.term_info(fieldname, tbytes)
        return self._codec.postings_reader(self._postfile, terminfo, format_,
                                           term=(fieldname, tbytes), scorer=scorer)

    def close(self):
        self._cache.clear()
        self._dbfile.close()
        self._postfile.close()


class NewsFieldCursor(FieldCursor):
    """Walks one field's terms in order (Whoosh's fuzzy matching uses it through DFAs)."""

    def __init__(self, reader: TermDictReader, fieldname: str, fieldobj):
        self._reader = reader
        self._fieldname = fieldname
        self._fieldobj = fieldobj
        self._it: Iterator | None = None
        self._text = None
        self._info = None
        self.first()

    def _start(self, btext: bytes):
        self._it = iter(self._reader._scan(self._fieldname, btext, later_fields=False))
        return self.next()

    def first(self):
        return self._start(emptybytes)

    def find(self, term):
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        return self._start(term)

    def next(self):
        if self._it is not None:
            for _, block, i in self._it:
                self._text = self._fieldobj.from_bytes(block.keys[i])
                self._info = (block, i)
                return self._text
        self._it = self._text = self._info = None
        return None

    def text(self):
        return self._text

    def term_info(self):
        if self._info is None:
            return None
        block, i = self._info
        return block.term_info(i)

    def is_valid(self):
        return self._text is not None
