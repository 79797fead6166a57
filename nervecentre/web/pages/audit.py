"""The audit log page and its CSV export, under the same need-to-know as the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from nervecentre.errors import InvalidValue
from nervecentre.security import audit, audit_verify
from nervecentre.security.audit_view import AuditFilter, export_csv, read_log
from nervecentre.security.roles import require
from nervecentre.web.auth import Caller, client_ip, database, page_caller
from nervecentre.web.forms import field_errors
from nervecentre.web.params import OptionalId
from nervecentre.web.templating import render

router = APIRouter(prefix="/admin")
Who = Annotated[Caller, Depends(page_caller)]
PAGE = 100
_FILTERS = ("actor", "action", "target_type", "target_id", "since", "until", "text")


def _raw(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "") for name in _FILTERS}


@router.get("/audit")
async def audit_page(
    request: Request, who: Who, before: OptionalId = None, verify: bool = False
) -> Response:
    """The audit log the user may read, newest first, with filters, paging and the chain check."""
    require(who.user, "audit.view")
    db, raw = database(request), _raw(request)
    errors: dict[str, str] = {}
    entries = []
    try:
        filters = AuditFilter.parse(**raw)
    except InvalidValue as exc:
        errors = field_errors(exc)
    else:
        entries = await run_in_threadpool(
            lambda: read_log(
                db, who.user, filters, before_id=before, limit=PAGE, ip=client_ip(request)
            )
        )
    # Walking the whole chain takes time on a big log: only when asked.
    result = await run_in_threadpool(audit_verify.verify, db) if verify else None
    context = {
        "entries": entries,
        "verify": result,
        "filters": raw,
        "query": {k: v for k, v in raw.items() if v},
        "errors": errors,
        "actions": sorted(audit.ACTIONS),
        "more": len(entries) == PAGE,
    }
    return render(request, "audit.html", context, status=422 if errors else 200)


@router.get("/audit.csv")
async def audit_csv(request: Request, who: Who) -> Response:
    """Every entry the page would list with these filters, as a CSV file (audited)."""
    filters = AuditFilter.parse(**_raw(request))
    db, ip = database(request), client_ip(request)
    rows = await run_in_threadpool(lambda: export_csv(db, who.user, filters, ip=ip))
    headers = {"Content-Disposition": 'attachment; filename="audit-log.csv"'}
    return StreamingResponse(rows, media_type="text/csv; charset=utf-8", headers=headers)
