"""Starting and resuming crawl jobs: the library calls the CLI (and later the web) make."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from nervecentre.crawler.config import CrawlConfig
from nervecentre.crawler.engine import Crawl, Emit
from nervecentre.crawler.store import JobStore, create_job, load_job
from nervecentre.hashing.match import Matcher
from nervecentre.store.db import Database


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:  # not on Windows
        return None
    return uvloop.new_event_loop


def _run(
    db: Database, job_id: int, config: CrawlConfig, matcher: Matcher, emit: Emit, actor: str
) -> dict[str, Any]:
    started = time.perf_counter()
    store = JobStore(db, job_id, actor, lease_seconds=max(1, db.settings.crawl_lease_seconds))
    crawl = Crawl(store, config, matcher, emit)
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(crawl.run())
    summary: dict[str, Any] = {"type": "summary", "job": job_id}
    summary.update(store.summary())
    summary["seconds"] = round(time.perf_counter() - started, 3)
    return summary


def start_crawl(
    db: Database,
    config: CrawlConfig,
    emit: Emit,
    actor: str,
    *,
    on_job: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Create a job for ``config`` and crawl it to the end; returns the summary.

    The hash sets are loaded first, so an unknown one fails before any job exists.
    """
    matcher = Matcher.from_db(db, list(config.hashsets), threshold=config.pdq_threshold)
    job_id = create_job(db, config, actor)
    if on_job is not None:
        on_job(job_id)
    return _run(db, job_id, config, matcher, emit, actor)


def run_job(db: Database, job_id: int, emit: Emit, actor: str) -> dict[str, Any]:
    """Crawl a job just recorded (a schedule's run) to the end; returns the summary."""
    config, _state = load_job(db, job_id)
    matcher = Matcher.from_db(db, list(config.hashsets), threshold=config.pdq_threshold)
    return _run(db, job_id, config, matcher, emit, actor)


def resume_crawl(
    db: Database,
    job_id: int,
    emit: Emit,
    actor: str,
    *,
    on_job: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Carry on a job from its frontier, with the settings it began with.

    A finished job has nothing left to fetch: its summary is returned as it stands.
    """
    config, _state = load_job(db, job_id)
    matcher = Matcher.from_db(db, list(config.hashsets), threshold=config.pdq_threshold)
    JobStore(db, job_id, actor).resume()
    if on_job is not None:
        on_job(job_id)
    return _run(db, job_id, config, matcher, emit, actor)
