"""The Crawler's background work, in ``nervecentre worker`` or inside ``nervecentre serve``:
re-checks due, scheduled crawls due, and scheduled crawls a stopped worker left running.

All of its state is in the database: a worker restarted (or a machine rebooted) carries on
from there, and several workers on one or many machines share the work (a re-check run or a
schedule's run is claimed by one; a crawl's URLs are leased, :mod:`nervecentre.crawler.frontier`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from nervecentre.crawler.engine import Emit
from nervecentre.crawler.frontier import Frontier
from nervecentre.crawler.jobs import resume_crawl, run_job
from nervecentre.crawler.models import CrawlJob
from nervecentre.crawler.recheck import recheck
from nervecentre.crawler.schedule import claim_due
from nervecentre.crawler.store import JobStore
from nervecentre.errors import NervecentreError
from nervecentre.store.db import Database

_log = logging.getLogger(__name__)


@dataclass(slots=True)
class Round:
    """What one round of the worker did."""

    rechecks: dict[str, int] = field(default_factory=dict)
    started: list[int] = field(default_factory=list)  # jobs of schedules due
    carried_on: list[int] = field(default_factory=list)  # scheduled jobs left running

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "type": "worker",
            "rechecks": self.rechecks,
            "started": self.started,
            "carried_on": self.carried_on,
        }


def _unfinished_scheduled(db: Database) -> list[int]:
    with db.session() as session:
        return [
            int(i)
            for i in session.scalars(
                select(CrawlJob.id)
                .where(CrawlJob.state == "running", CrawlJob.schedule_id.isnot(None))
                .order_by(CrawlJob.id)
            )
        ]


def run_round(
    db: Database,
    actor: str,
    *,
    every: timedelta = timedelta(hours=24),
    now: datetime | None = None,
    emit: Emit | None = None,
) -> Round:
    """Do the work due at ``now``: scheduled crawls left running are carried on first (their
    URLs no other worker holds), then re-checks, then the schedules due."""
    sink: Emit = emit or (lambda _event: None)
    done = Round()
    for job in _unfinished_scheduled(db):
        frontier = Frontier(db, job)
        frontier.release_dead_here()
        if frontier.claimable():
            resume_crawl(db, job, sink, actor)
            done.carried_on.append(job)
        else:  # stopped after its last URL, before marking it finished
            JobStore(db, job, actor).finish()
    done.rechecks = recheck(db, actor=actor, interval=every, now=now)
    for job in claim_due(db, actor, now=now):
        run_job(db, job, sink, actor)
        done.started.append(job)
    return done


def run_forever(
    db: Database,
    actor: str,
    *,
    every: timedelta = timedelta(hours=24),
    poll_seconds: float = 300.0,
    stop: threading.Event | None = None,
    emit: Emit | None = None,
) -> None:
    """Rounds every ``poll_seconds`` until ``stop`` is set (or forever)."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            run_round(db, actor, every=every, emit=emit)
        except NervecentreError as exc:  # a hash set deleted, the database away: next round
            _log.warning("crawl worker: %s", exc)
        stop.wait(poll_seconds)


@contextlib.contextmanager
def background(db: Database, actor: str, *, poll_seconds: float = 60.0) -> Iterator[None]:
    """The worker on a thread of its own while the block runs (``nervecentre serve``)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_forever,
        args=(db, actor),
        kwargs={"poll_seconds": poll_seconds, "stop": stop},
        name="crawl-worker",
        daemon=True,  # a crawl in progress must not hold the server's exit: its leases expire
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
