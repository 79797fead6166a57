"""Sign-in and sign-out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from nervecentre.security import sessions, users
from nervecentre.security.throttle import TooManyAttempts
from nervecentre.security.users import AuthenticationFailed
from nervecentre.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    Caller,
    caller,
    check_csrf,
    client_ip,
    database,
    page_caller,
)
from nervecentre.web.templating import render

router = APIRouter()


def _safe_next(target: str) -> str:
    # Only same-site paths: an open redirect would let a phishing link borrow our login page.
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _secure(request: Request) -> bool:
    mode = database(request).settings.cookie_secure
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def _login_page(request: Request, next_url: str, error: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"next": next_url, "error": error, "login_csrf": token},
        status=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=1800,
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    """The sign-in page."""
    if caller(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, _safe_next(next))


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=300)] = "",
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the credentials, start a session and go where the user was heading."""
    target = _safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected.encode(), csrf_token.encode()):
        return _login_page(request, target, "The sign-in form expired; please try again.", 403)
    ip = client_ip(request) or "unknown"
    db = database(request)
    try:
        user = users.sign_in(db, username, password, throttle=request.app.state.throttle, ip=ip)
    except TooManyAttempts as exc:
        response = _login_page(request, target, str(exc).capitalize() + ".", 429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except AuthenticationFailed as exc:
        return _login_page(request, target, str(exc).capitalize() + ".", 401)
    token, _csrf = sessions.start_session(db, user, ip=ip)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=db.settings.session_max_hours * 3600,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(
    request: Request,
    who: Annotated[Caller, Depends(page_caller)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """End the session (audited) and go back to the sign-in page."""
    check_csrf(who, csrf_token)
    db = database(request)
    users.logout(db, who.user, ip=client_ip(request))
    sessions.end_session(db, who.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
