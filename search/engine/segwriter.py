"""Documents -> one segment: Whoosh's `SegmentWriter` with the per-posting work taken out.

Whoosh's writer turns every posting into a 5-tuple in one big list, sorts the
list at flush and hands the tuples one by one to the codec; its analysis makes
a Token object per word. On Reuters that was ~60% of a build's CPU. Here:
- headline and body (fields analysed by `news_analyzer`) go through
  `TextTerms` (one `findall` and one dict lookup per word);
- `TermPool` keeps postings grouped by field and term as they arrive (a
  writer's documents come in docnum order, so each term's list is already
  sorted): the flush sorts terms, not postings, and the codec writes each
  term's postings a block at a time (`CompactFieldWriter.add_terms`).
The segment's bytes are those Whoosh's writer makes from the same documents
(tested file by file), so the search side is unchanged. Memory stays bounded
by `limitmb`: past it the pool spills a sorted run to disk as Whoosh's does.

`NewsMpWriter` is Whoosh's multiprocessing writer (each sub-process writes its
own segment, `multisegment=True`) with this writer in its sub-processes.
"""
from __future__ import annotations

import gc

from whoosh.externalsort import imerge
from whoosh.fields import DATETIME, KEYWORD, NUMERIC
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import emptybytes
from whoosh.writing import PostingPool, SegmentWriter

from .analysis import text_terms_for
from .postings import CompactPositions, encode_positions

# Rough bytes per posting and per new term held in the pool (lists, objects, dict entries):
# the spill threshold, as Whoosh's pool estimates its own.
POSTING_BYTES = 3 * 8 + 24 + 40
TERM_BYTES = 3 * 56 + 100 + 40
CACHED_VALUES = 50_000  # distinct keyword values remembered per writer


class TermPool(PostingPool):
    """Postings grouped as {field: {term: (docnums, weights, values)}}.

    Whoosh's pool interface stays (`add`, `iter_postings`, `save`, `runs`,
    `fieldnames`, `cleanup`) so merges (`add_reader`) and Whoosh's multiprocess
    code use it unchanged; `add_doc_terms` and `sorted_fields` are the fast path.
    """

    def __init__(self, tempstore, segment, limitmb=128):
        super().__init__(tempstore, segment, limitmb=limitmb)
        self._fields: dict[str, dict[bytes, tuple[list, list, list]]] = {}
        self._unordered: set[str] = set()  # fields whose lists may be out of docnum order

    def _terms_of(self, fieldname: str) -> dict[bytes, tuple[list, list, list]]:
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return terms

    def add(self, item) -> None:
        fieldname, btext, docnum, weight, vbytes = item
        self.add_doc_terms(fieldname, docnum, ((btext, weight, vbytes),), ordered=False)

    def add_doc_terms(self, fieldname: str, docnum: int, postings, ordered: bool = True) -> None:
        """One document's postings in one field: (btext, weight, vbytes) triples.
        `ordered`: docnums arrive increasing (a writer's own documents), so each term's
        list needs no sorting at flush."""
        terms = self._terms_of(fieldname)
        if not ordered:
            self._unordered.add(fieldname)
        size = 0
        for btext, weight, vbytes in postings:
            lists = terms.get(btext)
            if lists is None:
                lists = terms[btext] = ([], [], [])
                size += TERM_BYTES + len(btext)
            lists[0].append(docnum)
            lists[1].append(weight)
            lists[2].append(vbytes)
            size += POSTING_BYTES + (len(vbytes) if vbytes else 0)
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()

    def add_doc_positions(self, fieldname: str, docnum: int, positions: dict[bytes, list[int]],
                          boost: float) -> bytes | None:
        """`add_doc_terms` for a text field's {term: positions}, with Whoosh's weights
        (occurrences x boost) and values (`encode_positions`). Returns the last value."""
        terms = self._terms_of(fieldname)
        size = 0
        vbytes = None
        for btext, poslist in positions.items():
            vbytes = encode_positions(poslist)
            lists = terms.get(btext)
            if lists is None:
                lists = terms[btext] = ([], [], [])
                size += TERM_BYTES + len(btext)
            lists[0].append(docnum)
            lists[1].append(len(poslist) * boost)
            lists[2].append(vbytes)
            size += POSTING_BYTES + len(vbytes)
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()
        return vbytes

    def _sorted_terms(self, fieldname: str):
        terms = self._fields[fieldname]
        check = fieldname in self._unordered
        for btext in sorted(terms):
            ids, weights, values = terms[btext]
            if check and any(a >= b for a, b in zip(ids, ids[1:])):
                # Whoosh sorts whole (field, term, docnum, weight, value) tuples: same order
                triples = sorted(zip(ids, weights, values), key=lambda t: (t[0], t[1], t[2] or b""))
                ids, weights, values = (list(x) for x in zip(*triples))
            yield btext, ids, weights, values

    def sorted_fields(self):
        """(fieldname, terms) in field order; terms as (btext, ids, weights, values), sorted."""
        for fieldname in sorted(self._fields):
            yield fieldname, self._sorted_terms(fieldname)

    def _tuples(self):
        for fieldname, terms in self.sorted_fields():
            for btext, ids, weights, values in terms:
                for docnum, weight, vbytes in zip(ids, weights, values):
                    yield fieldname, btext, docnum, weight, vbytes

    def save(self) -> None:
        if self._fields:
            path, f = self._new_run()
            self._write_run(f, self._tuples())
            self._add_run(path)
            self._fields, self._unordered = {}, set()
        self.currentsize = 0

    def iter_postings(self):
        """Whoosh's (fieldname, btext, docnum, weight, vbytes) stream, sorted."""
        if not self.runs:
            return self._tuples()
        self.save()
        runs, self.runs = self.runs, []
        return imerge([self._read_run(path) for path in runs])


