"""One frontier shared by several workers: queued URLs are leased, never handed out twice.

A worker *claims* queued URLs whose lease is free or has expired, in one atomic statement
(PostgreSQL: ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING``, so
workers never wait on one another's rows; SQLite: the same ``UPDATE ... RETURNING``, which
its single writer makes atomic). While it runs, a worker pushes its leases back every few
seconds; a URL it finishes leaves the frontier. A worker stopped cleanly gives its leases
back at once; a worker killed (or a machine lost) holds them until they expire, and then any
other worker takes them. On its own machine a worker also frees, at once, the leases of a
worker process that no longer exists (so a crawl killed with ``kill -9`` resumes without
waiting). Findings stay unique per job and media URL whatever happens.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

from sqlalchemy import Table, and_, func, or_, select, update

from nervecentre.crawler.models import CrawlUrl
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database

_URLS = cast(Table, CrawlUrl.__table__)
DEFAULT_LEASE_SECONDS = 60.0


def _here() -> str:
    """This machine and process-id namespace: where a process id means one process (two
    containers may share a host name, never a namespace)."""
    try:
        namespace = Path("/proc/self/ns/pid").stat().st_ino
    except OSError:
        namespace = 0
    return f"{socket.gethostname()[:80]}/{namespace}"


def worker_name() -> str:
    """This process as a lease owner: machine, process id and a random part."""
    return f"{_here()}:{os.getpid()}:{secrets.token_hex(4)}"


def _alive_here(owner: str) -> bool:
    """False only for an owner here (same machine and namespace) whose process is gone."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != _here() or not parts[1].isdigit():
        return True  # another machine's worker: only its lease's expiry says it is gone
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of another user: alive
        return True
    return True


class Frontier:
    """A job's frontier as one worker sees it."""

    def __init__(
        self,
        db: Database,
        job_id: int,
        *,
        owner: str | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
    ) -> None:
        self.db = db
        self.job_id = job_id
        self.owner = owner or worker_name()
        self.lease = timedelta(seconds=lease_seconds)

    def _free(self, now: datetime) -> object:
        u = _URLS.c
        return or_(u.lease_until.is_(None), u.lease_until < now)

    def claim(self, limit: int) -> list[tuple[int, str, str, int, str | None]]:
        """Lease up to ``limit`` free queued URLs, oldest first: (id, url, kind, depth,
        referrer) of each."""
        u = _URLS.c
        now = utcnow()
        chosen = (
            select(u.id)
            .where(u.job_id == self.job_id, u.state == "queued", self._free(now))  # type: ignore[arg-type]
            .order_by(u.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # SQLite renders nothing: one writer anyway
        )
        statement = (
            update(_URLS)
            .where(u.id.in_(chosen.scalar_subquery()))
            .values(lease_owner=self.owner, lease_until=now + self.lease)
            .returning(u.id, u.url, u.kind, u.depth, u.referrer)
        )
        with self.db.engine.begin() as conn:
            rows = conn.execute(statement).all()
        return sorted((int(i), url, kind, int(d), ref) for i, url, kind, d, ref in rows)

    def renew(self) -> None:
        """Push back the leases this worker holds."""
        self._update_leases(lease_until=utcnow() + self.lease)

    def release(self) -> None:
        """Give back every lease this worker holds (it stops cleanly)."""
        self._update_leases(lease_owner=None, lease_until=None)

    def _update_leases(self, **values: object) -> None:
        u = _URLS.c
        with self.db.engine.begin() as conn:
            conn.execute(
                update(_URLS)
                .where(u.job_id == self.job_id, u.lease_owner == self.owner, u.state == "queued")
                .values(**values)
            )

    def release_dead_here(self) -> int:
        """Free the leases of worker processes of this machine that no longer run."""
        u = _URLS.c
        with self.db.engine.connect() as conn:
            owners = conn.execute(
                select(u.lease_owner)
                .where(u.job_id == self.job_id, u.state == "queued", u.lease_owner.isnot(None))
                .distinct()
            ).scalars()
            dead = [o for o in owners if o != self.owner and not _alive_here(o)]
        if not dead:
            return 0
        with self.db.engine.begin() as conn:
            result = conn.execute(
                update(_URLS)
                .where(u.job_id == self.job_id, u.state == "queued", u.lease_owner.in_(dead))
                .values(lease_owner=None, lease_until=None)
            )
        return int(result.rowcount or 0)

    def held_elsewhere(self) -> int:
        """Queued URLs leased by other workers (their leases not expired)."""
        u = _URLS.c
        now = utcnow()
        with self.db.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(
                        u.job_id == self.job_id,
                        u.state == "queued",
                        and_(u.lease_until.isnot(None), u.lease_until >= now),
                        or_(u.lease_owner.is_(None), u.lease_owner != self.owner),
                    )
                ).scalar()
                or 0
            )

    def claimable(self) -> int:
        """Queued URLs free to lease now."""
        u = _URLS.c
        with self.db.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).where(
                        u.job_id == self.job_id,
                        u.state == "queued",
                        self._free(utcnow()),  # type: ignore[arg-type]
                    )
                ).scalar()
                or 0
            )
