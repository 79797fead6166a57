"""The Crawler over REST: jobs, findings (hashes and evidence, never media), leads, notices."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from nervecentre.api._common import ERRORS, Who
from nervecentre.crawler import views
from nervecentre.web.auth import database
from nervecentre.web.downloads import download
from nervecentre.web.params import RecordId

router = APIRouter(tags=["crawler"], responses=ERRORS)


class NoticeIn(BaseModel):
    """For whom a takedown notice is made, and from whom."""

    provider: Annotated[str, Field(min_length=1, max_length=300)]
    unit: Annotated[str, Field(max_length=200)] = "the cyber crime unit"


@router.get("/crawl/jobs")
def list_jobs(request: Request, who: Who) -> list[dict[str, Any]]:
    """Crawl jobs, newest first, with their progress (needs crawl.view)."""
    return views.list_jobs(database(request), who.user)


@router.get("/crawl/jobs/{job_id}")
def get_job(request: Request, who: Who, job_id: RecordId) -> dict[str, Any]:
    """One job: its settings, progress and findings."""
    return views.job_detail(database(request), who.user, job_id)


@router.get("/crawl/findings/{finding_id}")
def get_finding(request: Request, who: Who, finding_id: RecordId) -> dict[str, Any]:
    """One finding: its evidence record and every re-check."""
    return views.finding_detail(database(request), who.user, finding_id)


@router.get("/crawl/leads")
def get_leads(
    request: Request, who: Who, by: Literal["provider", "host", "country"] = "provider"
) -> list[dict[str, Any]]:
    """Findings grouped by provider, host or country, with the median hours to removal."""
    return views.lead_groups(database(request), who.user, by)


@router.get("/crawl/notices")
def list_notices(request: Request, who: Who) -> list[dict[str, Any]]:
    """Takedown notices made, newest first, with their text and SHA-256."""
    return views.list_notices(database(request), who.user)


@router.post("/crawl/notices", status_code=201)
def make_notice(request: Request, who: Who, body: NoticeIn) -> dict[str, Any]:
    """Make a notice for a provider's findings still served (needs crawl.notice; audited)."""
    return views.make_notice(database(request), who.user, body.provider, body.unit)


@router.post("/crawl/notices/{notice_id}/sent")
def notice_sent(request: Request, who: Who, notice_id: RecordId) -> dict[str, Any]:
    """Record a notice as sent now (needs crawl.notice; audited)."""
    return views.mark_sent(database(request), who.user, notice_id)


@router.get("/crawl/findings/{finding_id}/report", response_class=Response)
def finding_report(
    request: Request, who: Who, finding_id: RecordId, format: Literal["pdf", "json"] = "pdf"
) -> Response:
    """A finding's evidence report as PDF or JSON (audited; its SHA-256 in X-Content-SHA256)."""
    return download(
        views.evidence_export(database(request), who.user, format, finding_id=finding_id)
    )


@router.get("/crawl/hosts/{host}/report", response_class=Response)
def host_report(
    request: Request,
    who: Who,
    host: Annotated[str, Path(max_length=300)],
    format: Literal["pdf", "json"] = "pdf",
) -> Response:
    """The evidence report of every finding on a host, as PDF or JSON (audited)."""
    return download(views.evidence_export(database(request), who.user, format, host=host))


@router.get("/crawl/notices/{notice_id}/pdf", response_class=Response)
def notice_pdf(request: Request, who: Who, notice_id: RecordId) -> Response:
    """A takedown notice as PDF: its text as kept, and the text's SHA-256."""
    return download(views.notice_file(database(request), who.user, notice_id))
