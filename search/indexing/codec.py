"""Whoosh's default codec with two measured flaws removed.

1. When a segment is flushed, Whoosh asks for the field length of every
   posting; for fields that have no length column (ids, keywords, dates, the
   spelling field) its per-document reader checks the file system *each time*
   (a stat per posting: about 20 per Reuters article, a third of the flush
   time). `NewsPerDocReader` remembers that the column is absent.
2. Whoosh 2.7.4 never inlines postings: its default `inlinelimit=1` means "fewer
   than one posting", and any higher limit crashes (`set_inline` is a typo for
   `W3TermInfo.set_inlined`). So every term, even one seen in a single article
   (each id, path, content hash and date; most Reuters words), pays for a block
   in the postings file and a pointer to it. `NewsPostingsWriter` fixes the call
   and `NewsCodec` inlines short posting lists into the term dictionary
   (measured on Reuters: see bench/README.md). Reading inlined postings of
   fields without values (ids, keywords) returns `None` per posting, as a block
   does: Whoosh's `ListMatcher` would otherwise yield no items when merging.

Older segments written without inlining stay readable: a term's info says
whether its postings are inlined.

The codec is pickled into each segment's TOC entry, so these classes must stay
importable under these names.
"""
from __future__ import annotations

from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PostingsWriter
from whoosh.matching import ListMatcher

# Posting lists shorter than this live in the term dictionary, not the postings file.
INLINE_LIMIT = 8


class NewsPerDocReader(W3PerDocReader):
    def _cached_reader(self, fieldname, column):
        if fieldname not in self._readers:
            self._readers[fieldname] = super()._cached_reader(fieldname, column)
        return self._readers[fieldname]


class NewsPostingsWriter(W3PostingsWriter):
    def finish_postings(self):
        if not self.written() and len(self) < self._inlinelimit:
            terminfo = self._terminfo
            terminfo.add_block(self)
            terminfo.set_inlined(self._ids, self._weights, self._values)
            self._terminfo = None
            return terminfo
        return super().finish_postings()


class NewsCodec(W3Codec):
    def __init__(self, blocklimit=128, compression=3, inlinelimit=INLINE_LIMIT):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def per_document_reader(self, storage, segment):
        return NewsPerDocReader(storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return NewsPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                  compression=self._compression, inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            ids, weights, values = terminfo.inlined_postings()
            return ListMatcher(ids, weights, values or (None,) * len(ids), format_,
                               scorer=scorer, term=term, terminfo=terminfo)
        return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