class ReleasingCancel:
    """`cancel` that frees the index's write lock even when Whoosh's own cancel fails
    midway: on a full disk, closing the segment raises before Whoosh releases the lock, so
    the lock stayed held for as long as anything (a kept traceback) referenced the writer,
    and the next writer in the process waited, then failed with LockError."""

    def cancel(self):
        try:
            super().cancel()
        finally:
            lock = self.writelock
            if lock is not None and getattr(lock, "fd", None) is not None:
                lock.release()


class NewsSegmentWriter(ReleasingCancel, SegmentWriter):
    def __init__(self, ix, **kwargs):
        limitmb = kwargs.get("limitmb", 128)
        super().__init__(ix, **kwargs)
        self.pool = TermPool(self._tempstorage, self.newsegment, limitmb=limitmb)
        self._fast = {}
        self._indexed: dict[tuple[str, object], tuple[list, int]] = {}
        for name, field in self.schema.items():
            if type(field.format) is CompactPositions:
                terms = text_terms_for(field.analyzer)
                if terms is not None:
                    self._fast[name] = terms

    def add_document(self, **fields):
        """Whoosh's `SegmentWriter.add_document` (same postings, lengths, stored values
        and columns), with `TextTerms` for the fields it can analyse."""
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        pool = self.pool
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)

        perdocwriter.start_doc(docnum)
        vbytes = None
        for fieldname in fieldnames:
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            fast = self._fast.get(fieldname)
            length = 0
            if field.indexed:
                fieldboost = self._field_boost(fields, fieldname, docboost)
                if fast is not None and isinstance(value, str):
                    positions = fast.positions(value)
                    last = pool.add_doc_positions(fieldname, docnum, positions,
                                                  field.format.field_boost * fieldboost)
                    if field.scorable:
                        length = sum(map(len, positions.values()))
                else:
                    postings, length = self._postings_of(fieldname, field, value, fieldboost)
                    last = postings[-1][2] if postings else None
                    pool.add_doc_terms(fieldname, docnum, postings)
                if last is not None:
                    vbytes = last

            if field.separate_spelling():
                # Whoosh's own quirk kept (the bytes must match): docnum 0, weight 1 and
                # the value of the field's last posting (see postings.py).
                words = (fast.unstemmed(value) if fast is not None and isinstance(value, str)
                         else field.spellable_words(value))
                pool.add_doc_terms(field.spelling_fieldname(fieldname), 0,
                                   [(w.encode("utf-8"), 1, vbytes) for w in words], ordered=False)

            vformat = field.vector
            if vformat:
                vitems = vformat.word_values(value, field.analyzer, mode="index")
                perdocwriter.add_vector_items(fieldname, field, sorted(
                    (text, weight, vb) for text, _, weight, vb in vitems))

            customval = fields.get("_stored_%s" % fieldname, value)
            perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
            column = field.column_type
            if column and customval is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))

        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _postings_of(self, fieldname, field, value, fieldboost) -> tuple[list, int]:
        """Whoosh's `field.index(value)` as (btext, weight, vbytes) postings and the field
        length. Keywords repeat (a few sources, languages, tags): each distinct value is
        indexed once per writer. A date is prepared once for all its trie terms, not
        once per term as `DATETIME.to_bytes` does."""
        cacheable = fieldboost == 1.0 and isinstance(field, KEYWORD) and isinstance(value, str)
        if cacheable:
            known = self._indexed.get((fieldname, value))
            if known is not None:
                return known
        if isinstance(field, DATETIME) and field.shift_step and not isinstance(value, (list, tuple)):
            number = field.prepare_datetime(value)
            postings = [(NUMERIC.to_bytes(field, number, shift), fieldboost, emptybytes)
                        for shift in range(0, field.bits, field.shift_step)]
            length = len(postings) if field.scorable else 0
        else:
            postings, length = [], 0
            for tbytes, freq, weight, vbytes in field.index(value):
                postings.append((tbytes, weight * fieldboost, vbytes))
                if field.scorable:
                    length += freq
        if cacheable:
            if len(self._indexed) >= CACHED_VALUES:
                self._indexed.clear()
            self._indexed[(fieldname, value)] = postings, length
        return postings, length

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        add_terms = getattr(self.fieldwriter, "add_terms", None)
        if self.pool.runs or add_terms is None:
            self.fieldwriter.add_postings(self.schema, pdr, self.pool.iter_postings())
        else:
            add_terms(self.schema, pdr, self.pool.sorted_fields())
        self.fieldwriter.close()
        if pdr:
            pdr.close()


