"""The entity-resolution API: entities, the queue, decisions, undo and explanations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nervecentre.security import audit, tokens
from tests.security.conftest import World
from tests.web.resolve_support import Resolved, resolved_world

Token = Callable[[str], dict[str, str]]
SignIn = Callable[[str], tuple[TestClient, str]]


@pytest.fixture
def resolved(world: World, tmp_path: Path) -> Resolved:
    return resolved_world(world, tmp_path)


def _member_ids(body: dict[str, Any]) -> set[int]:
    return {m["record"]["person_id"] for m in body["members"]}


def test_the_entity_of_a_record_within_need_to_know(
    resolved: Resolved, client: TestClient, token_for: Token, world: World
) -> None:
    everything = client.get(f"/api/people/{resolved.salim_a}/entity", headers=token_for("admin"))
    assert everything.status_code == 200, everything.text
    body = everything.json()
    assert {resolved.salim_a, resolved.salim_b} <= _member_ids(body)
    assert "Md Saleem Sheikh" in body["names"] and "Salu" in body["aliases"]
    assert {c["unit_code"] for c in body["cases"]} == {"MH-THR-SHAHAPUR", "MH-PAL-BOISAR"}
    link = body["members"][0]["why"]
    assert link["how"] == "model" and link["score"] > 0.99 and link["model_version"]
    mine = client.get(f"/api/people/{resolved.salim_a}/entity", headers=token_for("inv")).json()
    assert resolved.salim_b not in _member_ids(mine)
    assert "BOISAR" not in str(mine) and "Saleem" not in str(mine)
    hidden = client.get(f"/api/people/{resolved.salim_b}/entity", headers=token_for("inv"))
    assert hidden.status_code == 404
    entry = audit.find(world.db, action="person.view", actor="inv")[0]
    assert entry.target_id == str(resolved.salim_a)


def test_victims_in_an_entity_by_code_only(
    resolved: Resolved, client: TestClient, token_for: Token
) -> None:
    body = client.get(f"/api/people/{resolved.victim_a}/entity", headers=token_for("admin"))
    assert _member_ids(body.json()) == {resolved.victim_a, resolved.victim_b}
    assert "Rinki" not in body.text and "9123456780" not in body.text
    assert all(m["record"]["protected"] for m in body.json()["members"])


def test_the_queue_is_paged_ordered_and_need_to_know(
    resolved: Resolved, client: TestClient, token_for: Token
) -> None:
    admin = client.get("/api/resolve/queue", headers=token_for("admin")).json()
    values = [p["value"] for p in admin["pairs"]]
    assert values == sorted(values, reverse=True) and admin["total"] == len(values)
    top = admin["pairs"][0]
    assert {top["person_a"], top["person_b"]} == {resolved.salim_a, resolved.gawade_b}
    second = client.get(
        "/api/resolve/queue", params={"page": 2, "per_page": 1}, headers=token_for("admin")
    ).json()
    assert second["pairs"][0]["queue_id"] == admin["pairs"][1]["queue_id"]
    assert second["pairs"][0]["position"] == 1
    mine = client.get("/api/resolve/queue", headers=token_for("inv")).json()
    seen = {x for p in mine["pairs"] for x in (p["person_a"], p["person_b"])}
    assert resolved.gawade_b not in seen and mine["total"] < admin["total"]
    assert client.get("/api/resolve/queue", headers=token_for("view")).status_code == 403
    too_many = client.get("/api/resolve/queue", params={"per_page": 201}, headers=token_for("inv"))
    assert too_many.status_code == 422


def test_decide_and_undo_over_the_api(
    resolved: Resolved, client: TestClient, token_for: Token, world: World
) -> None:
    headers = token_for("inv")
    body = {"person_a": resolved.xss_a, "person_b": resolved.sunil_a, "verdict": "same"}
    made = client.post(
        "/api/resolve/decisions", json={**body, "note": "same father"}, headers=headers
    )
    assert made.status_code == 201, made.text
    decision = made.json()["id"]
    queue = client.get("/api/resolve/queue", headers=headers).json()
    assert all(
        {p["person_a"], p["person_b"]} != {resolved.xss_a, resolved.sunil_a} for p in queue["pairs"]
    )
    history = client.get("/api/resolve/decisions", headers=headers).json()
    assert history["total"] == 1 and history["decisions"][0]["note"] == "same father"
    assert history["decisions"][0]["decided_by"] == "inv"
    undone = client.post(f"/api/resolve/decisions/{decision}/undo", headers=headers)
    assert undone.status_code == 200 and undone.json() == {"id": decision, "undone": True}
    again = client.post(f"/api/resolve/decisions/{decision}/undo", headers=headers)
    assert again.status_code == 404
    assert (
        client.get("/api/resolve/decisions", headers=headers).json()["decisions"][0]["undone_by"]
        == "inv"
    )
    assert audit.find(world.db, action="resolve.undo", actor="inv")


def test_decisions_are_refused_without_permission_sight_scope_or_csrf(
    resolved: Resolved,
    client: TestClient,
    token_for: Token,
    world: World,
    signed_in: SignIn,
) -> None:
    body = {"person_a": resolved.xss_a, "person_b": resolved.sunil_a, "verdict": "different"}
    url = "/api/resolve/decisions"
    assert client.post(url, json=body, headers=token_for("view")).status_code == 403
    _record, read_only = tokens.create_token(world.db, "inv", "ro", actor="test")
    ro = {"Authorization": f"Bearer {read_only}"}
    assert client.post(url, json=body, headers=ro).status_code == 403
    unseen = {**body, "person_b": resolved.gawade_b}
    assert client.post(url, json=unseen, headers=token_for("inv")).status_code == 404
    for bad in ({"verdict": "maybe"}, {"note": "x" * 401}, {"person_b": resolved.xss_a}):
        refused = client.post(url, json={**body, **bad}, headers=token_for("inv"))
        assert refused.status_code == 422, bad
    browser, csrf = signed_in("inv")
    assert browser.post(url, json=body).status_code == 403  # a session needs X-CSRF-Token
    assert browser.post(url, json=body, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert client.get(url, headers=token_for("inv")).json()["total"] == 1


def test_the_explanation_of_a_pair(
    resolved: Resolved, client: TestClient, token_for: Token
) -> None:
    params = {"a": resolved.salim_a, "b": resolved.salim_b}
    found = client.get("/api/resolve/explain", params=params, headers=token_for("admin"))
    assert found.status_code == 200, found.text
    body = found.json()
    features = [c["feature"] for c in body["contributions"]]
    assert features[:3] == ["prior", "name", "father"] and "phone" in features
    assert abs(sum(c["bits"] for c in body["contributions"]) - body["total_bits"]) < 1e-6
    assert 0.5 < body["probability"] <= 1 and body["model_version"]
    hidden = client.get("/api/resolve/explain", params=params, headers=token_for("inv"))
    assert hidden.status_code == 404
