"""Whoosh's default codec with its measured flaws removed, and a leaner segment format.

1. When a segment is flushed, Whoosh asks for the field length of every
   posting, through a column reader (and, for fields without lengths, a stat of
   the file system each time). `NewsPerDocReader` remembers absent columns and
   `CompactFieldWriter.add_postings` reads each field's lengths once per flush.
2. Whoosh 2.7.4 never inlines postings: its default `inlinelimit=1` means "fewer
   than one posting", and any higher limit crashes (`set_inline` is a typo for
   `W3TermInfo.set_inlined`). `NewsPostingsWriter` fixes the call and inlines
   lists under INLINE_LIMIT postings into the term dictionary. Reading inlined
   postings of fields without values (ids, keywords) returns `None` per
   posting, as a block does: Whoosh's `ListMatcher` would otherwise yield no
   items when merging.
3. Segment format 4 (SCHEMA_VERSION 4; measured in bench/README.md, "Indexing"):
   - terms go to a compact block dictionary (`termdict.py`, `.ntd` files: ~13
     bytes per Reuters term with its inlined postings, against ~80);
   - stored fields go to a column compressed ~32 KB of documents at a time
     (`storedblocks.py`) instead of one document at a time;
   - postings blocks keep Whoosh's layout, so Whoosh's own `W3LeafMatcher`
     reads them (the search side relies on that class), but are pickled with
     protocol 4 and hold typed arrays: protocol 2 pickles each position string
     as a `_codecs.encode` call. The postings file shrank by 44% on Reuters.

A codec unpickled from a segment written before format 4 has no `format`
attribute, so it reads Whoosh's own term dictionary and stored column.

The codec is pickled into each segment's TOC entry, so these classes must stay
importable under these names.
"""
from __future__ import annotations

import pickle
import zlib
from array import array

from whoosh.codec.base import OutOfOrderError
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    STORED_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3PerDocWriter,
    W3PostingsWriter,
    W3TermInfo,
    _lenfield,
)
from whoosh.matching import ListMatcher
from whoosh.system import emptybytes
from whoosh.util.numeric import byte_to_length, length_to_byte

from .storedblocks import StoredBlocksColumn
from .termdict import TermDictReader, TermDictWriter

# Posting lists shorter than this live in the term dictionary, not the postings file.
INLINE_LIMIT = 8


# Segment formats: 3 = Whoosh's term dictionary and stored column; 4 = ours.
COMPACT_FORMAT = 4
TERMDICT_EXT = ".ntd"
STORED_BLOCKS = StoredBlocksColumn()


class NewsPerDocReader(W3PerDocReader):
    def _cached_reader(self, fieldname, column):
        if fieldname not in self._readers:
            self._readers[fieldname] = super()._cached_reader(fieldname, column)
        return self._readers[fieldname]


class CompactPerDocReader(NewsPerDocReader):
    def stored_fields(self, docnum):
        reader = self._cached_reader("_stored", STORED_BLOCKS)
        v = reader[docnum]
        return {} if v is None else v


class CompactPerDocWriter(W3PerDocWriter):
    def _create_column(self, fieldname, column):
        super()._create_column(fieldname, STORED_BLOCKS if column is STORED_COLUMN else column)