class NewsSubWriterTask(SubWriterTask):
    def run(self):
        """Whoosh's `SubWriterTask.run` for `multisegment=True`, with our segment writer."""
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = NewsSegmentWriter(ix, _lk=False, **self.kwargs)
        while self.running:
            jobinfo = self.jobqueue.get()
            if jobinfo is None:
                break
            self._process_file(*jobinfo)
        if not self.running:
            writer.cancel()
            return
        self.resultqueue.put((None, writer.pool.fieldnames, writer._finalize_segment()), timeout=5)


class NewsMpWriter(ReleasingCancel, MpWriter):
    def __init__(self, ix, procs, **kwargs):
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)

    def _new_task(self):
        task = NewsSubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                                 self.subargs, self.multisegment)
        self.tasks.append(task)
        start_forked(task)
        return task


def start_forked(process) -> None:
    """Start a forked process with the parent's objects out of its garbage collector's
    sight (`gc.freeze`, as Python's docs advise before a fork): a child's full collections
    otherwise walk every object it inherited, touching (so copying) their pages. Measured:
    forked from a parent holding 412,900 sets (the story LSH's tables on Reuters), a child
    took 1.04 s of CPU for work that took 0.45 s, and 0.47 s frozen; a build forks two
    Whoosh sub-writers per batch. The parent's objects are unfrozen at once, unless some
    were frozen before (a run placing stories keeps its state frozen until it ends:
    search/indexing/stories.py `StoryClusters.close`)."""
    frozen_before = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        process.start()
    finally:
        if not frozen_before:
            gc.unfreeze()


def index_writer(ix, procs: int, **kwargs):
    """A writer for `ix`: one process, or `procs` sub-processes each writing a segment."""
    if procs > 1:
        return NewsMpWriter(ix, procs, **kwargs)
    return NewsSegmentWriter(ix, **kwargs)
