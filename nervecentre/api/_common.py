"""What the API routes share: the caller dependency, error responses, body conversion."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from pydantic import BaseModel

from nervecentre.web.auth import Caller, api_caller

Who = Annotated[Caller, Depends(api_caller)]


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    field: str | None = None
    errors: dict[str, str] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "description": text}
    for code, text in {
        401: "No valid API token or session",
        403: "The role lacks the permission, or CSRF failed",
        404: "No such record, or not visible to the caller (need-to-know)",
        409: "Conflicts with existing data",
        422: "Invalid input; `field` or `errors` name what is wrong",
    }.items()
}


def as_form(body: BaseModel) -> dict[str, str]:
    """A request body as the form strings the library validates (unset fields left out)."""
    data: dict[str, str] = {}
    for key, value in body.model_dump(exclude_unset=True).items():
        if value is None:
            continue
        if isinstance(value, list):
            data[key] = ",".join(str(v) for v in value)
        else:
            data[key] = str(value)
    return data
