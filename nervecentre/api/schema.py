"""The API's OpenAPI schema: served only to signed-in callers, and true to the responses.

FastAPI's own schema documents errors as ``application/json`` and validation errors in its
own shape; nervecentre answers every error as problem details (``application/problem+json``,
:class:`~nervecentre.api._common.Problem`). The schema is rewritten once here, so every
operation documents the errors it really gives, and tools that check responses against the
schema (schemathesis in the tests) can hold the API to it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from nervecentre.api._common import Problem, Who

PROBLEM = "application/problem+json"
# Errors any operation can give, besides those its route documents itself.
COMMON_ERRORS = {
    "400": "Malformed request (e.g. a body that is not the form or JSON it should be)",
    "401": "No valid API token or session",
    "403": "The role (or the token's scope) lacks the permission, or CSRF failed",
    "422": "Invalid input; `field` or `errors` name what is wrong",
    "default": "Any other error (404, 409, 413, 429, 500, 503), as problem details",
}

router = APIRouter()


def _problem_content() -> dict[str, Any]:
    return {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def build_schema(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of ``app``'s API, errors as they are really answered."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        separate_input_output_schemas=app.separate_input_output_schemas,
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    # FastAPI's own validation-error shapes are never sent (errors are problem details).
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    components["securitySchemes"] = {
        "token": {"type": "http", "scheme": "bearer", "description": "`nct_...` API token"},
        "session": {"type": "apiKey", "in": "cookie", "name": "nc_session"},
    }
    schema["security"] = [{"token": []}, {"session": []}]
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for status, text in COMMON_ERRORS.items():
                responses.setdefault(status, {"description": text})
            for status, response in responses.items():
                if status == "default" or int(status) >= 400:
                    response["content"] = _problem_content()
    return schema


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` give the rewritten schema (built once, then kept)."""
    kept: dict[str, Any] = {}

    def openapi() -> dict[str, Any]:
        if not kept:
            kept.update(build_schema(app))
        return kept

    app.openapi = openapi  # type: ignore[method-assign]


@router.get("/openapi.json", include_in_schema=False)
def openapi_json(request: Request, who: Who) -> JSONResponse:
    """The OpenAPI schema, for signed-in callers and API tokens only."""
    return JSONResponse(request.app.openapi())
