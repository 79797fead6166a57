"""Need-to-know, for supervisors and admins: grants of cases and units, restricted cases.

The rules are the library's (:mod:`nervecentre.security.grants`), as for ``nervecentre grant``:
a supervisor grants and revokes only what they can see, and a case they cannot see is
"not found" here as everywhere else. Every change is audited there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from nervecentre import places
from nervecentre.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from nervecentre.security import grants, users
from nervecentre.security.roles import require
from nervecentre.store.base import utcnow
from nervecentre.web.auth import Caller, client_ip, database, page_caller
from nervecentre.web.forms import field_errors, read_form
from nervecentre.web.pages._expiry import expiry
from nervecentre.web.params import RecordId
from nervecentre.web.templating import render

router = APIRouter(prefix="/access")
# Errors a form shows on the page again, with their own status (404 stays 404).
FORM_ERRORS = (InvalidValue, NotFound, PermissionDenied, Conflict)


def _granter(who: Annotated[Caller, Depends(page_caller)]) -> Caller:
    """Every route here goes through this: the caller must hold access.grant."""
    require(who.user, "access.grant")
    return who


Granter = Annotated[Caller, Depends(_granter)]
DONE = {
    "grant": "Access granted.",
    "revoke": "The grant was revoked.",
    "restrict": "The case is restricted to the users named.",
    "lift": "The restriction was lifted.",
}


def _grantee(data: dict[str, str]) -> str:
    grantee = data.get("grantee", "").strip()
    if not grantee:
        raise InvalidValue("choose the user who gets access", kind="grantee")
    return grantee


async def _page(
    request: Request,
    who: Caller,
    form: str = "",
    exc: Exception | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    db, user = database(request), who.user
    history = request.query_params.get("history") == "1"
    rows = await run_in_threadpool(
        lambda: grants.manageable_grants(db, user, active_only=not history)
    )
    restricted = await run_in_threadpool(grants.restrictions, db, user)
    people = await run_in_threadpool(users.list_users, db)
    codes = grants.grantable_units(user)
    context: dict[str, Any] = {
        "grants": rows,
        "restricted": restricted,
        # (value, text) choices: active users, and the units the caller may grant.
        "people": [
            (u.username, f"{u.username} · {u.display_name}" if u.display_name else u.username)
            for u in people
            if u.active
        ],
        "unit_options": [
            (u.code, f"{u.name} ({u.code})")
            for u in places.units()
            if codes is None or u.code in codes
        ],
        "unit_names": {u.code: u.name for u in places.units()},
        "history": history,
        "now": utcnow(),
        "notice": DONE.get(request.query_params.get("done", ""), ""),
        "form": form,
        "errors": {},
        "values": values or {},
    }
    status = 200
    if isinstance(exc, FORM_ERRORS):
        context["errors"] = field_errors(exc)
        status = exc.http_status
    return render(request, "access.html", context, status=status)


async def _change(
    request: Request, who: Caller, form: str, act: Callable[[dict[str, str]], object], done: str
) -> Response:
    """Read a form, act on it with the library, and go back to the page (or show why not)."""
    data = await read_form(request, who)
    try:
        await run_in_threadpool(act, data)
    except FORM_ERRORS as exc:
        return await _page(request, who, form, exc, data)
    return RedirectResponse(f"/access?done={done}", status_code=303)


@router.get("")
async def access_page(request: Request, who: Granter) -> Response:
    """Live grants the caller may revoke, restricted cases they see, and the forms."""
    return await _page(request, who)


@router.post("/grants/case")
async def grant_case(request: Request, who: Granter) -> Response:
    """Let a user see one case beyond their units, for a reason, until revoked or expired."""
    db, ip = database(request), client_ip(request)

    def act(data: dict[str, str]) -> object:
        until = expiry(data.get("days", ""))
        grantee, reason = _grantee(data), data.get("reason", "")
        case_id = grants.find_case(db, who.user, data.get("case", ""))
        return grants.grant_case(db, who.user, grantee, case_id, reason, expires_at=until, ip=ip)

    return await _change(request, who, "case", act, "grant")


@router.post("/grants/unit")
async def grant_unit(request: Request, who: Granter) -> Response:
    """Let a user see every case of a unit, for a reason, until revoked or expired."""
    db, ip = database(request), client_ip(request)

    def act(data: dict[str, str]) -> object:
        until = expiry(data.get("days", ""))
        grantee, unit, reason = _grantee(data), data.get("unit", ""), data.get("reason", "")
        return grants.grant_unit(db, who.user, grantee, unit, reason, expires_at=until, ip=ip)

    return await _change(request, who, "unit", act, "grant")


@router.post("/grants/{grant_id}/revoke")
async def revoke(request: Request, who: Granter, grant_id: RecordId) -> Response:
    """End a grant now (the reason is optional, and audited)."""
    db, ip = database(request), client_ip(request)

    def act(data: dict[str, str]) -> object:
        return grants.revoke_grant(db, who.user, grant_id, data.get("reason", ""), ip=ip)

    return await _change(request, who, "revoke", act, "revoke")


@router.post("/restrictions")
async def restrict(request: Request, who: Granter) -> Response:
    """Restrict a case to the users named (and admins); replaces an earlier list."""
    db, ip = database(request), client_ip(request)

    def act(data: dict[str, str]) -> object:
        case_id = grants.find_case(db, who.user, data.get("case", ""))
        names = [n for n in data.get("users", "").split(",") if n.strip()]
        if not names:
            raise InvalidValue("name at least one user who may still see the case", kind="users")
        return grants.restrict_case(db, who.user, case_id, names, data.get("reason", ""), ip=ip)

    return await _change(request, who, "restrict", act, "restrict")


@router.post("/restrictions/{case_id}/lift")
async def lift(request: Request, who: Granter, case_id: RecordId) -> Response:
    """Lift a case's restriction: it is seen by the unit and grant rules again."""
    db, ip = database(request), client_ip(request)

    def act(data: dict[str, str]) -> None:
        grants.unrestrict_case(db, who.user, case_id, data.get("reason", ""), ip=ip)

    return await _change(request, who, "lift", act, "lift")
