"""Parsing source files in worker processes, handed to the writer in order.

Unit of work = one source file (an archive is one unit: tar.gz members can only
be reached by streaming it). Units are dealt round-robin to `workers`
processes; each worker streams its articles back in chunks through its own
bounded queue, and the consumer reads the queues in unit order. So:
- the output order is the discovery order (ids, duplicate reports and run
  records are reproducible);
- memory is bounded by workers x QUEUE_CHUNKS x CHUNK_ITEMS items, whatever the
  size of the corpus or of one archive;
- a big archive streams into the writer while it is still being parsed.

Analysis (the bulk of the cost) runs in Whoosh's own writer sub-processes. When the
index has story clusters, the process that parses a chunk also computes its articles'
MinHash signatures (`sign`: stories.signatures, one numpy pass per chunk), so that with
parse workers that work runs beside the writer, which only looks the signatures up.
"""
from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from ..article import Article
from ..engine.segwriter import start_forked
from ..ingest import IngestOptions, SourceFile, read_source
from ..ingest.limits import RunBudget
from ..ingest.read import ReadPosition

CHUNK_ITEMS = 200
QUEUE_CHUNKS = 8

Signer = Callable[[Sequence[str]], list]  # bodies -> their signatures (stories.signatures)
NOT_SIGNED = b""  # an item's signature when its chunk was not signed (no signature is empty)


@dataclass
class Chunk:
    unit: int
    items: list  # Article | Skip
    last: bool = False
    error: str | None = None
    bytes_read: int = 0  # of the file on disk, when the chunk was cut (progress inside archives)
    signatures: list | None = None  # per item, when signed: its body's (`Signer`)


def _chunk(sign: Signer | None, unit: int, items: list, **kw) -> Chunk:
    """A chunk of `items`, its articles signed by `sign` when given."""
    if sign is None:
        return Chunk(unit, items, **kw)
    articles = [k for k, item in enumerate(items) if isinstance(item, Article)]
    signatures: list = [NOT_SIGNED] * len(items)
    for k, sig in zip(articles, sign([items[k].body for k in articles])):
        signatures[k] = sig
    return Chunk(unit, items, signatures=signatures, **kw)


def _worker(units: Sequence[tuple[int, SourceFile]], options: IngestOptions, out,
            sign: Signer | None = None) -> None:
    run = RunBudget()  # --max-run-bytes counts per parse process
    for n, sf in units:
        items: list = []
        where = ReadPosition()
        try:
            for item in read_source(sf, options, run, where):
                items.append(item)
                if len(items) >= CHUNK_ITEMS:
                    out.put(_chunk(sign, n, items, bytes_read=where.bytes_read()))
                    items = []
        except Exception as exc:  # noqa: BLE001 - reported as this file's error
            out.put(_chunk(sign, n, items, last=True, error=f"{type(exc).__name__}: {exc}"))
            continue
        out.put(_chunk(sign, n, items, last=True, bytes_read=sf.size))


def _read_inline(files: Sequence[SourceFile], options: IngestOptions, sign: Signer | None = None
                 ) -> Iterator[tuple[int, Chunk]]:
    run = RunBudget()
    for n, sf in enumerate(files):
        items: list = []
        where = ReadPosition()
        for item in read_source(sf, options, run, where):
            items.append(item)
            if len(items) >= CHUNK_ITEMS:
                yield n, _chunk(sign, n, items, bytes_read=where.bytes_read())
                items = []
        yield n, _chunk(sign, n, items, last=True, bytes_read=sf.size)


def parsed_chunks(files: Sequence[SourceFile], options: IngestOptions, workers: int,
                  sign: Signer | None = None) -> Iterator[Chunk]:
    """Chunks of each file's Articles/Skips, file after file, `last=True` closing each file;
    with `sign`, each chunk carries its articles' signatures (`Chunk.signatures`)."""
    if workers <= 1 or len(files) == 0:
        for _, chunk in _read_inline(files, options, sign):
            yield chunk
        return
    workers = min(workers, len(files))
    ctx = mp.get_context("fork")
    queues = [ctx.Queue(QUEUE_CHUNKS) for _ in range(workers)]
    procs = []
    for w in range(workers):
        mine = [(n, sf) for n, sf in enumerate(files) if n % workers == w]
        p = ctx.Process(target=_worker, args=(mine, options, queues[w], sign), daemon=True)
        start_forked(p)
        procs.append(p)
    try:
        for n in range(len(files)):
            q, proc = queues[n % workers], procs[n % workers]
            while True:
                try:
                    chunk = q.get(timeout=1.0)
                except queue_mod.Empty:
                    if not proc.is_alive() and q.empty():
                        raise RuntimeError(f"parser process died (exit {proc.exitcode})") from None
                    continue
                yield chunk
                if chunk.last:
                    break
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(timeout=5)
        for q in queues:
            q.cancel_join_thread()
            q.close()


__all__ = ["Chunk", "NOT_SIGNED", "parsed_chunks"]
