"""Centre-only access: addresses outside the allowlist get 403 before anything runs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from nervecentre.security.models import AuditEntry
from nervecentre.settings import load_settings
from nervecentre.store.db import Database
from nervecentre.web import create_app
from tests.security.conftest import World


@pytest.mark.parametrize(
    "path", ["/", "/login", "/api/cases", "/api/openapi.json", "/static/app.css"]
)
def test_outside_address_is_refused_everywhere(
    app_for: Callable[..., TestClient], path: str
) -> None:
    response = app_for("203.0.113.9").get(path)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "centre's network" in response.json()["detail"]
    assert "content-security-policy" in response.headers


def test_refused_login_attempt_runs_nothing(
    app_for: Callable[..., TestClient], world: World
) -> None:
    with world.db.session() as s:
        before = s.query(AuditEntry).count()
    response = app_for("198.51.100.7").post("/login", data={"username": "admin", "password": "x"})
    assert response.status_code == 403
    with world.db.session() as s:
        assert s.query(AuditEntry).count() == before


def test_loopback_is_allowed(app_for: Callable[..., TestClient]) -> None:
    assert app_for("127.0.0.1").get("/login").status_code == 200
    assert app_for("::1").get("/login").status_code == 200


def test_configured_network_is_allowed(world: World, tmp_path) -> None:
    settings = load_settings(
        data_dir=str(world.db.settings.data_dir),
        database_url=world.db.settings.resolved_database_url,
        allowed_networks="10.20.0.0/16",
    )
    db = Database(settings)
    try:
        inside = TestClient(create_app(db=db), client=("10.20.3.4", 1))
        outside = TestClient(create_app(db=db), client=("127.0.0.1", 1))
        assert inside.get("/login").status_code == 200
        assert outside.get("/login").status_code == 403
    finally:
        db.dispose()
