"""Property-based API testing: schemathesis generates requests from the OpenAPI schema.

Whatever it sends (as an investigator, with a real token, against a real database), the
server must never answer with a 5xx, and every answer must be what the schema says: a
documented status, its content type (errors as ``application/problem+json``), and a body
that validates against the schema (date-times with their zone included).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from nervecentre.security import tokens, users
from nervecentre.store.db import Database
from nervecentre.web import create_app
from tests.security.conftest import FAST, PASSWORD, make_cases

pytestmark = pytest.mark.slow
EXAMPLES = 30  # per operation


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    from nervecentre.settings import load_settings

    folder = tmp_path_factory.mktemp("schemathesis")
    db = Database(load_settings(data_dir=str(folder), database_url=f"sqlite:///{folder}/st.db"))
    db.upgrade()
    make_cases(db, folder)
    original = users.hasher
    users.hasher = lambda: FAST  # type: ignore[assignment]
    try:
        users.create_user(
            db, "st-inv", PASSWORD, "investigator", actor="test", units=["MH-THR-SHAHAPUR"]
        )
    finally:
        users.hasher = original
    _record, token = tokens.create_token(
        db, "st-inv", "schemathesis", actor="test", scope="read-write"
    )
    yield create_app(db=db), {"Authorization": f"Bearer {token}"}
    db.dispose()


def _from_loopback(app: Any) -> Any:
    # Schemathesis's in-process transport names the client "testclient", which the
    # allowlist rightly refuses; present its requests as coming from loopback instead.
    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "client": ("127.0.0.1", 50000)}
        await app(scope, receive, send)

    return wrapped


@pytest.fixture(scope="module")
def web_schema(api: tuple[Any, dict[str, str]]) -> Any:
    app, headers = api
    # The schema is for signed-in callers only.
    return schemathesis.openapi.from_asgi("/api/openapi.json", _from_loopback(app), headers=headers)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def test_responses_conform_to_the_schema(web_schema: Any, api: tuple[Any, dict[str, str]]) -> None:
    # Driven by hand rather than through schemathesis's pytest plugin, which does not load
    # under this pytest: one Hypothesis run per operation, all in this one test.
    _app, headers = api
    operations = _operations(web_schema)
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
