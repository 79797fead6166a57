"""Re-checking findings until the material is gone: Arachnid's loop, offline of any schedule.

Every finding not yet removed is due when its last check (or its finding) is older than the
interval (default a day). A check fetches the media URL as the crawl did, hashes what comes
back in memory and drops it:

- the same material (the same SHA-256, or a PDQ within the threshold of the finding's) is
  ``present``;
- an answer of 404, 410 or 451, or other bytes at that URL, is ``removed``: the finding's
  removal is recorded at that check's time (audited);
- no answer (network trouble, a 5xx or 429, a response over the size cap) is
  ``unreachable``: not a removal by itself — a server down for the night is not a takedown —
  until ``UNREACHABLE_FOR_REMOVAL`` checks in a row found it so, when the removal is dated to
  the first of them.

Every check is kept (``crawl_checks``), so the history of a URL can be shown in court.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nervecentre.crawler.fetch import Fetcher
from nervecentre.crawler.fetched import FetchOptions
from nervecentre.crawler.lead_models import CrawlCheck
from nervecentre.crawler.models import CrawlFinding
from nervecentre.crawler.process import now_utc
from nervecentre.hashing.digest import hash_bytes
from nervecentre.hashing.index import codes_from_hex
from nervecentre.security import audit
from nervecentre.store.db import Database

GONE = frozenset({404, 410, 451})
UNREACHABLE_FOR_REMOVAL = 3
DEFAULT_INTERVAL = timedelta(hours=24)
_CONCURRENCY = 16


@dataclass(frozen=True, slots=True)
class Due:
    """A finding to check: what was found, where."""

    finding_id: int
    media_url: str
    sha256: str
    pdq: str | None


@dataclass(slots=True)
class Outcome:
    """What one check found."""

    finding_id: int
    outcome: str
    status: int | None
    server_ip: str | None
    sha256: str | None
    detail: str
    at: datetime = field(default_factory=now_utc)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for ``--json``."""
        return {
            "type": "check",
            "finding": self.finding_id,
            "outcome": self.outcome,
            "status": self.status,
            "server_ip": self.server_ip,
            "sha256": self.sha256,
            "detail": self.detail,
            "checked_at": self.at.isoformat() + "Z",
        }


def due_findings(
    db: Database, *, interval: timedelta = DEFAULT_INTERVAL, now: datetime | None = None
) -> list[Due]:
    """Findings not removed whose last check (or finding) is older than ``interval``."""
    cutoff = (now or now_utc()) - interval
    last = (
        select(CrawlCheck.finding_id, func.max(CrawlCheck.checked_at).label("at"))
        .group_by(CrawlCheck.finding_id)
        .subquery()
    )
    f = CrawlFinding
    query = (
        select(f.id, f.media_url, f.sha256, f.pdq)
        .outerjoin(last, last.c.finding_id == f.id)
        .where(f.removed_at.is_(None), func.coalesce(last.c.at, f.found_at) <= cutoff)
        .order_by(f.id)
    )
    with db.session() as session:
        return [Due(*row) for row in session.execute(query)]


def _same(due: Due, sha256: str, pdq: str | None, threshold: int) -> bool:
    if sha256 == due.sha256:
        return True
    if not (pdq and due.pdq):
        return False
    a, b = codes_from_hex([pdq]), codes_from_hex([due.pdq])
    distance = sum(int(x ^ y).bit_count() for x, y in zip(a[0], b[0], strict=True))
    return distance <= threshold


async def _check_all(
    due: Sequence[Due], options: FetchOptions, max_bytes: int, threshold: int
) -> list[Outcome]:
    gate = asyncio.Semaphore(_CONCURRENCY)
    loop = asyncio.get_running_loop()

    async def one(item: Due, fetcher: Fetcher) -> Outcome:
        async with gate:
            fetched = await fetcher.fetch(item.media_url, max_bytes)
        status, ip = fetched.status, fetched.server_ip
        if status in GONE:  # the fetcher reports these as errors too: they are answers here
            return Outcome(item.finding_id, "removed", status, ip, None, f"HTTP {status}")
        if fetched.error is not None or status is None:
            return Outcome(item.finding_id, "unreachable", status, ip, None, fetched.error or "")
        if status != 200:
            return Outcome(item.finding_id, "unreachable", status, ip, None, f"HTTP {status}")
        body, fetched.body = fetched.body, b""
        hashes = await loop.run_in_executor(None, hash_bytes, body, item.media_url)
        del body  # the material, if it is still there, is never kept
        if _same(item, hashes.sha256, hashes.pdq, threshold):
            return Outcome(item.finding_id, "present", status, ip, hashes.sha256, "still served")
        return Outcome(
            item.finding_id, "removed", status, ip, hashes.sha256, "other content at that URL"
        )

    async with Fetcher(options) as fetcher:
        return list(await asyncio.gather(*(one(item, fetcher) for item in due)))


