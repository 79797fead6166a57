"""Your own account: who you are here, and changing your password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from nervecentre import places
from nervecentre.errors import InvalidValue
from nervecentre.security import users
from nervecentre.security.roles import matrix
from nervecentre.security.users import AuthenticationFailed
from nervecentre.web.auth import Caller, client_ip, database, page_caller
from nervecentre.web.forms import field_errors, read_form
from nervecentre.web.templating import render

router = APIRouter(prefix="/account")
Who = Annotated[Caller, Depends(page_caller)]


def _page(request: Request, who: Caller, errors: dict[str, str] | None = None) -> Response:
    names = {u.code: u.name for u in places.units()}
    context: dict[str, Any] = {
        "role": matrix().roles[who.user.role],
        "unit_names": [names.get(code, code) for code in who.user.unit_codes],
        "changed": request.query_params.get("done") == "password",
        "errors": errors or {},
    }
    return render(request, "account.html", context, status=422 if errors else 200)


@router.get("")
async def account_page(request: Request, who: Who) -> Response:
    """Your role and units, and the form to change your password."""
    return _page(request, who)


@router.post("/password")
async def change_password(request: Request, who: Who) -> Response:
    """Change your password, proving the current one; this session stays signed in."""
    data = await read_form(request, who)
    new = data.get("password", "")
    try:
        if new != data.get("confirm", ""):
            raise InvalidValue("the two new passwords do not match", kind="password")
        await run_in_threadpool(
            lambda: users.change_own_password(
                database(request),
                who.user,
                data.get("current", ""),
                new,
                ip=client_ip(request),
                keep_session=who.session_id or None,
            )
        )
    except AuthenticationFailed as exc:
        # Wrong, or the account locked by too many wrong ones: the message says which.
        text = str(exc).replace("wrong username or password", "the current password is wrong")
        return _page(request, who, {"current": text})
    except InvalidValue as exc:
        return _page(request, who, field_errors(exc))
    return RedirectResponse("/account?done=password", status_code=303)
