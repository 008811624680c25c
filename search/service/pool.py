"""A small pool of search processes, each holding an open index, with a time limit.

Why processes: the service must stop a query that runs past `--query-timeout`
(one bad wildcard must not hold the service), and a Python thread cannot be
killed. A worker that overruns is killed (SIGKILL) and a fresh one started; the
request is answered 503 "query too expensive". The index is read-only here, so
killing a reader mid-query loses nothing.

Costs (bench/bench_serve.py): a round trip through the pipe adds well under a
millisecond to a search; a replacement process needs ~0.3-0.6 s to import the
API and open the index, during which the other workers keep serving.

Concurrency: at most `size` searches run at once (one per process; the machine
has 2 cores), up to `max_pending` more wait in line, and beyond that a request
is refused at once with 503 (ServiceBusyError) instead of queueing without bound.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing
from dataclasses import dataclass
from typing import Any

from ..errors import SearchFailedError
from .errors import QueryTooExpensiveError, ServiceBusyError, rebuild
from .worker import READY, run

log = logging.getLogger("news_search.service")
START_TIMEOUT = 60.0  # seconds for a new process to import the API and report ready
RESTART_DELAY = 3.0   # seconds between tries when a replacement cannot start
# The longest a queued request waits for a free process before a 503 (past the queue
# bound it is refused at once). A typical search takes ~15 ms on Reuters, so a full
# queue of 100 clears in about a second; 60 s means a service that is stuck.
WAIT_FOR_PROCESS = 60.0


@dataclass(eq=False)  # compared and hashed by identity: one per process
class _Proc:
    process: Any
    conn: Any


class SearchPool:
    def __init__(self, index_dir: str, size: int = 2, query_timeout: float = 5.0,
                 max_pending: int = 100, warm_facets: list[str] | None = None):
        self.index_dir = index_dir
        self.size = size
        self.query_timeout = query_timeout
        self.max_pending = max_pending
        self.warm_facets = list(warm_facets or [])  # built when a process starts (worker.warm_up)
        self._ctx = multiprocessing.get_context("spawn")  # no fork of a threaded event loop
        self._idle: asyncio.Queue[_Proc] = asyncio.Queue()
        self._all: set[_Proc] = set()
        self._waiting = 0
        self._closed = False
        self._starting: set[asyncio.Task[None]] = set()
        self.replaced = 0  # processes killed for overrunning (for tests and logs)

    async def start(self) -> None:
        await asyncio.gather(*(self._start_one() for _ in range(self.size)))

    async def call(self, op: str, **kwargs: Any) -> Any:
        """Run `op` in a free search process; raise what the API raised there."""
        if self._closed:
            raise ServiceBusyError("the service is shutting down")
        if self._waiting >= self.max_pending + self.size:
            raise ServiceBusyError(f"too many requests at once ({self._waiting} in progress); "
                                   f"retry in a moment")
        self._waiting += 1
        try:
            try:
                proc = await asyncio.wait_for(self._idle.get(), WAIT_FOR_PROCESS)
            except asyncio.TimeoutError:
                raise ServiceBusyError(f"no search process was free for {WAIT_FOR_PROCESS:g} s; "
                                       f"retry in a moment") from None
            try:
                reply = await self._ask(proc, (op, kwargs), self.query_timeout)
            except asyncio.TimeoutError:
                self._replace(proc)
                raise QueryTooExpensiveError(
                    f"query too expensive: stopped after {self.query_timeout:g} s",
                    hint="narrow it: fewer wildcards or OR terms, a longer prefix, "
                         "a source or date filter") from None
            except (EOFError, OSError, ConnectionError) as exc:
                self._replace(proc)
                raise SearchFailedError(f"the search process ended unexpectedly ({exc!r}); "
                                        f"retry") from None
            self._idle.put_nowait(proc)
        finally:
            self._waiting -= 1
        if reply[0] == "ok":
            return reply[1]
        raise rebuild(*reply[1:])

    async def close(self) -> None:
        self._closed = True
        for task in list(self._starting):
            task.cancel()
        for proc in list(self._all):
            try:
                proc.conn.send(None)
            except (OSError, ValueError):
                pass
        loop = asyncio.get_running_loop()
        for proc in list(self._all):
            await loop.run_in_executor(None, proc.process.join, 2.0)
            if proc.process.is_alive():
                proc.process.kill()
                await loop.run_in_executor(None, proc.process.join, 2.0)
            proc.conn.close()
        self._all.clear()

    # -- processes
    async def _start_one(self) -> None:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=run, args=(self.index_dir, child, self.warm_facets), daemon=True,
                                    name="news-search-worker")
        process.start()
        child.close()
        proc = _Proc(process, parent)
        self._all.add(proc)
        try:
            reply = await self._read(proc, START_TIMEOUT)
        except BaseException:
            self._kill(proc)
            raise
        if reply != (READY,):
            self._kill(proc)
            raise SearchFailedError(f"a search process started badly: {reply!r}")
        self._idle.put_nowait(proc)

    def _replace(self, proc: _Proc) -> None:
        """Kill an overrunning (or dead) process and start a fresh one in the background."""
        self._kill(proc)
        self.replaced += 1
        if self._closed:
            return
        task = asyncio.get_running_loop().create_task(self._restart())
        self._starting.add(task)
        task.add_done_callback(self._starting.discard)

    async def _restart(self) -> None:
        """Start a replacement, trying again every few seconds if it cannot start (the
        pool must not shrink for good because one start failed)."""
        while not self._closed:
            try:
                await self._start_one()
                return
            except Exception as exc:  # noqa: BLE001 - logged, then tried again
                log.warning("a search process could not start (%s); retrying in %g s",
                            exc, RESTART_DELAY)
                await asyncio.sleep(RESTART_DELAY)

    def _kill(self, proc: _Proc) -> None:
        self._all.discard(proc)
        asyncio.get_running_loop().remove_reader(proc.conn.fileno())
        if proc.process.is_alive():
            proc.process.kill()
        proc.process.join(1.0)  # SIGKILL is immediate: this reaps the zombie
        proc.conn.close()

    async def _ask(self, proc: _Proc, message: Any, timeout: float) -> Any:
        proc.conn.send(message)
        return await self._read(proc, timeout)

    async def _read(self, proc: _Proc, timeout: float) -> Any:
        """The next reply on the pipe, waiting without blocking the event loop."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = proc.conn.fileno()

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(fd, readable)
        try:
            await asyncio.wait_for(ready, timeout)
        finally:
            loop.remove_reader(fd)
        return proc.conn.recv()
