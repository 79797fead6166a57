"""What the web pages and the API show of the Crawler, behind its permissions.

``crawl.view`` reads jobs, findings (URLs, hashes, evidence — never media), leads and
notices; ``crawl.notice`` makes takedown notices and records them sent. Crawl findings belong
to no case, so need-to-know by unit does not apply: the permission is the gate.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from nervecentre.crawler import leads, notices
from nervecentre.crawler.evidence_report import Export, evidence_report, notice_export
from nervecentre.crawler.lead_models import CrawlCheck, CrawlNotice
from nervecentre.crawler.models import CrawlFinding, CrawlJob, CrawlUrl
from nervecentre.crawler.recheck import history
from nervecentre.errors import NotFound
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database


def _job(row: CrawlJob, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "id": row.id,
        "state": row.state,
        "seeds": json.loads(row.seeds),
        "actor": row.actor,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "finished_at": row.finished_at,
        "runs": row.runs,
        **counts,
    }


def _counts(session: Any, job_ids: list[int]) -> dict[int, dict[str, int]]:
    u, f = CrawlUrl, CrawlFinding
    out = {i: {"pages": 0, "media": 0, "queued": 0, "errors": 0, "matches": 0} for i in job_ids}
    rows = session.execute(
        select(
            u.job_id,
            func.count().filter(u.found_as == "page"),
            func.count().filter(u.found_as == "media"),
            func.count().filter(u.state == "queued"),
            func.count().filter(u.error.is_not(None)),
        )
        .where(u.job_id.in_(job_ids))
        .group_by(u.job_id)
    )
    for job_id, pages, media, queued, errors in rows:
        out[job_id].update(pages=pages, media=media, queued=queued, errors=errors)
    for job_id, matches in session.execute(
        select(f.job_id, func.count()).where(f.job_id.in_(job_ids)).group_by(f.job_id)
    ):
        out[job_id]["matches"] = matches
    return out


def list_jobs(db: Database, user: User, *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest crawl jobs with their progress, newest first."""
    require(user, "crawl.view")
    with db.session() as session:
        rows = list(session.scalars(select(CrawlJob).order_by(CrawlJob.id.desc()).limit(limit)))
        counts = _counts(session, [r.id for r in rows])
        return [_job(r, counts[r.id]) for r in rows]


def job_detail(db: Database, user: User, job_id: int) -> dict[str, Any]:
    """One job: its progress, settings and findings (hashes and metadata only)."""
    require(user, "crawl.view")
    with db.session() as session:
        row = session.get(CrawlJob, job_id)
        if row is None:
            raise NotFound(f"no crawl job {job_id}")
        detail = _job(row, _counts(session, [job_id])[job_id])
        detail["settings"] = json.loads(row.settings)
    by_id = {f.id: f for f in leads.findings(db) if f.job_id == job_id}
    detail["findings"] = [f.to_dict() for f in by_id.values()]
    return detail


def finding_detail(db: Database, user: User, finding_id: int) -> dict[str, Any]:
    """One finding with its evidence record and every re-check."""
    require(user, "crawl.view")
    found = next((f for f in leads.findings(db) if f.id == finding_id), None)
    if found is None:
        raise NotFound(f"no crawl finding {finding_id}")
    with db.session() as session:
        evidence = session.scalar(
            select(CrawlFinding.evidence).where(CrawlFinding.id == finding_id)
        )
        checks = session.scalar(
            select(func.count()).select_from(CrawlCheck).where(CrawlCheck.finding_id == finding_id)
        )
    return {
        **found.to_dict(),
        "evidence": json.loads(evidence or "{}"),
        "checks": history(db, finding_id),
        "check_count": int(checks or 0),
    }


def lead_groups(db: Database, user: User, by: str = "provider") -> list[dict[str, Any]]:
    """Findings grouped by provider, host or country (see :mod:`nervecentre.crawler.leads`)."""
    require(user, "crawl.view")
    return [g.to_dict() for g in leads.leads(db, by)]


def _notice(row: CrawlNotice) -> dict[str, Any]:
    return {
        "id": row.id,
        "provider": row.provider,
        "created_at": row.created_at,
        "sent_at": row.sent_at,
        "actor": row.actor,
        "findings": json.loads(row.findings),
        "sha256": row.sha256,
        "text": row.text,
    }


def list_notices(db: Database, user: User) -> list[dict[str, Any]]:
    """Every takedown notice, newest first, with its text."""
    require(user, "crawl.view")
    return [_notice(n) for n in notices.list_notices(db)]


def make_notice(db: Database, user: User, provider: str, unit: str) -> dict[str, Any]:
    """Make a notice for a provider's findings still served (audited)."""
    require(user, "crawl.notice")
    return _notice(notices.make_notice(db, provider, actor=user, unit=unit))


def mark_sent(db: Database, user: User, notice_id: int) -> dict[str, Any]:
    """Record a notice as sent (audited)."""
    require(user, "crawl.notice")
    return _notice(notices.mark_sent(db, notice_id, actor=user))


def evidence_export(
    db: Database,
    user: User,
    fmt: str,
    *,
    finding_id: int | None = None,
    host: str | None = None,
) -> Export:
    """An evidence report of a finding or a host as PDF or JSON (audited)."""
    require(user, "crawl.view")
    return evidence_report(db, actor=user, fmt=fmt, finding_id=finding_id, host=host)


def notice_file(db: Database, user: User, notice_id: int) -> Export:
    """A notice as PDF."""
    require(user, "crawl.view")
    return notice_export(db, notice_id)
