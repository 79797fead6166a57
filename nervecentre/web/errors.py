"""The edge where errors become HTTP: problem details (RFC 9457) for the API, pages for people.

Library errors carry their HTTP status; nothing else reaches the client but a generic 500
(the traceback goes to the server log only).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from nervecentre.errors import InvalidValue, NervecentreError
from nervecentre.web.auth import LoginRequired, caller
from nervecentre.web.templating import render

log = logging.getLogger("nervecentre.web")

TITLES = {
    400: "Bad request",
    401: "Sign-in needed",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Too large",
    422: "Invalid input",
    429: "Too many attempts",
    500: "Internal error",
    503: "Service unavailable",
}


def is_api(request: Request) -> bool:
    """Whether the request is for the REST API (JSON errors) rather than a page."""
    return request.url.path.startswith("/api")


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    """A problem-details JSON response."""
    body = {"type": "about:blank", "title": TITLES.get(status, "Error"), "status": status}
    body["detail"] = detail
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status, media_type="application/problem+json", headers=headers)


def _page(request: Request, status: int, detail: str) -> Response:
    title = TITLES.get(status, "Error")
    return render(
        request, "error.html", {"status": status, "title": title, "detail": detail}, status=status
    )


def _respond(request: Request, status: int, detail: str, **extra: Any) -> Response:
    if is_api(request):
        return problem(status, detail, **extra)
    return _page(request, status, detail)


async def _nervecentre_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NervecentreError)
    if isinstance(exc, LoginRequired) and not is_api(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    extra: dict[str, Any] = {}
    if isinstance(exc, InvalidValue) and exc.kind:
        extra["field"] = exc.kind
    errors = getattr(exc, "errors", None)
    if isinstance(errors, dict):
        extra["errors"] = errors
    return _respond(request, exc.http_status, str(exc), **extra)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = {
        ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")): str(
            err.get("msg", "invalid")
        )
        for err in exc.errors()
    }
    detail = "; ".join(f"{k}: {v}" for k, v in errors.items()) or "invalid request"
    return _respond(request, 422, detail, errors=errors)


def _anonymous_api_call(request: Request) -> Response | None:
    # Strangers learn nothing of the API, not even which paths exist (/api/docs included):
    # every unknown path or method under /api answers 401 until the caller signs in.
    try:
        if caller(request) is not None:
            return None
    except NervecentreError as exc:
        return problem(exc.http_status, str(exc))
    return problem(401, "sign in, or send 'Authorization: Bearer <API token>'")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if is_api(request) and exc.status_code in (404, 405):
        refused = _anonymous_api_call(request)
        if refused is not None:
            return refused
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    response = _respond(request, exc.status_code, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _respond(request, 500, "something went wrong; the error was logged on the server")


def install(app: FastAPI) -> None:
    """Register the handlers on the application."""
    app.add_exception_handler(NervecentreError, _nervecentre_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
