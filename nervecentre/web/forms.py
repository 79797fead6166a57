"""Reading HTML forms: the CSRF check first, then plain strings for the library."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import UploadFile

from nervecentre.errors import InvalidValue, NervecentreError
from nervecentre.web.auth import Caller, check_csrf

MAX_FIELD = 20_000


async def read_form(request: Request, who: Caller) -> dict[str, str]:
    """The submitted fields as strings (CSRF-checked); files are left out."""
    form = await request.form()
    token = form.get("csrf_token")
    check_csrf(who, token if isinstance(token, str) else "")
    data: dict[str, str] = {}
    for key, value in form.multi_items():
        if key == "csrf_token" or isinstance(value, UploadFile):
            continue
        if len(value) > MAX_FIELD:
            raise InvalidValue(f"{key} is longer than {MAX_FIELD:,} characters", kind=key)
        # Repeated fields (checkbox groups) arrive joined, as the library's lists are written.
        data[key] = f"{data[key]},{value}" if key in data else value
    return data


def field_errors(exc: NervecentreError) -> dict[str, str]:
    """Messages per form field, for showing next to the fields (``_form`` for the rest)."""
    errors = getattr(exc, "errors", None)
    if isinstance(errors, dict) and errors:
        return {str(k): str(v) for k, v in errors.items()}
    return {getattr(exc, "kind", None) or "_form": str(exc)}
