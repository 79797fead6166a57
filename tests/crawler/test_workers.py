"""Several worker processes crawl one job through the database: no URL fetched twice, no
finding twice, and a worker killed mid-crawl costs nothing but the wait for its leases."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from nervecentre.crawler.config import build_config
from nervecentre.crawler.frontier import Frontier, _here
from nervecentre.crawler.models import CrawlFinding, CrawlJob, CrawlUrl
from nervecentre.crawler.store import JobStore, create_job
from nervecentre.crawler.synthweb import SynthServer, SynthWeb, running
from nervecentre.store.db import Database
from tests.crawler.conftest import deadline, load_hashset, planted

WORKERS = 3
# Each worker is a new Python process: on a loaded 2-core machine starting one takes
# seconds, several at once much longer than the crawl itself.
SLOW_START_DEADLINE_S = 240


@pytest.fixture(autouse=True)
def test_deadline() -> Iterator[None]:
    """This module's tests start processes: a longer deadline than conftest's."""
    with deadline(SLOW_START_DEADLINE_S):
        yield


def _env(db: Database, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "NERVECENTRE_DATABASE_URL": db.url,
        "NERVECENTRE_DATA_DIR": str(db.settings.data_dir),
        "NERVECENTRE_CRAWL_TIMEOUT_SECONDS": "10",
        "NERVECENTRE_CRAWL_HOST_DELAY_MS": "10",
        **extra,
    }


def _job(db: Database, server: SynthServer) -> int:
    # Few requests in flight and each host's pages 0.2 s apart (the job keeps its settings:
    # every worker crawls by them): a worker leases only a few URLs at a time and the crawl
    # outlasts the workers' start, so that every worker finds work.
    settings = replace(db.settings, crawl_concurrency=4, crawl_host_delay_ms=200)
    config = build_config(settings, [f"{b}/" for b in server.bases], ["synthetic"], max_pages=400)
    return create_job(db, config, "test")


def _workers(
    db: Database, job: int, count: int = WORKERS, **env: str
) -> list[subprocess.Popen[str]]:
    argv = [sys.executable, "-m", "nervecentre", "crawl", "resume", str(job), "--json"]
    return [
        subprocess.Popen(
            argv,
            env=_env(db, **env),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(count)
    ]


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _findings(db: Database, job: int) -> list[str]:
    with db.session() as s:
        return list(
            s.scalars(select(CrawlFinding.media_url).where(CrawlFinding.job_id == job)).all()
        )


def test_workers_share_one_frontier(db: Database, tmp_path: Path) -> None:
    web = SynthWeb(seed=21, sites=2, pages=40, traps=False)
    with running(web) as server:
        load_hashset(db, server, tmp_path)
        job = _job(db, server)
        outputs = [p.communicate()[0] for p in _workers(db, job)]
        expected = planted(server)
        fetched = dict(server.requests)
    events = [_lines(out) for out in outputs]
    busy = [e for e in events if any(x["type"] in ("page", "match") for x in e)]
    assert len(busy) >= 2, "one worker did all the work: the frontier was not shared"
    reported = [x["media_url"] for e in events for x in e if x["type"] == "match"]
    assert sorted(reported) == sorted(expected), "a finding missed, or reported twice"
    assert sorted(_findings(db, job)) == sorted(expected)
    twice = {path: n for (_, path), n in fetched.items() if n > 1 and path != "/robots.txt"}
    assert not twice, f"fetched more than once: {twice}"
    with db.session() as s:
        assert s.get(CrawlJob, job).state == "finished"
        left = s.scalar(
            select(func.count()).where(CrawlUrl.job_id == job, CrawlUrl.state == "queued")
        )
    assert left == 0
    assert all(e[-1]["type"] == "summary" and e[-1]["matches"] == len(expected) for e in events)


def test_a_killed_worker_costs_nothing_but_its_leases(db: Database, tmp_path: Path) -> None:
    web = SynthWeb(seed=22, sites=2, pages=40, traps=False)
    with running(web) as server:
        load_hashset(db, server, tmp_path)
        job = _job(db, server)
        (victim,) = _workers(db, job, 1)
        assert victim.stdout is not None
        seen: list[dict[str, Any]] = []
        for line in victim.stdout:
            seen.append(json.loads(line))
            if sum(x["type"] == "page" for x in seen) >= 3:
                break
        others = _workers(db, job, WORKERS - 1, NERVECENTRE_CRAWL_LEASE_SECONDS="2")
        # It holds leases now (it is fetching): killed without a chance to give them back.
        with db.session() as s:
            held = s.scalar(
                select(func.count()).where(
                    CrawlUrl.job_id == job,
                    CrawlUrl.state == "queued",
                    CrawlUrl.lease_owner.like(f"%:{victim.pid}:%"),
                )
            )
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        seen.extend(_lines(victim.stdout.read()))
        outputs = [p.communicate()[0] for p in others]
        expected = planted(server)
    assert seen[-1]["type"] != "summary", "the worker ended before it could be killed"
    events = [seen, *(_lines(out) for out in outputs)]
    reported = [x["media_url"] for e in events for x in e if x["type"] == "match"]
    assert len(reported) == len(set(reported)), "a finding was reported twice"
    assert sorted(_findings(db, job)) == sorted(expected)
    with db.session() as s:
        assert s.get(CrawlJob, job).state == "finished"
    assert held is not None  # (how many it held depends on timing; the crawl is whole anyway)


def test_leases_are_exclusive_and_expire(db: Database) -> None:
    """Two workers claiming at once get disjoint URLs; a lease left to expire is taken."""
    config = build_config(db.settings, [f"http://127.0.0.1:9/{n}" for n in "abcdef"], ["x"])
    job = create_job(db, config, "test")
    first = Frontier(db, job, lease_seconds=0.5)
    second = Frontier(db, job, lease_seconds=60)
    a = first.claim(4)
    b = second.claim(4)
    assert len(a) == 4 and len(b) == 2
    assert not {row[0] for row in a} & {row[0] for row in b}
    assert second.claim(4) == []
    assert second.held_elsewhere() == 4
    time.sleep(0.7)  # the first worker stopped renewing: its leases run out
    again = second.claim(10)
    assert sorted(row[0] for row in again) == sorted(row[0] for row in a)
    second.release()
    assert first.claimable() == 6


def test_leases_of_a_dead_local_process_are_freed_at_once(db: Database) -> None:
    config = build_config(db.settings, ["http://127.0.0.1:9/"], ["x"])
    job = create_job(db, config, "test")
    gone = subprocess.run(  # a process that has ended: its id names no process now
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    dead = Frontier(db, job, owner=f"{_here()}:{gone.stdout.strip()}:dead")
    assert len(dead.claim(5)) == 1
    alive = Frontier(db, job)
    assert alive.claim(5) == []
    assert alive.release_dead_here() == 1
    assert len(alive.claim(5)) == 1


def test_the_job_is_finished_once_and_only_when_nothing_is_queued(db: Database) -> None:
    config = build_config(db.settings, ["http://127.0.0.1:9/"], ["x"])
    job = create_job(db, config, "test")
    store = JobStore(db, job, "test")
    assert store.finish() is False  # its seed is still queued
    with db.session() as s:
        s.execute(update(CrawlUrl).where(CrawlUrl.job_id == job).values(state="done"))
    assert store.finish() is True
    with db.session() as s:
        first = s.get(CrawlJob, job).finished_at
    assert JobStore(db, job, "another worker").finish() is True
    with db.session() as s:
        assert s.get(CrawlJob, job).finished_at == first  # the first worker's time is kept
