"""API tokens in the browser: everyone manages their own; ``user.manage`` manages everyone's.

A new token is shown on the response to the form that made it, once: only its SHA-256 is
kept (:mod:`nervecentre.security.tokens`, which checks who may do what and audits it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from nervecentre.errors import InvalidValue, NotFound
from nervecentre.security import tokens, users
from nervecentre.security.roles import can
from nervecentre.security.scopes import default_scope, get_scope, scope_names
from nervecentre.store.base import utcnow
from nervecentre.web.auth import Caller, client_ip, database, page_caller
from nervecentre.web.forms import field_errors, read_form
from nervecentre.web.pages._expiry import days
from nervecentre.web.params import RecordId
from nervecentre.web.templating import render

router = APIRouter(prefix="/tokens")
Who = Annotated[Caller, Depends(page_caller)]


async def _page(request: Request, who: Caller, *, status: int = 200, **extra: Any) -> Response:
    db, user = database(request), who.user
    manager = can(user, "user.manage")
    # Someone else's tokens only for user.manage, as the library allows.
    listed = await run_in_threadpool(tokens.list_tokens, db, None if manager else user.username)
    people = await run_in_threadpool(users.list_users, db) if manager else []
    context: dict[str, Any] = {
        "tokens": listed,
        "manager": manager,
        "owners": [
            (u.username, f"{u.username} · {u.display_name}" if u.display_name else u.username)
            for u in people
            if u.active
        ],
        "now": utcnow(),
        "state": tokens.token_state,
        "scopes": [get_scope(name) for name in scope_names()],
        "default_scope": default_scope(),
        "default_days": db.settings.api_token_days,
        "revoked": request.query_params.get("done") == "revoke",
        "created": None,
        "errors": {},
        "values": {},
        **extra,
    }
    return render(request, "tokens.html", context, status=status)


@router.get("")
async def tokens_page(request: Request, who: Who) -> Response:
    """Your API tokens (everyone's for user.manage), and the form for a new one."""
    return await _page(request, who)


@router.post("")
async def create(request: Request, who: Who) -> Response:
    """Make a token and show it this once (audited)."""
    data = await read_form(request, who)
    owner = data.get("username", "").strip() or who.user.username
    try:
        lasting = days(data.get("days", ""))
        record, secret = await run_in_threadpool(
            lambda: tokens.create_token(
                database(request),
                owner,
                data.get("name", ""),
                actor=who.user,
                scope=data.get("scope") or None,
                days=lasting,
                ip=client_ip(request),
            )
        )
    except (InvalidValue, NotFound) as exc:
        errors = field_errors(exc)
        return await _page(request, who, status=exc.http_status, errors=errors, values=data)
    return await _page(request, who, created={"record": record, "secret": secret})


@router.post("/{token_id}/revoke")
async def revoke(request: Request, who: Who, token_id: RecordId) -> Response:
    """Revoke a token at once (audited)."""
    await read_form(request, who)
    await run_in_threadpool(
        lambda: tokens.revoke_token(
            database(request), token_id, actor=who.user, ip=client_ip(request)
        )
    )
    return RedirectResponse("/tokens?done=revoke", status_code=303)
