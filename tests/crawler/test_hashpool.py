"""The crawl's hashing processes: the same hashes as in-process, and a lost worker costs nothing."""

from __future__ import annotations

import asyncio
import os
import signal

from nervecentre.crawler.hashpool import HashPool
from nervecentre.crawler.synthweb import SynthWeb
from nervecentre.hashing import hash_bytes


def _image() -> bytes:
    return SynthWeb.original_bytes(12345, (320, 240))


def test_a_worker_hashes_as_hash_bytes_does() -> None:
    body = _image()

    async def run() -> list[object]:
        pool = HashPool(2)
        try:
            return list(
                await asyncio.gather(
                    pool.hash(body, "http://a/1.jpg"),
                    pool.hash(body, "http://a/2.jpg", exact=True),
                    pool.hash(b"<html>not an image</html>", "http://a/3"),
                    pool.hash(body[: len(body) // 2], "http://a/4.jpg"),
                )
            )
        finally:
            await pool.close()

    estimate, exact, page, cut = asyncio.run(run())
    assert estimate == hash_bytes(body, "http://a/1.jpg", estimate=True)
    assert exact == hash_bytes(body, "http://a/2.jpg", exact=True)
    assert page == hash_bytes(b"<html>not an image</html>", "http://a/3", estimate=True)
    assert cut == hash_bytes(body[: len(body) // 2], "http://a/4.jpg", estimate=True)
    assert cut.error  # a truncated image is the hash engine's error, as in-process


def test_a_worker_that_dies_is_replaced_and_its_requests_retried() -> None:
    body = _image()

    async def run() -> tuple[list[object], int, int]:
        pool = HashPool(1)
        try:
            await pool.hash(body, "http://a/0.jpg")
            first = pool.workers[0].process
            # Killed with requests in flight (or just before they arrive): each is hashed by
            # a fresh worker.
            waiting = [asyncio.ensure_future(pool.hash(body, f"http://a/{n}.jpg")) for n in (1, 2)]
            await asyncio.sleep(0)
            os.kill(first.pid, signal.SIGKILL)
            results = list(await asyncio.gather(*waiting))
            return results, first.pid, pool.workers[0].process.pid
        finally:
            await pool.close()

    results, dead, alive = asyncio.run(run())
    assert dead != alive
    for n, result in zip((1, 2), results, strict=True):
        assert result == hash_bytes(body, f"http://a/{n}.jpg", estimate=True)


def test_closing_ends_the_workers() -> None:
    async def run() -> list[int | None]:
        pool = HashPool(2)
        await asyncio.gather(*(pool.hash(_image(), f"http://a/{n}.jpg") for n in range(4)))
        processes = [w.process for w in pool.workers]
        assert processes and all(p.poll() is None for p in processes)
        await pool.close()
        return [p.poll() for p in processes]

    assert all(code is not None for code in asyncio.run(run()))


def test_a_hashing_process_can_leave_no_core_dump() -> None:
    """It holds fetched images and reads hostile ones: a crash must not write them to disk."""

    async def run() -> str:
        pool = HashPool(1)
        try:
            await pool.hash(_image(), "http://a/0.jpg")
            pid = pool.workers[0].process.pid
            with open(f"/proc/{pid}/limits") as limits:
                return next(line for line in limits if line.startswith("Max core file size"))
        finally:
            await pool.close()

    assert run_limits(asyncio.run(run())) == ["0", "0"]


def run_limits(line: str) -> list[str]:
    """The soft and hard limits of a line of /proc/PID/limits."""
    return line.split()[4:6]
