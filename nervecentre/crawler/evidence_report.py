"""Evidence reports (per finding or per host) as JSON and PDF, and notices as PDF.

A report gathers, for each finding in its scope, what the crawl recorded: where the image
was, who runs the server, every hash (MD5, SHA-1, SHA-256, PDQ, the page's SHA-256), the
list entry matched, the evidence record (redirects, headers, TLS certificate hash, times in
UTC and IST, the job's settings hash), its audit entry and every re-check. The JSON is
canonical (sorted keys) and carries ``content_sha256``, the SHA-256 of itself without that
field, which the PDF prints too, so either copy can be checked against the other; making a
report is audited (``crawl.report``) with the SHA-256 of both files. Never any media.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from nervecentre.crawler import leads
from nervecentre.crawler.config import canonical_json
from nervecentre.crawler.lead_models import CrawlNotice
from nervecentre.crawler.models import CrawlFinding
from nervecentre.crawler.pdf import evidence_pdf, notice_pdf
from nervecentre.crawler.recheck import history
from nervecentre.errors import InvalidValue, NotFound
from nervecentre.security import audit
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database
from nervecentre.types.times import IST

_HASHES = ("md5", "sha1", "sha256", "pdq", "pdq_quality", "page_sha256", "audit_id")


@dataclass(frozen=True, slots=True)
class Export:
    """A file made for export, with its SHA-256 (sent as a header, kept in the audit)."""

    content: bytes
    media_type: str
    filename: str

    @property
    def sha256(self) -> str:
        """SHA-256 of the file's bytes."""
        return hashlib.sha256(self.content).hexdigest()


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(microsecond=0).isoformat() + "Z"


def _ist(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).astimezone(IST).strftime("%Y-%m-%d %H:%M:%S IST")


def report_data(
    db: Database, *, finding_id: int | None = None, host: str | None = None
) -> dict[str, Any]:
    """The report's content for one finding or one host (NotFound when there is none)."""
    if (finding_id is None) == (host is None):
        raise InvalidValue("give a finding or a host")
    chosen = [
        f
        for f in leads.findings(db)
        if (finding_id is not None and f.id == finding_id) or (host is not None and f.host == host)
    ]
    if not chosen:
        what = f"crawl finding {finding_id}" if finding_id is not None else f"finding on {host!r}"
        raise NotFound(f"no {what}")
    with db.session() as session:
        rows = {
            r.id: r
            for r in session.scalars(
                select(CrawlFinding).where(CrawlFinding.id.in_([f.id for f in chosen]))
            )
        }
    items = []
    for found in chosen:
        row = rows[found.id]
        item = found.to_dict()
        item.update({name: getattr(row, name) for name in _HASHES})
        item["found_at"] = _iso(row.found_at)
        item["found_at_ist"] = _ist(row.found_at)
        item["removed_at"] = _iso(row.removed_at)
        item["evidence"] = json.loads(row.evidence or "{}")
        item["checks"] = history(db, found.id)
        items.append(item)
    scope = {"finding": finding_id} if finding_id is not None else {"host": host}
    data: dict[str, Any] = {"report": "crawl evidence", "scope": scope, "findings": items}
    data = json.loads(json.dumps(data, default=str))  # times and the like as text, once
    data["content_sha256"] = hashlib.sha256(canonical_json(data).encode()).hexdigest()
    return data


def _name(scope: dict[str, Any]) -> str:
    if "finding" in scope:
        return f"finding-{scope['finding']}"
    return "host-" + "".join(c if c.isalnum() or c in ".-" else "_" for c in scope["host"])[:80]


def evidence_report(
    db: Database,
    *,
    actor: audit.Actor,
    fmt: str = "pdf",
    finding_id: int | None = None,
    host: str | None = None,
) -> Export:
    """An evidence report as ``pdf`` or ``json`` for one finding or host (audited)."""
    data = report_data(db, finding_id=finding_id, host=host)
    made_at = utcnow()
    name = f"evidence-{_name(data['scope'])}"
    if fmt == "json":
        export = Export(canonical_json(data).encode(), "application/json", f"{name}.json")
    elif fmt == "pdf":
        pdf = evidence_pdf(data, made_by=audit.actor_name(actor), made_at=made_at)
        export = Export(pdf, "application/pdf", f"{name}.pdf")
    else:
        raise InvalidValue("a report is pdf or json", kind="format", value=fmt)
    detail = {
        "scope": data["scope"],
        "format": fmt,
        "findings": [f["finding"] for f in data["findings"]],
        "content_sha256": data["content_sha256"],
        "sha256": export.sha256,
    }
    target = data["findings"][0]["finding"] if finding_id is not None else None
    with db.session() as session:
        audit.record(session, actor, "crawl.report", "crawl_finding", target, detail, ip=None)
    return export


def notice_export(db: Database, notice_id: int) -> Export:
    """A notice as PDF: its kept text, with the text's SHA-256 (reading it is not a write)."""
    with db.session() as session:
        notice = session.get(CrawlNotice, notice_id)
        if notice is None:
            raise NotFound(f"no notice with id {notice_id}")
        pdf = notice_pdf(notice.id, notice.provider, notice.text, notice.sha256)
    return Export(pdf, "application/pdf", f"notice-NC-NOTICE-{notice_id:06d}.pdf")