class CompactFieldWriter(W3FieldWriter):
    """Whoosh's field writer with the term dictionary replaced (postings file unchanged)."""

    def __init__(self, codec, storage, segment):
        self._codec = codec
        self._storage = storage
        self._segment = segment
        self._fieldname = None
        self._btext = None
        self._fieldobj = None
        self._format = None
        self._terms = TermDictWriter(segment.create_file(storage, TERMDICT_EXT))
        self._postfile = segment.create_file(storage, W3Codec.POSTS_EXT)
        self._postwriter = None
        self._infield = False
        self.is_closed = False

    def start_field(self, fieldname, fieldobj):
        self._fieldname = fieldname
        self._fieldobj = fieldobj
        self._format = fieldobj.format
        self._infield = True
        self._postwriter = self._codec.postings_writer(self._postfile)

    def finish_term(self):
        self._terms.add(self._fieldname, self._btext, self._postwriter.finish_postings())

    def add_postings(self, schema, lengths, items):
        """Whoosh's `FieldWriter.add_postings` (same checks, same calls) with each field's
        lengths read once and postings handed straight to the postings writer."""
        lastfn = lasttext = None
        lens = add = None
        for fieldname, btext, docnum, weight, value in items:
            if fieldname != lastfn:
                if lastfn is not None:
                    if fieldname < lastfn:
                        raise OutOfOrderError(f"Field {lastfn!r} .. {fieldname!r}")
                    if lasttext is not None:
                        self.finish_term()
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                lastfn, lasttext = fieldname, None
                lens = _field_lengths(lengths, fieldname)
                add = self._postwriter.add_posting
            if docnum == -1:  # Whoosh's marker for spelling-graph words: not postings
                continue
            if btext != lasttext:
                if lasttext is not None:
                    if btext < lasttext:
                        raise OutOfOrderError(f"Term {fieldname}:{lasttext!r} .. {fieldname}:{btext!r}")
                    self.finish_term()
                self.start_term(btext)
                lasttext = btext
            add(docnum, weight, value or emptybytes, lens[docnum] if lens is not None else 0)
        if lasttext is not None:
            self.finish_term()
        if lastfn is not None:
            self.finish_field()

    def add_terms(self, schema, lengths, fields):
        """What `add_postings` writes, from postings already grouped by term:
        `fields` yields (fieldname, terms) in field order, `terms` yields (btext, ids,
        weights, values) in term order (the writer's `TermPool`). No per-posting
        tuples, and each term's postings go to its writer a block at a time."""
        inline_under = self._codec._inlinelimit
        add_term = self._terms.add
        for fieldname, terms in fields:
            self.start_field(fieldname, schema[fieldname])
            lens = _field_lengths(lengths, fieldname)
            for btext, ids, weights, values in terms:
                term_lens = [lens[d] for d in ids] if lens is not None else None
                if len(ids) < inline_under:
                    add_term(fieldname, btext, _inlined_info(ids, weights, values, term_lens))
                    continue
                self.start_term(btext)
                self._postwriter.add_list(ids, weights, values, term_lens)
                self.finish_term()
            self.finish_field()

    def close(self):
        self._terms.close()
        self._postfile.close()
        self.is_closed = True


def _inlined_info(ids, weights, values, lengths) -> W3TermInfo:
    """The term info `NewsPostingsWriter` makes for a short list (start_postings,
    add_posting each, finish_postings: one block, inlined), built in one step:
    most terms of a segment are this short."""
    ti = W3TermInfo()
    block_ids = array("I", ids)
    block_weights = array("f", weights)
    ti._weight += sum(block_weights)
    ti._df = len(ids)
    if lengths is not None:
        known = [n for n in lengths if n]
        if known:
            ti._minlength, ti._maxlength = min(known), max(known)
    top = max(weights)
    if top > 0:
        ti._maxweight = top
    ti._minid, ti._maxid = block_ids[0], block_ids[-1]
    ti.set_inlined(block_ids, block_weights, [v for v in values if v])
    return ti


_LENGTH_OF_BYTE = [0] + [byte_to_length(b) for b in range(1, 256)]


