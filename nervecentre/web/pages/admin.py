"""Administration: users and roles, and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from nervecentre import places
from nervecentre.errors import Conflict, InvalidValue, NotFound
from nervecentre.security import audit, users
from nervecentre.security.roles import require, role_names
from nervecentre.web.auth import Caller, client_ip, database, page_caller
from nervecentre.web.forms import field_errors, read_form
from nervecentre.web.params import OptionalId
from nervecentre.web.templating import render

router = APIRouter(prefix="/admin")
Who = Annotated[Caller, Depends(page_caller)]
PAGE = 100


async def _users_page(
    request: Request,
    who: Caller,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    require(who.user, "user.manage")
    everyone = await run_in_threadpool(users.list_users, database(request))
    context = {
        "users": everyone,
        "roles": role_names(),
        "units": places.units(),
        "errors": errors or {},
        "values": values or {},
    }
    return render(request, "admin_users.html", context, status=422 if errors else 200)


@router.get("/users")
async def users_page(request: Request, who: Who) -> Response:
    """Every account, its role, units and state."""
    return await _users_page(request, who)


@router.post("/users")
async def add_user(request: Request, who: Who) -> Response:
    """Create an account (audited)."""
    data = await read_form(request, who)
    units = [u for u in data.get("units", "").split(",") if u]
    try:
        await run_in_threadpool(
            lambda: users.create_user(
                database(request),
                data.get("username", ""),
                data.get("password", ""),
                role=data.get("role", ""),
                units=units,
                display_name=data.get("display_name", ""),
                actor=who.user,
                ip=client_ip(request),
            )
        )
    except (InvalidValue, Conflict) as exc:
        data.pop("password", None)
        return await _users_page(request, who, field_errors(exc), data)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{username}/{change}")
async def change_user(request: Request, who: Who, username: str, change: str) -> Response:
    """Change a role or units, or disable / enable an account (audited)."""
    data = await read_form(request, who)
    db, ip = database(request), client_ip(request)
    try:
        if change == "role":
            await run_in_threadpool(
                lambda: users.set_role(db, username, data.get("role", ""), actor=who.user, ip=ip)
            )
        elif change == "units":
            units = [u for u in data.get("units", "").split(",") if u]
            await run_in_threadpool(
                lambda: users.set_units(db, username, units, actor=who.user, ip=ip)
            )
        elif change in ("disable", "enable"):
            action = users.disable_user if change == "disable" else users.enable_user
            await run_in_threadpool(lambda: action(db, username, actor=who.user, ip=ip))
        else:
            raise InvalidValue(f"unknown change {change!r}", kind="change")
    except (InvalidValue, NotFound) as exc:
        return await _users_page(request, who, field_errors(exc))
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/audit")
async def audit_page(
    request: Request,
    who: Who,
    actor: str = "",
    action: str = "",
    target_type: str = "",
    target_id: str = "",
    before: OptionalId = None,
    verify: bool = False,
) -> Response:
    """The audit log, newest first, with filters and the chain check."""
    require(who.user, "audit.view")
    db = database(request)
    entries = await run_in_threadpool(
        lambda: audit.read_log(
            db,
            who.user,
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            before_id=before,
            limit=PAGE,
            ip=client_ip(request),
        )
    )
    # Walking the whole chain takes time on a big log: only when asked.
    result = await run_in_threadpool(audit.verify, db) if verify else None
    filters = {"actor": actor, "action": action, "target_type": target_type, "target_id": target_id}
    context = {
        "entries": entries,
        "verify": result,
        "filters": filters,
        "actions": sorted(audit.ACTIONS),
        "more": len(entries) == PAGE,
    }
    return render(request, "audit.html", context)