def _unreachable_since(session: Session, finding_id: int) -> datetime | None:
    """The first of the last ``UNREACHABLE_FOR_REMOVAL`` checks when all were unreachable."""
    rows = session.execute(
        select(CrawlCheck.outcome, CrawlCheck.checked_at)
        .where(CrawlCheck.finding_id == finding_id)
        .order_by(CrawlCheck.checked_at.desc(), CrawlCheck.id.desc())
        .limit(UNREACHABLE_FOR_REMOVAL)
    ).all()
    if len(rows) < UNREACHABLE_FOR_REMOVAL or any(o != "unreachable" for o, _ in rows):
        return None
    first: datetime = min(checked for _, checked in rows)
    return first


def recheck(
    db: Database,
    *,
    actor: audit.Actor,
    interval: timedelta = DEFAULT_INTERVAL,
    options: FetchOptions | None = None,
    now: datetime | None = None,
    emit: Callable[[Outcome], None] | None = None,
) -> dict[str, int]:
    """Check every due finding once; record each check and each removal (audited).

    Returns counts: ``checked``, ``present``, ``removed`` (newly), ``unreachable``.
    """
    settings = db.settings
    due = due_findings(db, interval=interval, now=now)
    fetch = options or FetchOptions(
        user_agent=settings.crawl_user_agent,
        timeout=float(max(1, settings.crawl_timeout_seconds)),
        response_seconds=float(max(1, settings.crawl_response_seconds)),
        max_redirects=settings.crawl_max_redirects,
    )
    outcomes = asyncio.run(
        _check_all(due, fetch, settings.crawl_max_media_bytes, settings.pdq_threshold)
    )
    counts = {"checked": len(outcomes), "present": 0, "removed": 0, "unreachable": 0}
    with db.session() as session:
        for result in outcomes:
            if now is not None:
                result.at = now
            session.add(
                CrawlCheck(
                    finding_id=result.finding_id,
                    checked_at=result.at,
                    outcome=result.outcome,
                    status=result.status,
                    server_ip=result.server_ip,
                    sha256=result.sha256,
                    detail=result.detail[:2000],
                )
            )
            session.flush()
            removed_at = result.at if result.outcome == "removed" else None
            if result.outcome == "unreachable":
                removed_at = _unreachable_since(session, result.finding_id)
            counts[result.outcome] += 1
            if removed_at is not None:
                finding = session.get(CrawlFinding, result.finding_id)
                if finding is not None and finding.removed_at is None:
                    finding.removed_at = removed_at
                    counts["removed"] += result.outcome == "unreachable"
                    detail = {
                        "media_url": finding.media_url,
                        "sha256": finding.sha256,
                        "found_at": finding.found_at.isoformat(),
                        "removed_at": removed_at.isoformat(),
                        "why": result.detail,
                    }
                    audit.record(
                        session, actor, "crawl.removed", "finding", finding.id, detail, ip=None
                    )
            if emit is not None:
                emit(result)
        summary = {"interval_hours": interval.total_seconds() / 3600, **counts}
        audit.record(session, actor, "crawl.recheck", "findings", None, summary, ip=None)
    return counts


def history(db: Database, finding_id: int) -> list[dict[str, Any]]:
    """Every check of a finding, oldest first."""
    with db.session() as session:
        rows = session.scalars(
            select(CrawlCheck)
            .where(CrawlCheck.finding_id == finding_id)
            .order_by(CrawlCheck.checked_at, CrawlCheck.id)
        ).all()
        return [
            {
                "checked_at": r.checked_at.isoformat(),
                "outcome": r.outcome,
                "status": r.status,
                "detail": r.detail,
                "server_ip": r.server_ip,
                "sha256": r.sha256,
            }
            for r in rows
        ]
