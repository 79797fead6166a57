"""The sextortion tracker over REST: campaigns, messages, indicators, exports (need-to-know)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from nervecentre.api._common import ERRORS, Who
from nervecentre.scams import views
from nervecentre.scams.service import export
from nervecentre.scams.uploads import import_uploads
from nervecentre.security import audit
from nervecentre.security.roles import require
from nervecentre.web.auth import client_ip, database
from nervecentre.web.params import RecordId

router = APIRouter(tags=["sextortion"], responses=ERRORS)
_MEDIA = {"stix": "application/stix+json", "misp": "application/json", "csv": "text/csv"}


def _plain(value: Any) -> Any:
    """JSON-ready: amounts as decimal strings (never floats), dates ISO."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@router.get("/scams/campaigns", response_model=list[dict[str, Any]])
def list_campaigns(request: Request, who: Who) -> Any:
    """Campaigns with a message the caller may see: size, span, payment details, demanded."""
    with database(request).session() as session:
        return [_plain(asdict(c)) for c in views.list_campaigns(session, who.user)]


@router.get("/scams/campaigns/{campaign_id}", response_model=dict[str, Any])
def get_campaign(request: Request, who: Who, campaign_id: RecordId) -> Any:
    """A campaign: messages, indicators by kind, complaints and cases, weekly counts,
    payments received (lower bound) and leads in the registry (audited)."""
    db = database(request)
    with db.session() as session:
        detail = views.campaign_detail(session, who.user, campaign_id)
    audit.record(db, who.user, "scam.view", "scam_campaign", campaign_id, {}, ip=client_ip(request))
    data = asdict(detail)
    data["complaints"] = [
        {"id": i, "path": p, "case_key": k, "case_id": c} for i, p, k, c in detail.complaints
    ]
    data["indicators"] = {
        kind: [{"value": v, "messages": n} for v, n in values]
        for kind, values in detail.indicators.items()
    }
    data["timeline"] = [{"week": w, "messages": n} for w, n in detail.timeline]
    return _plain(data)


@router.get(
    "/scams/campaigns/{campaign_id}/export",
    response_class=Response,
    responses={
        200: {
            "description": "The export file",
            "content": {media: {"schema": {"type": "string"}} for media in _MEDIA.values()},
        }
    },
)
def export_campaign(
    request: Request,
    who: Who,
    campaign_id: RecordId,
    fmt: Annotated[Literal["stix", "misp", "csv"], Query(alias="format")] = "stix",
) -> Response:
    """The campaign as a STIX 2.1 bundle, a MISP event, or a CSV of indicators (audited)."""
    text = export(
        database(request), fmt, operator=who.user.username, user=who.user,
        campaign_ids=[campaign_id], ip=client_ip(request),
    )  # fmt: skip
    name = f"campaign-{campaign_id}.{'csv' if fmt == 'csv' else 'json'}"
    return Response(
        text,
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/scams/messages", response_model=list[dict[str, Any]])
def list_messages(
    request: Request, who: Who, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> Any:
    """Complaint messages the caller may see, oldest first."""
    with database(request).session() as session:
        return [_plain(asdict(m)) for m in views.list_messages(session, who.user, limit=limit)]


@router.get("/scams/messages/{message_id}", response_model=dict[str, Any])
def get_message(request: Request, who: Who, message_id: RecordId) -> Any:
    """One message: headers, text, indicators (audited)."""
    db = database(request)
    with db.session() as session:
        m, found = views.message_detail(session, who.user, message_id)
        data = {
            "id": m.id, "message_id": m.message_id, "subject": m.subject, "sender": m.sender,
            "sent_at": m.sent_at, "format": m.format, "campaign_id": m.campaign_id,
            "body": m.body, "warnings": m.warnings.splitlines(),
            "indicators": [{"kind": k, "value": v} for k, v in found],
        }  # fmt: skip
    audit.record(db, who.user, "scam.view", "scam_message", message_id, {}, ip=client_ip(request))
    return _plain(data)


@router.get("/scams/indicators", response_model=list[dict[str, Any]])
def list_indicators(
    request: Request,
    who: Who,
    kind: Annotated[str | None, Query(max_length=10)] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 500,
) -> Any:
    """Indicators, most seen first: kind, value, messages and campaigns (visible only)."""
    with database(request).session() as session:
        rows = views.list_indicators(session, who.user, kind=kind, limit=limit)
    return [{"kind": k, "value": v, "messages": n, "campaigns": c} for k, v, n, c in rows]


@router.post("/scams/complaints", response_model=dict[str, Any], status_code=201)
async def upload_complaints(
    request: Request,
    who: Who,
    files: Annotated[
        list[UploadFile], File(description="Complaint files (.eml, .mbox, .msg, text)")
    ],
    case: Annotated[
        str | None, Form(max_length=100, description="Case key to attach them to")
    ] = None,
) -> Any:
    """Import uploaded complaint files (needs scam.import; with a case, one the caller may
    see). A file that cannot be read is listed under ``errors``; the others are imported."""
    require(who.user, "scam.import")
    uploads = [(f.filename or "upload", f.file) for f in files]
    report = await run_in_threadpool(
        import_uploads, database(request), uploads, username=who.user.username, case=case or None
    )
    return {
        "read": report.read, "new_messages": report.new_messages,
        "duplicates": report.duplicates, "already_imported": report.already_imported,
        "indicators": report.indicators, "campaigns": report.campaigns,
        "errors": [{"file": e.path, "message": _plain(e.ref), "error": e.error}
                   for e in report.errors],
    }  # fmt: skip
