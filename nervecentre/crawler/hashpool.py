"""Images hashed in worker processes, fed bytes over Unix sockets from the event loop.

Decoding an image and computing its PDQ is most of a crawl's CPU (1-3 ms an image), and on
threads of the crawling process much of it (Pillow's set-up, numpy's small steps) held the
GIL that the event loop needs: the crawl ran on one core's worth of Python. Here each worker
is a separate Python process (``python -m nervecentre.crawler._hashworker``) that imports
only the hash engine's ``digest`` and runs :func:`~nervecentre.hashing.digest.hash_bytes`,
the same function the threads ran. The event loop writes each image's bytes to a worker's
socket (no extra thread, no executor queue) and reads the hashes back as they come; the
worker keeps nothing, and nothing is ever written to disk (a socket pair is kernel memory).

A worker that dies (a decoder crashing on a hostile file, the kernel's OOM killer) fails
the requests it held with :class:`WorkerLost`; each is tried once more on a fresh worker,
so one poisonous image costs its own URL an error, never the crawl.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import socket
import subprocess
import sys
from typing import Any, cast

from nervecentre.crawler._hashworker import EXACT, REPLY, REQUEST
from nervecentre.hashing.digest import FileHashes

_CLOSE_SECONDS = 5.0  # how long a worker is given to leave after its socket is closed


class WorkerLost(Exception):
    """The hashing process holding a request ended before answering it."""


def default_processes() -> int:
    """Hashing processes for a crawl: one per core but the crawl's own, at most 4, from 4
    cores up; 0 (hash on two threads of the crawling process) on fewer.

    On the 2-core machine of docs/benchmarks.md, busy with other work, processes were
    measured no faster than threads and spent 1-2 CPU-s more a crawl (each process's start,
    the bytes copied through the socket): with no idle core to run on, taking the hashing
    off the GIL buys nothing. With idle cores it does: threads cannot use more than the one
    core's worth of Python that the GIL allows.
    """
    cores = os.cpu_count() or 1
    return 0 if cores < 4 else min(4, cores - 1)


class _Worker(asyncio.Protocol):
    """One hashing process and the requests it holds."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.pending: dict[int, tuple[asyncio.Future[FileHashes], str]] = {}
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.alive = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        start = 0
        while len(buffer) - start >= REPLY.size:
            request, size = REPLY.unpack_from(buffer, start)
            end = start + REPLY.size + size
            if len(buffer) < end:
                break
            # JSON, not pickle: the worker reads hostile files, so nothing it sends may run.
            ok, value = json.loads(bytes(buffer[start + REPLY.size : end]))
            start = end
            entry = self.pending.pop(request, None)
            if entry is None or entry[0].done():
                continue
            future, url = entry
            if ok:
                future.set_result(FileHashes(url, *value))
            else:
                future.set_exception(RuntimeError(value))
        del buffer[:start]

    def connection_lost(self, exc: Exception | None) -> None:
        self.alive = False
        for future, _url in self.pending.values():
            if not future.done():
                future.set_exception(WorkerLost("the hashing process ended"))
        self.pending.clear()

    def send(self, request: int, url: str, body: bytes, exact: bool) -> asyncio.Future[FileHashes]:
        assert self.transport is not None
        future: asyncio.Future[FileHashes] = asyncio.get_running_loop().create_future()
        self.pending[request] = (future, url)
        name = url.encode("utf-8", "surrogateescape")
        flags = EXACT if exact else 0
        self.transport.writelines((REQUEST.pack(request, flags, len(name), len(body)), name, body))
        return future


class HashPool:
    """Up to ``processes`` hashing processes, started when first needed."""

    def __init__(self, processes: int) -> None:
        self.processes = max(1, processes)
        self.workers: list[_Worker] = []
        self._ids = itertools.count()
        self._starting: asyncio.Lock | None = None

    async def hash(self, body: bytes, url: str, *, exact: bool = False) -> FileHashes:
        """The hashes of ``body`` (a PDQ estimate unless ``exact``), as ``hash_bytes`` gives."""
        for attempt in range(2):
            worker = await self._pick()
            try:
                return await worker.send(next(self._ids), url, body, exact)
            except WorkerLost:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _pick(self) -> _Worker:
        self.workers = [w for w in self.workers if w.alive]
        idle = min(self.workers, key=lambda w: len(w.pending), default=None)
        if idle is not None and (not idle.pending or len(self.workers) >= self.processes):
            return idle
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if len(self.workers) < self.processes:
                worker = await self._start()  # (self.workers may be a new list by then)
                self.workers.append(worker)
        return min(self.workers, key=lambda w: len(w.pending))

    async def _start(self) -> _Worker:
        ours, theirs = socket.socketpair()
        try:
            process = subprocess.Popen(  # noqa: S603 (this Python, a fixed module)
                [sys.executable, "-m", "nervecentre.crawler._hashworker", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        loop = asyncio.get_running_loop()
        _, worker = await loop.create_unix_connection(lambda: _Worker(process), sock=ours)
        return worker

    async def close(self) -> None:
        """End every worker (they leave when their socket closes; killed if they linger)."""
        workers, self.workers = self.workers, []
        for worker in workers:
            if worker.transport is not None:
                worker.transport.close()
        for worker in workers:
            await _reap(worker.process)


async def _reap(process: subprocess.Popen[Any]) -> None:
    for _ in range(int(_CLOSE_SECONDS / 0.02)):
        if process.poll() is not None:
            return
        await asyncio.sleep(0.02)
    with contextlib.suppress(OSError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(1)
