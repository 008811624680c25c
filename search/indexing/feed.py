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

Analysis (the bulk of the cost) runs in Whoosh's own writer sub-processes.
"""
from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..ingest import IngestOptions, SourceFile, read_source
from ..ingest.limits import RunBudget
from ..ingest.read import ReadPosition

CHUNK_ITEMS = 200
QUEUE_CHUNKS = 8


@dataclass
class Chunk:
    unit: int
    items: list  # Article | Skip
    last: bool = False
    error: str | None = None
    bytes_read: int = 0  # of the file on disk, when the chunk was cut (progress inside archives)


def _worker(units: Sequence[tuple[int, SourceFile]], options: IngestOptions, out) -> None:
    run = RunBudget()  # --max-run-bytes counts per parse process
    for n, sf in units:
        items: list = []
        where = ReadPosition()
        try:
            for item in read_source(sf, options, run, where):
                items.append(item)
                if len(items) >= CHUNK_ITEMS:
                    out.put(Chunk(n, items, bytes_read=where.bytes_read()))
                    items = []
        except Exception as exc:  # noqa: BLE001 - reported as this file's error
            out.put(Chunk(n, items, last=True, error=f"{type(exc).__name__}: {exc}"))
            continue
        out.put(Chunk(n, items, last=True, bytes_read=sf.size))


def _read_inline(files: Sequence[SourceFile], options: IngestOptions) -> Iterator[tuple[int, Chunk]]:
    run = RunBudget()
    for n, sf in enumerate(files):
        items: list = []
        where = ReadPosition()
        for item in read_source(sf, options, run, where):
            items.append(item)
            if len(items) >= CHUNK_ITEMS:
                yield n, Chunk(n, items, bytes_read=where.bytes_read())
                items = []
        yield n, Chunk(n, items, last=True, bytes_read=sf.size)


def parsed_chunks(files: Sequence[SourceFile], options: IngestOptions, workers: int
                  ) -> Iterator[Chunk]:
    """Chunks of each file's Articles/Skips, file after file, `last=True` closing each file."""
    if workers <= 1 or len(files) == 0:
        for _, chunk in _read_inline(files, options):
            yield chunk
        return
    workers = min(workers, len(files))
    ctx = mp.get_context("fork")
    queues = [ctx.Queue(QUEUE_CHUNKS) for _ in range(workers)]
    procs = []
    for w in range(workers):
        mine = [(n, sf) for n, sf in enumerate(files) if n % workers == w]
        p = ctx.Process(target=_worker, args=(mine, options, queues[w]), daemon=True)
        p.start()
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


__all__ = ["Chunk", "parsed_chunks"]
