"""Pages of the sextortion tracker: campaigns, a campaign, complaint messages, indicators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from nervecentre.errors import InputFileError, InvalidValue, NotFound
from nervecentre.scams import views
from nervecentre.scams.uploads import import_uploads
from nervecentre.security import audit
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database
from nervecentre.web.auth import Caller, check_csrf, client_ip, database, page_caller
from nervecentre.web.params import RecordId
from nervecentre.web.templating import render

router = APIRouter()
Who = Annotated[Caller, Depends(page_caller)]
KIND_LABELS = {
    "btc": "Bitcoin", "eth": "Ethereum", "xmr": "Monero", "ltc": "Litecoin", "trx": "Tron",
    "upi": "UPI IDs", "phone": "Phones", "email": "E-mail addresses", "url": "URLs",
    "onion": "Onion services",
}  # fmt: skip
_CHART_W, _CHART_H = 640, 160


@dataclass(frozen=True)
class Bar:
    """One week's bar of the messages-over-time chart (SVG coordinates)."""

    x: float
    y: float
    width: float
    height: float
    week: date
    count: int


def chart(timeline: list[tuple[date, int]]) -> list[Bar]:
    """Bars for messages per week, scaled into the chart's box."""
    if not timeline:
        return []
    top = max(count for _, count in timeline) or 1
    width = _CHART_W / len(timeline)
    bars = []
    for number, (week, count) in enumerate(timeline):
        height = (_CHART_H - 20) * count / top
        bars.append(Bar(number * width, _CHART_H - height, max(width - 1, 1), height, week, count))
    return bars


def _viewed(db: Database, user: User, kind: str, ident: int, ip: str | None) -> None:
    audit.record(db, user, "scam.view", kind, ident, {}, ip=ip)


def _campaign(db: Database, user: User, campaign_id: int, ip: str | None) -> Any:
    with db.session() as session:
        detail = views.campaign_detail(session, user, campaign_id)
    _viewed(db, user, "scam_campaign", campaign_id, ip)
    return detail


def _message(db: Database, user: User, message_id: int, ip: str | None) -> Any:
    with db.session() as session:
        message, found = views.message_detail(session, user, message_id)
        session.expunge(message)
    _viewed(db, user, "scam_message", message_id, ip)
    return message, found


def _read(db: Database, function: Any, user: User, **options: Any) -> Any:
    with db.session() as session:
        return function(session, user, **options)


@router.get("/scams")
async def campaigns_page(request: Request, who: Who) -> Response:
    """Sextortion campaigns: how many messages, when, how much they asked for."""
    found = await run_in_threadpool(_read, database(request), views.list_campaigns, who.user)
    # A lone message asking for nothing (benign mail, a question) is no campaign to show.
    shown = [c for c in found if c.messages > 1 or c.wallets]
    return render(request, "scams.html", {"campaigns": shown, "lone": len(found) - len(shown)})


@router.get("/scams/campaigns/{campaign_id}")
async def campaign_page(request: Request, who: Who, campaign_id: RecordId) -> Response:
    """One campaign: messages over time, wallets, UPI IDs, phones, complaints, cases, leads."""
    detail = await run_in_threadpool(
        _campaign, database(request), who.user, campaign_id, client_ip(request)
    )
    context = {"d": detail, "bars": chart(detail.timeline), "labels": KIND_LABELS,
               "chart_w": _CHART_W, "chart_h": _CHART_H}  # fmt: skip
    return render(request, "scam_campaign.html", context)


@router.get("/scams/messages")
async def messages_page(request: Request, who: Who) -> Response:
    """Complaint messages, oldest first."""
    found = await run_in_threadpool(_read, database(request), views.list_messages, who.user)
    return render(request, "scam_messages.html", {"messages": found})


@router.get("/scams/messages/{message_id}")
async def message_page(request: Request, who: Who, message_id: RecordId) -> Response:
    """One message as received, and its indicators."""
    message, found = await run_in_threadpool(
        _message, database(request), who.user, message_id, client_ip(request)
    )
    return render(
        request, "scam_message.html", {"m": message, "indicators": found, "labels": KIND_LABELS}
    )


@router.get("/scams/indicators")
async def indicators_page(request: Request, who: Who, kind: str = "") -> Response:
    """Indicators, most seen first, optionally of one kind."""
    found = await run_in_threadpool(
        _read, database(request), views.list_indicators, who.user, kind=kind or None
    )
    return render(
        request, "scam_indicators.html", {"rows": found, "kind": kind, "labels": KIND_LABELS}
    )


_UPLOAD_HELP = "choose one or more complaint files (.eml, .mbox, .msg, or text) to upload"


@router.get("/scams/upload")
async def upload_form(request: Request, who: Who) -> Response:
    """The complaint upload form."""
    require(who.user, "scam.import")
    return _upload_page(request, None, "", "")


@router.post("/scams/upload")
async def upload(request: Request, who: Who) -> Response:
    """Import uploaded complaint files as the signed-in user; show what was read, and every
    file that could not be (the others are imported all the same)."""
    require(who.user, "scam.import")
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(who, token if isinstance(token, str) else "")
    case = str(form.get("case") or "").strip()[:100]
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    try:
        if not files:
            raise InvalidValue(_UPLOAD_HELP, kind="file")
        report = await run_in_threadpool(
            import_uploads, database(request), [(f.filename or "upload", f.file) for f in files],
            username=who.user.username, case=case or None,
        )  # fmt: skip
    except (InvalidValue, InputFileError, NotFound) as exc:
        return _upload_page(request, None, str(exc), case, status=422)
    return _upload_page(request, report, "", case)


def _upload_page(
    request: Request, report: Any, error: str, case: str, *, status: int = 200
) -> Response:
    limit = database(request).settings.max_upload_bytes
    context = {"report": report, "error": error, "case": case, "max_upload": limit}
    return render(request, "scam_upload.html", context, status=status)
