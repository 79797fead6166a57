"""The crawl loop: frontier to hosts to fetches to results, and results to the database.

URLs come from the job's frontier in the database, oldest first, and wait in one queue per
host; each host has at most ``host_concurrency`` requests in flight, started at least
``host_delay`` apart, and a 429 or 503 pushes that host's next start back by its Retry-After
(or an exponential back-off) before the URL is tried again. An image's bytes are checked
against those of recent images (a copy is not decoded twice), then hashed, with the
PDQ estimated by the hash engine's numpy path, off the event loop: in hashing processes fed
bytes from the loop (:mod:`nervecentre.crawler.hashpool`) on machines of 4 cores or more, on
two threads on smaller ones (measured: see ``default_processes``). What the crawl
learns is written in batches (:mod:`nervecentre.crawler.store`); new links reach the frontier
with the next batch.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import functools
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from nervecentre.crawler.config import CrawlConfig
from nervecentre.crawler.fetch import Fetcher
from nervecentre.crawler.fetched import RETRY_STATUSES, Fetched
from nervecentre.crawler.hashpool import HashPool, default_processes
from nervecentre.crawler.keywords import Keywords
from nervecentre.crawler.process import (
    PageInfo,
    classify,
    evidence,
    now_utc,
    read_css,
    read_page,
)
from nervecentre.crawler.robots import RobotsCache
from nervecentre.crawler.store import Batch, Item, JobStore
from nervecentre.crawler.urls import calendar_shape, host_of, url_key
from nervecentre.hashing.digest import FileHashes, hash_bytes
from nervecentre.hashing.match import Match, Matcher

Emit = Callable[[dict[str, Any]], None]
# URLs leased from the frontier at a time: twice what the worker has in flight, never more
# than _TAKE, so that other workers on the job share the rest (a worker that leased
# everything queued would leave them idle); more are read when half of them are done.
_TAKE = 200
_FLUSH_SECONDS = 0.25
_FLUSH_SIZE = 400
_STARVING_SECONDS = 0.05  # how soon new links are written when the loop has little to do
_PAGES_KEPT = 256  # recent pages kept in memory for the evidence of their images
_SEEN_KEPT = 200_000  # recent URL keys remembered to spare the database repeated links
_HASHED_KEPT = 20_000  # hashes of recent images, by SHA-256, to skip decoding a copy
_DIGEST_INLINE_BYTES = 1 << 20  # larger bodies' copy-check digest is taken on a thread
_SHARED_POLL_SECONDS = 0.5  # how often a worker with nothing to do looks at a shared frontier


@dataclass(slots=True)
class _Host:
    queue: collections.deque[Item] = field(default_factory=collections.deque)
    active: int = 0
    next_start: float = 0.0
    backoff: float = 0.0
    pacing: asyncio.Lock = field(default_factory=asyncio.Lock)


class Crawl:
    """One run of a job: crawl until the frontier is empty, then mark the job finished."""

    def __init__(
        self,
        store: JobStore,
        config: CrawlConfig,
        matcher: Matcher,
        emit: Emit,
        *,
        hash_processes: int | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.matcher = matcher
        self.emit = emit
        self.keywords = Keywords(list(config.keywords))
        self.settings_sha256 = config.digest()
        self.hosts: dict[str, _Host] = collections.defaultdict(_Host)
        self.batch = Batch()
        self.waiting = 0  # URLs taken from the frontier and not yet finished
        self.attempts: collections.Counter[int] = collections.Counter()
        self.calendars: collections.Counter[str] = collections.Counter()
        self.pages: collections.OrderedDict[str, PageInfo] = collections.OrderedDict()
        self.seen: collections.OrderedDict[str, None] = collections.OrderedDict()
        self.hashed: collections.OrderedDict[bytes, asyncio.Future[FileHashes]] = (
            collections.OrderedDict()
        )
        # With every label in memory (lists up to 100,000 entries) matching needs no database
        # and takes microseconds: it runs on the event loop; else on a thread of its own.
        self.match_inline = self.matcher.preload_labels()
        processes = default_processes() if hash_processes is None else hash_processes
        # Hashing processes (0: threads of this process, as a library caller may want).
        self.hash_procs = HashPool(processes) if processes > 0 else None
        self.hash_pool = ThreadPoolExecutor(2, thread_name_prefix="crawl-hash")
        self.db_pool = ThreadPoolExecutor(1, thread_name_prefix="crawl-db")
        self.wakeup = asyncio.Event()
        self.slots = asyncio.Semaphore(config.fetch.concurrency)
        self.take = max(8, min(_TAKE, 2 * config.fetch.concurrency))
        self.fetcher = Fetcher(config.fetch)
        self.robots = RobotsCache(self.fetcher)
        self.tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Crawl to the end (or until cancelled: what was learnt so far is written first).

        Other workers may crawl the same job at the same time: each leases the URLs it
        fetches (:mod:`nervecentre.crawler.frontier`), and the last to find the frontier
        empty marks the job finished.
        """
        loop = asyncio.get_running_loop()
        frontier = self.store.frontier
        await loop.run_in_executor(self.db_pool, frontier.release_dead_here)
        last_flush = last_renew = time.monotonic()
        renew_every = frontier.lease.total_seconds() / 3
        dry = False  # the last read of the frontier found all it had (new links wait in batch)
        try:
            async with self.fetcher:
                while True:
                    if self.waiting < self.take // 2 + 1 and not dry:
                        items = await loop.run_in_executor(self.db_pool, self.store.take, self.take)
                        for item in items:
                            self.waiting += 1
                            self._dispatch(item)
                        dry = len(items) < self.take
                    now = time.monotonic()
                    if self.waiting and now - last_renew > renew_every:
                        await loop.run_in_executor(self.db_pool, frontier.renew)
                        last_renew = now
                    elapsed = now - last_flush
                    starving = dry and self.waiting < self.take // 2 + 1
                    if len(self.batch) and (
                        len(self.batch) >= _FLUSH_SIZE
                        or elapsed > _FLUSH_SECONDS
                        or (starving and (not self.waiting or elapsed > _STARVING_SECONDS))
                    ):
                        await self._flush()
                        last_flush, dry = time.monotonic(), False
                        continue
                    if dry and not self.waiting and not len(self.batch):
                        if await loop.run_in_executor(self.db_pool, self.store.finish):
                            break
                        # Other workers hold the rest: wait for what they queue, or for the
                        # leases of one that died to expire (at once if it died here).
                        await asyncio.sleep(_SHARED_POLL_SECONDS)
                        await loop.run_in_executor(self.db_pool, frontier.release_dead_here)
                        dry = False
                        continue
                    self.wakeup.clear()
                    pause = _STARVING_SECONDS if starving else _FLUSH_SECONDS
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.wakeup.wait(), pause)
        finally:
            for task in self.tasks:
                task.cancel()
            if len(self.batch):  # keep what was learnt: a resume then redoes less
                self.store.write(self.batch, self.config.max_pages)
            with contextlib.suppress(Exception):  # the database may be what failed
                frontier.release()
            self.hash_pool.shutdown(wait=True, cancel_futures=True)
            if self.hash_procs is not None:
                await self.hash_procs.close()
            self.db_pool.shutdown(wait=True)

    async def _flush(self) -> None:
        batch, self.batch = self.batch, Batch()
        loop = asyncio.get_running_loop()
        written = await loop.run_in_executor(
            self.db_pool, self.store.write, batch, self.config.max_pages
        )
        for finding in written.findings:
            self.emit(finding["_event"] | {"finding": finding["id"]})
        for hit in written.keywords:
            self.emit({"type": "keyword", "page_url": hit["page_url"], "keyword": hit["keyword"]})

    # --- scheduling ---------------------------------------------------------------------------

    def _dispatch(self, item: Item) -> None:
        host = self.hosts[host_of(item.url)]
        host.queue.append(item)
        while host.active < self.config.fetch.host_concurrency and host.active < len(host.queue):
            host.active += 1
            task = asyncio.create_task(self._work(host))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _work(self, host: _Host) -> None:
        try:
            while host.queue:
                item = host.queue.popleft()
                try:
                    again = await self._handle(item, host)
                except Exception as exc:  # a bug must cost one URL, never the crawl
                    self._finish(item, "failed", error=f"internal error: {exc!r}"[:300])
                    again = False
                if not again:
                    self.waiting -= 1
                    self.wakeup.set()
        finally:
            host.active -= 1

    def _pace_for(self, host: _Host) -> Callable[[], Awaitable[None]]:
        async def pace() -> None:
            await self._pace(host)

        return pace

    async def _pace(self, host: _Host) -> None:
        """Wait until the host may get its next request: host_delay after the last one
        actually started (or later, after a Retry-After). One waiter at a time per host."""
        loop = asyncio.get_running_loop()
        async with host.pacing:
            while (wait := host.next_start - loop.time()) > 0:
                await asyncio.sleep(wait)
            host.next_start = loop.time() + self.config.host_delay

    def _retry_later(self, item: Item, host: _Host, fetched: Fetched) -> bool:
        """Back off this host and requeue the URL; False when it has had its tries."""
        self.attempts[item.id] += 1
        if self.attempts[item.id] > self.config.retries:
            return False
        host.backoff = max(1.0, host.backoff * 2)
        delay = min(fetched.retry_after if fetched.retry_after is not None else host.backoff, 300)
        loop = asyncio.get_running_loop()
        host.next_start = max(host.next_start, loop.time() + delay)
        loop.call_later(delay, self._dispatch, item)
        return True

    # --- one URL ------------------------------------------------------------------------------

    def _scope(self, url: str) -> str | None:
        if self.config.same_host and host_of(url) not in self.config.seed_hosts:
            return "outside the seed hosts (--same-host)"
        return None

    async def _handle(self, item: Item, host: _Host) -> bool:
        """Fetch and process one URL; True when it was requeued for another try."""
        scheme = item.url.split(":", 1)[0]
        robots, fresh = await self.robots.get(host_of(item.url), scheme, self._pace_for(host))
        if fresh:
            self.batch.hosts.append(robots.record(self.store.job_id))
        allowed = robots.allows(item.url, self.config.fetch.user_agent)
        if not allowed and self.config.robots == "obey":
            self._finish(item, "skipped", error=None)
            return False
        limit = self.config.max_media_bytes if item.kind == "media" else self.config.max_page_bytes
        check = self._scope if item.kind == "page" else None
        # Paced just before the request goes out, so that starts are host_delay apart
        # however long the wait for robots.txt or for a free slot was.
        async with self.slots:
            await self._pace(host)
            fetched = await self.fetcher.fetch(item.url, limit, allow_hop=check)
        if fetched.error is not None:
            if fetched.status in RETRY_STATUSES and self._retry_later(item, host, fetched):
                return True
            self._finish(item, "failed", status=fetched.status, error=fetched.error)
            self.emit(
                {"type": "error", "url": item.url, "status": fetched.status, "error": fetched.error}
            )
            return False
        host.backoff = 0.0
        kind = classify(fetched.body, fetched.header("Content-Type"), item.kind)
        if kind == "image" or (kind == "other" and item.kind == "media"):
            await self._media(item, fetched, "allowed" if allowed else "disallowed, fetched")
        elif kind == "html":
            self._page(item, fetched)
        elif kind == "css":
            links = read_css(fetched)
            self._links(item, links.media, "media")
            self._links(item, links.stylesheets, "css")
            self._finish(item, "done", fetched=fetched, found_as="css")
        else:
            self._finish(item, "done", fetched=fetched, found_as="other")
        return False

    def _page(self, item: Item, fetched: Fetched) -> None:
        result = read_page(fetched, self.keywords)
        self.pages[result.info.url] = result.info
        while len(self.pages) > _PAGES_KEPT:
            self.pages.popitem(last=False)
        key = url_key(result.info.url)
        for keyword in result.keywords:
            self.batch.keywords.append(
                {
                    "job_id": self.store.job_id,
                    "page_key": key,
                    "page_url": result.info.url,
                    "keyword": keyword[:400],
                    "found_at": now_utc(),
                }
            )
        if item.depth < self.config.max_depth:
            self._links(item, result.links.pages, "page", referrer=result.info.url)
        self._links(item, result.links.media, "media", referrer=result.info.url)
        self._links(item, result.links.stylesheets, "css", referrer=result.info.url)
        self._finish(item, "done", fetched=fetched, found_as="page", sha256=result.info.sha256)
        self.emit(
            {
                "type": "page",
                "url": item.url,
                "final_url": fetched.final_url,
                "status": fetched.status,
                "depth": item.depth,
                "links": len(result.links.pages),
                "media": len(result.links.media),
            }
        )

    def _links(self, item: Item, urls: list[str], kind: str, referrer: str | None = None) -> None:
        for url in urls:
            shape = None
            if kind == "page":
                if self._scope(url) is not None:
                    continue
                shape = calendar_shape(url)
                if shape is not None and self.calendars[shape] >= self.config.calendar_budget:
                    continue
            key = url_key(url)
            if key in self.seen:
                continue
            self.seen[key] = None
            if len(self.seen) > _SEEN_KEPT:
                self.seen.popitem(last=False)
            if kind == "page" and shape is not None:
                self.calendars[shape] += 1
            self.batch.new_urls.append(
                {
                    "job_id": self.store.job_id,
                    "key": key,
                    "url": url,
                    "kind": kind,
                    "depth": item.depth + 1,
                    "referrer": referrer or item.referrer or item.url,
                }
            )

    async def _media(self, item: Item, fetched: Fetched, robots: str) -> None:
        loop = asyncio.get_running_loop()
        body, fetched.body = fetched.body, b""  # the only reference left is the hash task's
        hashes, matches = await self._hash_media(body, item)
        del body
        image = (hashes.media_type or "").startswith("image/")
        problem = hashes.error if image else None
        self._finish(
            item,
            "done",
            fetched=fetched,
            found_as="media",
            sha256=hashes.sha256,
            error=problem,
            size=hashes.size,
        )
        if problem:
            self.emit(
                {"type": "error", "url": item.url, "status": fetched.status, "error": problem}
            )
        if not matches:
            return
        page_url = item.referrer or item.url
        page = self.pages.get(page_url)
        if page is None and item.referrer:  # read before a resume, or long ago: its hash only
            known = await loop.run_in_executor(self.db_pool, self.store.page_sha256, page_url)
            page = PageInfo(page_url, known, "", "") if known else None
        record = evidence(
            job_id=self.store.job_id,
            settings_sha256=self.settings_sha256,
            fetched=fetched,
            hashes=hashes,
            matches=matches,
            page=page,
            page_url=page_url,
            robots=robots,
        )
        self._add_finding(item, fetched, hashes, matches, page, record)

    async def _hash_media(self, body: bytes, item: Item) -> tuple[FileHashes, list[Match]]:
        """An image's hashes (the exact PDQ when the estimate is near the line) and its
        matches. The same bytes at another URL (mirrors, thumbnails reused) are not decoded
        again, even when both arrive at once: the second waits for the first."""
        if len(body) <= _DIGEST_INLINE_BYTES:  # tens of microseconds: not worth a thread hop
            digest = hashlib.sha256(body).digest()
        else:
            loop = asyncio.get_running_loop()
            digest = await loop.run_in_executor(self.hash_pool, _sha256, body)
        pending = self.hashed.get(digest)
        if pending is None:
            pending = self.hashed[digest] = asyncio.get_running_loop().create_future()
            while len(self.hashed) > _HASHED_KEPT:
                self.hashed.popitem(last=False)
            try:
                # The PDQ is estimated (numpy, luma-only JPEG decode: half the time);
                # settling re-hashes exactly near the threshold.
                pending.set_result(await self._hash(body, item.url, exact=False))
            except BaseException as exc:
                # Not kept: the next copy tries again (a cancelled crawl, a lost worker).
                if self.hashed.get(digest) is pending:
                    del self.hashed[digest]
                if isinstance(exc, asyncio.CancelledError):
                    pending.cancel()
                else:
                    pending.set_exception(exc)
                    pending.exception()  # retrieved: no "never retrieved" warning
                raise
        else:
            self.hashed.move_to_end(digest)
        hashes = dataclasses.replace(await asyncio.shield(pending), path=item.url)
        # The estimate is not trusted near the line: the reference's PDQ decides there.
        try:
            if self.match_inline:
                return self.matcher.settle_and_match(hashes, _need_exact)
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self.hash_pool, self.matcher.settle_and_match, hashes, _need_exact
            )
        except _NeedExact:
            pass
        exact = await self._hash(body, item.url, exact=True)
        if self.match_inline:
            return exact, self.matcher.match(exact)
        loop = asyncio.get_running_loop()
        return exact, await loop.run_in_executor(self.hash_pool, self.matcher.match, exact)

    async def _hash(self, body: bytes, url: str, *, exact: bool) -> FileHashes:
        """``hash_bytes`` of the body in a hashing process (or on a thread without them)."""
        if self.hash_procs is not None:
            return await self.hash_procs.hash(body, url, exact=exact)
        call = functools.partial(hash_bytes, body, url, exact=exact, estimate=not exact)
        return await asyncio.get_running_loop().run_in_executor(self.hash_pool, call)

    def _add_finding(
        self, item: Item, fetched: Fetched, hashes: Any, matches: list[Any], page: Any, record: Any
    ) -> None:
        best = matches[0]
        if page is not None and page.html:
            self.batch.pages.append(
                {
                    "job_id": self.store.job_id,
                    "sha256": page.sha256,
                    "url": page.url,
                    "encoding": page.encoding,
                    # A NUL cannot be stored as text in PostgreSQL (a hostile page has them):
                    # kept visibly as U+2400; the page's SHA-256 is of the bytes as received.
                    "html": page.html.replace("\x00", "\u2400"),
                    "fetched_at": now_utc(),
                }
            )
        listed = [
            {"hashset": m.hashset, "entry": m.entry, "signal": m.signal, "distance": m.distance}
            for m in matches
        ]
        self.batch.findings.append(
            {
                "job_id": self.store.job_id,
                "media_key": url_key(item.url),
                "page_url": record["page_url"],
                "media_url": item.url,
                "host": host_of(fetched.final_url),
                "server_ip": fetched.server_ip,
                "found_at": fetched.at.replace(tzinfo=None),
                "md5": hashes.md5,
                "sha1": hashes.sha1,
                "sha256": hashes.sha256,
                "pdq": hashes.pdq,
                "pdq_quality": hashes.quality,
                "hashset": best.hashset,
                "entry": best.entry[:120],
                "signal": best.signal,
                "distance": best.distance,
                "page_sha256": record["page_sha256"],
                "evidence": json.dumps(record, ensure_ascii=False),
                "_audit": {
                    "job_id": self.store.job_id,
                    "page_url": record["page_url"],
                    "media_url": item.url,
                    "sha256": hashes.sha256,
                    "pdq": hashes.pdq,
                    "page_sha256": record["page_sha256"],
                    "settings_sha256": self.settings_sha256,
                    "matches": listed,
                },
                "_event": {
                    "type": "match",
                    "job": self.store.job_id,
                    "page_url": record["page_url"],
                    "media_url": item.url,
                    "sha256": hashes.sha256,
                    "pdq": hashes.pdq,
                    "matches": listed,
                },
            }
        )

    def _finish(
        self,
        item: Item,
        state: str,
        *,
        fetched: Fetched | None = None,
        status: int | None = None,
        error: str | None = None,
        found_as: str | None = None,
        sha256: str | None = None,
        size: int | None = None,
    ) -> None:
        self.batch.finished.append(
            {
                "id": item.id,
                "state": state,
                "status": fetched.status if fetched is not None else status,
                "content_type": (fetched.header("Content-Type") or "")[:200] if fetched else None,
                "size": size if size is not None else (len(fetched.body) if fetched else None),
                "sha256": sha256,
                "error": error,
                "found_as": found_as,
                "fetched_at": now_utc(),
            }
        )


def _sha256(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


class _NeedExact(Exception):
    """Raised by :func:`_need_exact`: the estimate is too near the line to be trusted."""


def _need_exact(_estimate: FileHashes) -> FileHashes:
    # Settling asks for the exact hashes: they are computed in a hashing process (async),
    # so the synchronous call stops here and the caller hashes exactly, then matches.
    raise _NeedExact
