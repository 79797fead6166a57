"""Every role against every API endpoint, and need-to-know: another unit's case is 404.

The expectation is computed from the permission matrix (data), not written out: a role
lacking the permission gets 403; a user who may act but cannot see the record gets 404
(a 403 would confirm that the guessed id exists); everyone else succeeds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from nervecentre.cases.people import CaseRole
from nervecentre.security.roles import can
from tests.security.conftest import World

ROLES = ["admin", "sup", "inv", "ana", "view", "inv-b"]

# (method, path, body, permission, target): target "a" is unit A's case, "b" unit B's.
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None, str | None, str]] = [
    ("GET", "/api/me", None, None, ""),
    ("GET", "/api/cases", None, "case.view", ""),
    ("GET", "/api/dashboard", None, "report.view", ""),
    ("GET", "/api/cases/{case}", None, "case.view", "a"),
    ("GET", "/api/cases/{case}", None, "case.view", "b"),
    ("PATCH", "/api/cases/{case}", {"investigating_officer": "PI Test"}, "case.edit", "a"),
    ("PATCH", "/api/cases/{case}", {"investigating_officer": "PI Test"}, "case.edit", "b"),
    ("POST", "/api/cases/{case}/charges", {"section": "BNS 143"}, "case.edit", "a"),
    ("POST", "/api/cases/{case}/charges", {"section": "BNS 143"}, "case.edit", "b"),
    (
        "POST",
        "/api/cases/{case}/events",
        {"kind": "raid", "at": "2023-03-20T10:30", "place": "Shahapur"},
        "case.edit",
        "a",
    ),
    ("POST", "/api/cases/{case}/identifiers", {"value": "+91 90000 11111"}, "case.edit", "a"),
    (
        "POST",
        "/api/cases/{case}/people",
        {"role": "witness", "name": "Test Witness"},
        "case.edit",
        "a",
    ),
    ("GET", "/api/people/{victim}", None, "person.view", "a"),
    ("GET", "/api/people/{victim}", None, "person.view", "b"),
    ("PATCH", "/api/people/{victim}", {"gender": "female"}, "person.edit", "a"),
    (
        "POST",
        "/api/people/{victim}/reveal",
        {"reason": "recording the statement today"},
        "victim.reveal",
        "a",
    ),
    (
        "POST",
        "/api/people/{victim}/reveal",
        {"reason": "recording the statement today"},
        "victim.reveal",
        "b",
    ),
    ("GET", "/api/audit", None, "audit.view", ""),
    ("GET", "/api/audit/verify", None, "audit.view", ""),
]


def _victim(world: World, case_id: int) -> int:
    with world.db.session() as s:
        return (
            s.scalars(
                select(CaseRole.person_id).where(
                    CaseRole.case_id == case_id, CaseRole.role == "victim"
                )
            ).first()
            or 0
        )


def _visible(role: str, target: str) -> bool:
    if not target:
        return True
    return role == "admin" or (target == "a") == (role != "inv-b")


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_for_every_role(
    role: str,
    world: World,
    app_for: Callable[..., TestClient],
    token_for: Callable[[str], dict[str, str]],
) -> None:
    client, headers = app_for(), token_for(role)
    user = world.user(role)
    ids = {
        "a": (world.case_a, _victim(world, world.case_a)),
        "b": (world.case_b, _victim(world, world.case_b)),
    }
    for method, template, body, permission, target in ENDPOINTS:
        case_id, victim_id = ids.get(target, (0, 0))
        path = template.format(case=case_id, victim=victim_id)
        response = client.request(method, path, json=body, headers=headers)
        if permission and not can(user, permission):
            expected = {403}
        elif not _visible(role, target):
            expected = {404}
        else:
            expected = {200, 201}
        assert response.status_code in expected, (role, method, path, response.text)
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("role", ROLES)
def test_registering_a_case_needs_the_permission_and_the_unit(
    role: str,
    world: World,
    app_for: Callable[..., TestClient],
    token_for: Callable[[str], dict[str, str]],
) -> None:
    body = {
        "fir_number": str(700 + ROLES.index(role)),
        "fir_year": 2025,
        "police_station_code": "MH-THR-SHAHAPUR",
        "fir_at": "2025-01-05T10:00",
    }
    response = app_for().post("/api/cases", json=body, headers=token_for(role))
    user = world.user(role)
    if not can(user, "case.create") or role == "inv-b":
        assert response.status_code == 403, response.text
    else:
        assert response.status_code == 201, response.text


@pytest.mark.parametrize("role", ROLES)
def test_pages_follow_the_same_rules(
    role: str, world: World, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    client, _ = signed_in(role)
    user = world.user(role)
    own, other = (world.case_b, world.case_a) if role == "inv-b" else (world.case_a, world.case_b)
    assert client.get(f"/cases/{own}").status_code == 200
    assert client.get(f"/cases/{other}").status_code == (200 if role == "admin" else 404)
    assert client.get("/cases/999999").status_code == 404
    assert client.get("/admin/users").status_code == (200 if can(user, "user.manage") else 403)
    assert client.get("/admin/audit").status_code == (200 if can(user, "audit.view") else 403)
    assert client.get("/import").status_code == (200 if can(user, "import.run") else 403)
    assert client.get("/cases/new").status_code == (200 if can(user, "case.create") else 403)
