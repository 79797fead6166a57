"""Administration: users, roles, passwords, lockouts and the sign-in throttle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from nervecentre import places
from nervecentre.errors import Conflict, InvalidValue, NotFound
from nervecentre.security import users
from nervecentre.security.roles import matrix, require
from nervecentre.security.throttle import LoginThrottle
from nervecentre.store.base import utcnow
from nervecentre.web.auth import Caller, client_ip, database, page_caller
from nervecentre.web.forms import field_errors, read_form
from nervecentre.web.templating import render

router = APIRouter(prefix="/admin")
Who = Annotated[Caller, Depends(page_caller)]


def _manager(who: Who) -> Caller:
    """Every users route goes through this: the caller must hold user.manage."""
    require(who.user, "user.manage")
    return who


Manager = Annotated[Caller, Depends(_manager)]
# New accounts start as viewers (they read their unit's cases and change nothing): any more
# is a choice the admin makes on the form, never a default they overlook.
NEW_USER_ROLE = "viewer"
# What a redirect back to the users page says was done (only for a user it lists).
DONE = {
    "add": "{user} was added.",
    "role": "The role of {user} was changed.",
    "units": "The units of {user} were saved.",
    "disable": "{user} is disabled: they can no longer sign in or use their API tokens.",
    "enable": "{user} is enabled again.",
    "unlock": "{user} may sign in again.",
    "password": "The password of {user} was changed.",
    "throttle": "The address may try to sign in again.",
}
_CHANGES: dict[str, Callable[..., object]] = {
    "role": lambda db, name, data, **kw: users.set_role(db, name, data.get("role", ""), **kw),
    "units": lambda db, name, data, **kw: users.set_units(db, name, _units(data), **kw),
    "disable": lambda db, name, _data, **kw: users.disable_user(db, name, **kw),
    "enable": lambda db, name, _data, **kw: users.enable_user(db, name, **kw),
    "unlock": lambda db, name, _data, **kw: users.unlock_user(db, name, **kw),
}


def _units(data: dict[str, str]) -> list[str]:
    return [u for u in data.get("units", "").split(",") if u]


def _done(change: str, username: str) -> RedirectResponse:
    query = urlencode({"done": change, "user": username})
    return RedirectResponse(f"/admin/users?{query}", status_code=303)


async def _users_page(
    request: Request,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    *,
    status: int | None = None,
    **context: object,
) -> Response:
    db = database(request)
    everyone = await run_in_threadpool(users.list_users, db)
    waiting = await run_in_threadpool(request.app.state.throttle.waiting)
    query = request.query_params
    notice, named = DONE.get(query.get("done", ""), ""), query.get("user", "")
    if "{user}" in notice and named not in {u.username for u in everyone}:
        notice = ""  # never echo a name the page does not list
    roles = list(matrix().roles.values())
    page = {
        "users": everyone,
        "roles": [r.name for r in roles],
        "role_info": roles,
        "least_role": NEW_USER_ROLE,
        "units": places.units(),
        "waiting": waiting,
        "now": utcnow(),
        "notice": notice,
        "errors": errors or {},
        "values": values or {},
        "generated": None,
        "row_error": "",
        **context,
    }
    failed = errors or page["row_error"]
    return render(request, "admin_users.html", page, status=status or (422 if failed else 200))


@router.get("/users")
async def users_page(request: Request, who: Manager) -> Response:
    """Every account, its role, units and state; addresses waiting to sign in."""
    return await _users_page(request)


@router.post("/users")
async def add_user(request: Request, who: Manager) -> Response:
    """Create an account (audited)."""
    data = await read_form(request, who)
    try:
        user = await run_in_threadpool(
            lambda: users.create_user(
                database(request),
                data.get("username", ""),
                data.get("password", ""),
                role=data.get("role", ""),
                units=_units(data),
                display_name=data.get("display_name", ""),
                actor=who.user,
                ip=client_ip(request),
            )
        )
    except (InvalidValue, Conflict) as exc:
        data.pop("password", None)
        return await _users_page(request, field_errors(exc), data)
    return _done("add", user.username)


@router.post("/users/{username}/password")
async def set_password(request: Request, who: Manager, username: str) -> Response:
    """Set a user's new password, typed twice (audited; lifts a lockout)."""
    data = await read_form(request, who)
    password = data.get("password", "")
    try:
        if password != data.get("confirm", ""):
            raise InvalidValue("the two passwords do not match", kind="password")
        await run_in_threadpool(
            lambda: users.set_password(
                database(request), username, password, actor=who.user, ip=client_ip(request)
            )
        )
    except (InvalidValue, NotFound) as exc:
        return await _users_page(request, row_error=f"{username}: {exc}", status=exc.http_status)
    return _done("password", username)


@router.post("/users/{username}/password/generate")
async def generate_password(request: Request, who: Manager, username: str) -> Response:
    """Give a user a random password, shown on this response only (audited)."""
    await read_form(request, who)
    try:
        password = await run_in_threadpool(
            lambda: users.reset_password(
                database(request), username, actor=who.user, ip=client_ip(request)
            )
        )
    except NotFound as exc:
        return await _users_page(request, row_error=str(exc), status=exc.http_status)
    generated = {"username": username.strip().lower(), "password": password}
    return await _users_page(request, generated=generated)


@router.post("/users/{username}/{change}")
async def change_user(request: Request, who: Manager, username: str, change: str) -> Response:
    """Change a role or units, disable / enable an account, or lift a lockout (audited)."""
    data = await read_form(request, who)
    action = _CHANGES.get(change)
    try:
        if action is None:
            raise InvalidValue(f"unknown change {change!r}", kind="change")
        db, ip = database(request), client_ip(request)
        await run_in_threadpool(lambda: action(db, username, data, actor=who.user, ip=ip))
    except (InvalidValue, NotFound) as exc:
        return await _users_page(request, row_error=f"{username}: {exc}", status=exc.http_status)
    return _done(change, username)


@router.post("/throttle/clear")
async def clear_throttle(request: Request, who: Manager) -> Response:
    """Let an address that failed too many sign-ins try again now (audited)."""
    data = await read_form(request, who)
    throttle: LoginThrottle = request.app.state.throttle
    try:
        await run_in_threadpool(
            lambda: throttle.clear(data.get("address", ""), actor=who.user, ip=client_ip(request))
        )
    except InvalidValue as exc:
        return await _users_page(request, row_error=str(exc))
    return RedirectResponse("/admin/users?done=throttle", status_code=303)
