"""The Crawler in the browser: jobs with live progress, findings (never media), leads by
provider, host or country, takedown notices. The library checks ``crawl.view`` and
``crawl.notice`` (:mod:`nervecentre.crawler.views`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from nervecentre.crawler import views
from nervecentre.crawler.leads import GROUPINGS
from nervecentre.errors import InvalidValue
from nervecentre.security.roles import can
from nervecentre.web.auth import Caller, database, page_caller
from nervecentre.web.downloads import download
from nervecentre.web.forms import read_form
from nervecentre.web.params import RecordId
from nervecentre.web.templating import render

router = APIRouter(prefix="/crawl")
Who = Annotated[Caller, Depends(page_caller)]


@router.get("")
async def jobs_page(request: Request, who: Who) -> Response:
    """Crawl jobs, newest first, with their progress (refreshed while one runs)."""
    jobs = await run_in_threadpool(views.list_jobs, database(request), who.user)
    running = any(j["state"] == "running" for j in jobs)
    return render(request, "crawl_jobs.html", {"jobs": jobs, "running": running})


@router.get("/jobs/{job_id}")
async def job_page(request: Request, who: Who, job_id: RecordId) -> Response:
    """One job: settings, progress, findings."""
    job = await run_in_threadpool(views.job_detail, database(request), who.user, job_id)
    return render(request, "crawl_job.html", {"job": job})


@router.get("/findings/{finding_id}")
async def finding_page(request: Request, who: Who, finding_id: RecordId) -> Response:
    """One finding: its evidence and every re-check (hashes and metadata, never the image)."""
    finding = await run_in_threadpool(views.finding_detail, database(request), who.user, finding_id)
    return render(request, "crawl_finding.html", {"finding": finding})


@router.get("/leads")
async def leads_page(request: Request, who: Who, by: str = "provider") -> Response:
    """Findings grouped by provider, host or country, with removal times."""
    if by not in GROUPINGS:
        raise InvalidValue(f"group by one of {', '.join(GROUPINGS)}", kind="by", value=by)
    groups = await run_in_threadpool(views.lead_groups, database(request), who.user, by)
    context = {
        "groups": groups,
        "by": by,
        "groupings": GROUPINGS,
        "may_notice": can(who.user, "crawl.notice"),
    }
    return render(request, "crawl_leads.html", context)


@router.get("/notices")
async def notices_page(request: Request, who: Who) -> Response:
    """Takedown notices made, newest first, with their text and whether they were sent."""
    listed = await run_in_threadpool(views.list_notices, database(request), who.user)
    context = {"notices": listed, "may_notice": can(who.user, "crawl.notice")}
    return render(request, "crawl_notices.html", context)


@router.post("/notices")
async def make_notice(request: Request, who: Who) -> Response:
    """Make a notice for a provider's findings still served (audited)."""
    data = await read_form(request, who)
    provider, unit = data.get("provider", "").strip(), data.get("unit", "").strip()
    made = await run_in_threadpool(
        views.make_notice, database(request), who.user, provider, unit or "the cyber crime unit"
    )
    return RedirectResponse(f"/crawl/notices#notice-{made['id']}", status_code=303)


@router.post("/notices/{notice_id}/sent")
async def notice_sent(request: Request, who: Who, notice_id: RecordId) -> Response:
    """Record a notice as sent now (audited)."""
    await read_form(request, who)
    await run_in_threadpool(views.mark_sent, database(request), who.user, notice_id)
    return RedirectResponse(f"/crawl/notices#notice-{notice_id}", status_code=303)


def _format(fmt: str) -> str:
    if fmt not in ("pdf", "json"):
        raise InvalidValue("a report is pdf or json", kind="format", value=fmt)
    return fmt


@router.get("/findings/{finding_id}/report")
async def finding_report(
    request: Request, who: Who, finding_id: RecordId, format: str = "pdf"
) -> Response:
    """A finding's evidence report to download (PDF or JSON; audited)."""
    made = await run_in_threadpool(
        views.evidence_export, database(request), who.user, _format(format), finding_id=finding_id
    )
    return download(made)


@router.get("/hosts/{host}/report")
async def host_report(request: Request, who: Who, host: str, format: str = "pdf") -> Response:
    """The evidence report of every finding on a host, to download (PDF or JSON; audited)."""
    made = await run_in_threadpool(
        views.evidence_export, database(request), who.user, _format(format), host=host[:300]
    )
    return download(made)


@router.get("/notices/{notice_id}/pdf")
async def notice_pdf(request: Request, who: Who, notice_id: RecordId) -> Response:
    """A takedown notice as PDF."""
    made = await run_in_threadpool(views.notice_file, database(request), who.user, notice_id)
    return download(made)
