"""Who is asking: the session cookie (pages) or an API token (scripts), and CSRF checks.

Pages and the API share one rule: a request is made by exactly one user, found from a
bearer token or from the session cookie, and every permission check below it is the
library's. A cookie-authenticated request that changes something must also carry the
session's CSRF token (a form field, or the ``X-CSRF-Token`` header for scripts in pages).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import Request

from nervecentre.errors import NervecentreError, PermissionDenied
from nervecentre.security import sessions, tokens
from nervecentre.security.models import User
from nervecentre.security.users import AuthenticationFailed
from nervecentre.store.db import Database
from nervecentre.web.middleware import client_address

SESSION_COOKIE = "nc_session"
LOGIN_CSRF_COOKIE = "nc_login"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(NervecentreError):
    """A page needs a signed-in user; the web edge turns this into a redirect to /login."""

    http_status = 401


class CsrfFailed(NervecentreError):
    """A state-changing request without the session's CSRF token."""

    http_status = 403


@dataclass(frozen=True)
class Caller:
    """The user behind a request and how they proved it."""

    user: User
    via: str  # "session" or "token"
    csrf: str = ""
    session_id: str = ""


def database(request: Request) -> Database:
    """The application's database."""
    db: Database = request.app.state.db
    return db


def client_ip(request: Request) -> str | None:
    """The client's address, as the allowlist vetted it (see ``middleware.client_address``)."""
    return client_address(request.scope) or None


def _from_token(request: Request) -> Caller | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not value.strip():
        raise AuthenticationFailed("use 'Authorization: Bearer <token>'")
    user = tokens.authenticate_token(database(request), value.strip())
    return Caller(user=user, via="token")


def _from_cookie(request: Request) -> Caller | None:
    token = request.cookies.get(SESSION_COOKIE, "")
    signed = sessions.resume_session(database(request), token) if token else None
    if signed is None:
        return None
    return Caller(user=signed.user, via="session", csrf=signed.csrf, session_id=signed.session_id)


def caller(request: Request) -> Caller | None:
    """The caller of this request, or None when nobody is signed in (cached per request)."""
    if not hasattr(request.state, "caller"):
        request.state.caller = _from_token(request) or _from_cookie(request)
    found: Caller | None = request.state.caller
    return found


def page_caller(request: Request) -> Caller:
    """Dependency for pages: the signed-in caller, else a redirect to the login page."""
    found = caller(request)
    if found is None:
        raise LoginRequired("please sign in")
    _refuse_read_only(found, request)
    return found


def api_caller(request: Request) -> Caller:
    """Dependency for the API: the caller, else 401; cookie callers must send the CSRF header."""
    found = caller(request)
    if found is None:
        raise AuthenticationFailed("sign in, or send 'Authorization: Bearer <API token>'")
    if found.via == "session" and request.method in UNSAFE:
        check_csrf(found, request.headers.get("x-csrf-token", ""))
    _refuse_read_only(found, request)
    return found


def _refuse_read_only(found: Caller, request: Request) -> None:
    """A token whose scope changes nothing may not send a state-changing request (403).

    Checked before the route runs: no body is read and no record looked up for it.
    """
    scope = getattr(found.user, "scope", None)
    if scope is not None and not scope.changes and request.method in UNSAFE:
        raise PermissionDenied(f"this API token is {scope.name}: it changes nothing")


def check_csrf(found: Caller, token: str) -> None:
    """Refuse a cookie-authenticated change without the session's CSRF token."""
    if found.via != "session":
        return
    if not token or not secrets.compare_digest(token.encode(), found.csrf.encode()):
        raise CsrfFailed(
            "this form has expired or did not come from nervecentre; reload the page and retry"
        )
