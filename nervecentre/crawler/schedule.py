"""Crawls run again on a schedule, by whichever worker finds one due first.

A schedule keeps a job's settings and the hours between runs. A worker *claims* a due run
with a conditional update (its ``next_run_at`` moved on only if no other worker moved it
first) and records the run's job in the same transaction, so a run is started once however
many workers look, and a worker restarted in the middle of a run finds that job still
``running`` and carries it on (:mod:`nervecentre.crawler.worker`). Runs missed while no
worker ran are not made up: the next one is due ``every_hours`` after the claim.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from nervecentre.crawler.config import CrawlConfig, canonical_json
from nervecentre.crawler.models import CrawlSchedule
from nervecentre.crawler.store import add_job
from nervecentre.errors import InvalidValue
from nervecentre.security import audit
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database


@dataclass(frozen=True, slots=True)
class Schedule:
    """A schedule as listed."""

    id: int
    name: str
    seeds: tuple[str, ...]
    hashsets: tuple[str, ...]
    every_hours: float
    next_run_at: datetime
    enabled: bool
    last_job_id: int | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {
            "id": self.id,
            "name": self.name,
            "seeds": list(self.seeds),
            "hashsets": list(self.hashsets),
            "every_hours": self.every_hours,
            "next_run_at": self.next_run_at.isoformat() + "Z",
            "enabled": self.enabled,
            "last_job": self.last_job_id,
        }


def add_schedule(
    db: Database,
    name: str,
    config: CrawlConfig,
    every_hours: float,
    actor: str,
    *,
    first_run: datetime | None = None,
) -> int:
    """Record a schedule (its first run due at ``first_run``, default now); returns its id."""
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidValue("a schedule's name is 1 to 120 characters", kind="name")
    if every_hours <= 0:
        raise InvalidValue("--every must be more than 0 hours", kind="hours")
    with db.session() as session:
        if session.scalar(select(CrawlSchedule.id).where(CrawlSchedule.name == name)):
            raise InvalidValue(f"a schedule named {name!r} exists already", kind="name")
        row = CrawlSchedule(
            name=name,
            settings=canonical_json(config.to_dict()),
            every_hours=float(every_hours),
            next_run_at=first_run or utcnow(),
            enabled=True,
            actor=actor[:120],
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "crawl.schedule",
            "crawl_schedule",
            row.id,
            {"name": name, "seeds": list(config.seeds), "every_hours": every_hours},
        )
        return int(row.id)


def list_schedules(db: Database) -> list[Schedule]:
    """Every schedule, by name."""
    with db.session() as session:
        rows = session.scalars(select(CrawlSchedule).order_by(CrawlSchedule.name)).all()
        out = []
        for row in rows:
            settings = json.loads(row.settings)
            out.append(
                Schedule(
                    row.id,
                    row.name,
                    tuple(settings.get("seeds", ())),
                    tuple(settings.get("hashsets", ())),
                    row.every_hours,
                    row.next_run_at,
                    row.enabled,
                    row.last_job_id,
                )
            )
        return out


def claim_due(db: Database, actor: str, *, now: datetime | None = None) -> list[int]:
    """Start every run due at ``now``: one job each, recorded with the claim; their ids."""
    now = now or utcnow()
    with db.session() as session:
        due = session.execute(
            select(CrawlSchedule.id, CrawlSchedule.next_run_at)
            .where(CrawlSchedule.enabled.is_(True), CrawlSchedule.next_run_at <= now)
            .order_by(CrawlSchedule.next_run_at)
        ).all()
    jobs = []
    for schedule_id, seen in due:
        with db.session() as session:
            row = session.get(CrawlSchedule, schedule_id)
            if row is None:
                continue
            # Moved on only if still as this worker saw it: another worker's claim wins.
            claimed = session.execute(
                update(CrawlSchedule)
                .where(CrawlSchedule.id == schedule_id, CrawlSchedule.next_run_at == seen)
                .values(next_run_at=now + timedelta(hours=row.every_hours))
                .execution_options(synchronize_session=False)
            )
            if not claimed.rowcount:  # type: ignore[attr-defined]
                continue
            config = CrawlConfig.from_dict(json.loads(row.settings))
            job_id = add_job(session, config, actor, schedule_id=schedule_id)
            session.execute(
                update(CrawlSchedule)
                .where(CrawlSchedule.id == schedule_id)
                .values(last_job_id=job_id)
                .execution_options(synchronize_session=False)
            )
            jobs.append(job_id)
    return jobs