def _field_lengths(lengths, fieldname):
    """Every document's length of `fieldname` in the segment being flushed, as a list
    (None: the field has no lengths). Whoosh looks each one up through its column
    reader per posting: ~10% of a build's CPU."""
    if lengths is None:
        return None
    cached = getattr(lengths, "_cached_reader", None)
    if cached is None:
        return _LengthLookup(lengths, fieldname)
    column = cached(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return None
    table = _LENGTH_OF_BYTE
    return [table[b] for b in column]


class _LengthLookup:
    def __init__(self, lengths, fieldname):
        self._lengths, self._fieldname = lengths, fieldname

    def __getitem__(self, docnum):
        return self._lengths.doc_field_length(docnum, self._fieldname)


class NewsPostingsWriter(W3PostingsWriter):
    def add_posting(self, id_, weight, vbytes, length=None):
        """Whoosh's, without its per-posting type assertions (a tenth of a build's flush)."""
        if len(self._ids) >= self._blocklimit:
            self._write_block()
        self._ids.append(id_)
        self._weights.append(weight)
        if weight > self._maxweight:
            self._maxweight = weight
        if vbytes:
            self._values.append(vbytes)
        if length:
            minlength = self._minlength
            if minlength is None or length < minlength:
                self._minlength = length
            if length > self._maxlength:
                self._maxlength = length

    def add_list(self, ids, weights, values, lengths):
        """`add_posting` for each posting of a new term, a block at a time (same blocks,
        statistics and bytes). `values` holds one value (or b"") per posting; `lengths`
        is None for a field without lengths."""
        limit = self._blocklimit
        for start in range(0, len(ids), limit):
            if start:
                self._write_block()
            end = start + limit
            self._ids = array("I", ids[start:end])
            block_weights = weights[start:end]
            self._weights = array("f", block_weights)
            self._maxweight = max(0, max(block_weights))
            self._values = [v for v in values[start:end] if v]
            if lengths is not None:
                known = [n for n in lengths[start:end] if n]
                if known:
                    self._minlength, self._maxlength = min(known), max(known)

    def _write_block(self, last=False):
        """Whoosh's block layout, read by Whoosh's own `W3LeafMatcher`, with leaner contents:
        pickle protocol 4 (protocol 2 pickles each position string as a `_codecs.encode`
        call), id deltas and weights as typed arrays instead of tuples of Python numbers."""
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        ids = self._ids
        if self._byteids:
            mini_ids = tuple(ids)
        else:
            deltas = [b - a for a, b in zip([0, *ids[:-1]], ids)]
            top = max(deltas)
            mini_ids = array("B" if top < 0x100 else "H" if top < 0x10000 else "I", deltas)
        weights = self._weights
        first = weights[0]
        if all(w == first for w in weights):
            mini_weights = None if first == 1.0 else first
        else:
            mini_weights = weights  # array("f"): the matcher indexes it like Whoosh's tuple
        databytes = pickle.dumps((mini_ids, mini_weights, self._mini_values()), 4)
        comp = self._compression
        if comp:
            databytes = zlib.compress(databytes, comp)
        infobytes = pickle.dumps((len(ids), ids[-1], self._maxweight, comp,
                                  length_to_byte(self._minlength),
                                  length_to_byte(self._maxlength)), 4)
        blocklength = len(infobytes) + len(databytes)
        postfile = self._postfile
        postfile.write_int(-blocklength if last else blocklength)
        postfile.write(infobytes)
        postfile.write(databytes)
        self._blockcount += 1
        self._new_block()

    def finish_postings(self):
        if not self.written() and len(self) < self._inlinelimit:
            terminfo = self._terminfo
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()


class NewsCodec(W3Codec):
    format = 3  # what a codec unpickled from an older segment reads (no instance attribute)

    def __init__(self, blocklimit=128, compression=3, inlinelimit=INLINE_LIMIT):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)
        self.format = COMPACT_FORMAT

    def per_document_writer(self, storage, segment):
        if self.format >= COMPACT_FORMAT:
            return CompactPerDocWriter(self, storage, segment)
        return super().per_document_writer(storage, segment)

    def per_document_reader(self, storage, segment):
        if self.format >= COMPACT_FORMAT:
            return CompactPerDocReader(storage, segment)
        return NewsPerDocReader(storage, segment)

    def field_writer(self, storage, segment):
        if self.format >= COMPACT_FORMAT:
            return CompactFieldWriter(self, storage, segment)
        return super().field_writer(storage, segment)

    def terms_reader(self, storage, segment):
        if self.format < COMPACT_FORMAT:
            return super().terms_reader(storage, segment)
        name = segment.make_filename(TERMDICT_EXT)
        return TermDictReader(self, storage.open_file(name), storage.file_length(name),
                              segment.open_file(storage, self.POSTS_EXT))

    def postings_writer(self, dbfile, byteids=False):
        return NewsPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                  compression=self._compression, inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            ids, weights, values = terminfo.inlined_postings()
            return ListMatcher(ids, weights, values or (None,) * len(ids), format_,
                               scorer=scorer, term=term, terminfo=terminfo)
        return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
