"""The link chart's server side: its API under need-to-know and audit, saved charts, the page."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from nervecentre.cases.people import CaseRole, Person
from nervecentre.graph.chart_table import SavedChart
from nervecentre.security import audit
from nervecentre.web.pages import network
from tests.security.conftest import World
from tests.web.conftest import sign_in

Token = Callable[[str], dict[str, str]]
VICTIM_NAMES = ("Rina Das", "Mou Roy")
VICTIM_PHONE = "9123456780"
XSS = "<img src=x onerror=alert(1)>"


def neighbourhood(
    client: TestClient, headers: dict[str, str], node: str, hops: int = 1
) -> dict[str, Any]:
    response = client.get(
        "/api/graph/neighbourhood", params={"node": node, "hops": hops}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_case_neighbourhood_shows_its_people_with_victims_by_code(
    client: TestClient, token_for: Token, world: World
) -> None:
    response = client.get(
        "/api/graph/neighbourhood",
        params={"node": f"case:{world.case_a}", "hops": 2},
        headers=token_for("inv"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    types = {n["type"] for n in body["nodes"]}
    assert {"case", "person", "phone", "place"} <= types
    labels = {n["label"] for n in body["nodes"]}
    assert "Mohd. Salim Shaikh" in labels
    for secret in (*VICTIM_NAMES, VICTIM_PHONE):
        assert secret not in response.text
    victims = [n for n in body["nodes"] if n["type"] == "person" and n["attrs"]["protected"]]
    assert len(victims) == 2 and all(v["label"].startswith("V") or v["label"] for v in victims)
    # Every edge names its evidence.
    assert all(e["record"] and e["type"] for e in body["edges"])
    assert body["centre"] == f"case:{world.case_a}"


def test_reads_are_audited_as_reads_of_the_case_or_person(
    client: TestClient, token_for: Token, world: World
) -> None:
    body = neighbourhood(client, token_for("inv"), f"case:{world.case_a}")
    person = next(n for n in body["nodes"] if n["label"] == "Mohd. Salim Shaikh")
    neighbourhood(client, token_for("inv"), person["id"])
    entries = audit.find(world.db, action="graph.view", actor="inv")
    assert {(e.target_type, e.target_id) for e in entries} == {
        ("case", str(world.case_a)),
        ("person", str(person["attrs"]["records"][0])),
    }
    assert all(str(world.case_a) in e.detail for e in entries)


def test_other_units_cases_are_not_found_and_never_appear(
    client: TestClient, token_for: Token, world: World
) -> None:
    mine = token_for("inv")
    refused = client.get(
        "/api/graph/neighbourhood", params={"node": f"case:{world.case_b}"}, headers=mine
    )
    assert refused.status_code == 404
    path = client.get(
        "/api/graph/path",
        params={"a": f"case:{world.case_a}", "b": f"case:{world.case_b}"},
        headers=mine,
    )
    assert path.status_code == 404
    body = neighbourhood(client, mine, f"case:{world.case_a}", hops=3)
    assert f"case:{world.case_b}" not in {n["id"] for n in body["nodes"]}
    # The admin sees both cases, and the shared accused links them.
    both = client.get(
        "/api/graph/path",
        params={"a": f"case:{world.case_a}", "b": f"case:{world.case_b}"},
        headers=token_for("admin"),
    )
    assert both.status_code == 200 and len(both.json()["path"]) >= 3


def test_roles_without_case_view_get_403(client: TestClient, world: World) -> None:
    from nervecentre.security import tokens, users

    users.create_user(world.db, "aud", "correct horse battery", "auditor", actor="test")
    _record, token = tokens.create_token(world.db, "aud", "t", actor="test")
    response = client.get(
        "/api/graph/neighbourhood",
        params={"node": f"case:{world.case_a}"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 403
    assert client.get("/api/graph/neighbourhood", params={"node": "case:1"}).status_code == 401


def test_path_lists_the_evidence_of_each_hop(
    client: TestClient, token_for: Token, world: World
) -> None:
    body = neighbourhood(client, token_for("inv"), f"case:{world.case_a}", hops=2)
    salim = next(n["id"] for n in body["nodes"] if n["label"] == "Mohd. Salim Shaikh")
    victim = next(
        n["id"] for n in body["nodes"] if n["type"] == "person" and n["attrs"]["protected"]
    )
    response = client.get(
        "/api/graph/path", params={"a": salim, "b": victim}, headers=token_for("inv")
    )
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["path"][0] == salim and found["path"][-1] == victim
    assert len(found["hops"]) == len(found["path"]) - 1
    for hop in found["hops"]:
        assert hop["evidence"], hop
        assert all(e["record"] and e["case_id"] == world.case_a for e in hop["evidence"])
    for secret in (*VICTIM_NAMES, VICTIM_PHONE):
        assert secret not in response.text


def test_bad_parameters_are_422(client: TestClient, token_for: Token, world: World) -> None:
    headers = token_for("inv")
    for params in (
        {"node": f"case:{world.case_a}", "hops": "9"},
        {"node": ""},
        {"node": "x" * 301},
        {"node": f"case:{world.case_a}", "since": "31/02/2024"},
    ):
        assert (
            client.get("/api/graph/neighbourhood", params=params, headers=headers).status_code
            == 422
        )
    unknown = client.get("/api/graph/neighbourhood", params={"node": "phone:+0"}, headers=headers)
    assert unknown.status_code == 404


def _chart(*ids: str) -> dict[str, Any]:
    return {
        "nodes": [{"id": n, "x": i * 10.0, "y": 5, "label": "kept?"} for i, n in enumerate(ids)],
        "filters": {"node_types": ["person", "bogus"], "since": "2023-01-01"},
        "colour": "community",
    }


def test_a_saved_chart_reopens_with_only_what_the_viewer_may_see(
    client: TestClient, token_for: Token, world: World
) -> None:
    body = neighbourhood(client, token_for("admin"), f"case:{world.case_a}")
    ids = [n["id"] for n in body["nodes"]] + [f"case:{world.case_b}"]
    saved = client.post(
        f"/api/cases/{world.case_a}/charts",
        json={"name": "  Shahapur   lodge  ", "chart": _chart(*ids)},
        headers=token_for("admin"),
    )
    assert saved.status_code == 201, saved.text
    chart_id = saved.json()["id"]
    with world.db.session() as s:
        stored = s.scalars(select(SavedChart)).one()
        assert stored.name == "Shahapur lodge"
        state = json.loads(stored.state)
    assert "label" not in stored.state and "kept?" not in stored.state
    assert state["filters"]["node_types"] == ["person"]
    # The admin sees everything again; the investigator of unit A sees all but case B.
    admin = client.get(f"/api/charts/{chart_id}", headers=token_for("admin")).json()
    assert admin["omitted"] == 0 and len(admin["graph"]["nodes"]) == len(ids)
    inv = client.get(f"/api/charts/{chart_id}", headers=token_for("inv")).json()
    assert inv["omitted"] == 1
    assert f"case:{world.case_b}" not in {n["id"] for n in inv["graph"]["nodes"]}
    assert all("layout" in n for n in inv["graph"]["nodes"])
    for secret in VICTIM_NAMES:
        assert secret not in json.dumps(inv)
    # Unit B cannot open a chart of unit A's case, nor list its charts.
    assert client.get(f"/api/charts/{chart_id}", headers=token_for("inv-b")).status_code == 404
    listed = client.get(f"/api/cases/{world.case_a}/charts", headers=token_for("inv-b"))
    assert listed.status_code == 404
    assert [
        c["id"]
        for c in client.get(f"/api/cases/{world.case_a}/charts", headers=token_for("inv")).json()
    ] == [chart_id]
    assert audit.find(world.db, action="chart.save", actor="admin")
    assert audit.find(world.db, action="chart.open", actor="inv")


def test_saving_needs_the_permission_and_a_visible_case(
    client: TestClient, token_for: Token, world: World
) -> None:
    chart = {"name": "x", "chart": _chart(f"case:{world.case_a}")}
    viewer = client.post(f"/api/cases/{world.case_a}/charts", json=chart, headers=token_for("view"))
    assert viewer.status_code == 403
    other = client.post(f"/api/cases/{world.case_b}/charts", json=chart, headers=token_for("ana"))
    assert other.status_code == 404
    ok = client.post(f"/api/cases/{world.case_a}/charts", json=chart, headers=token_for("ana"))
    assert ok.status_code == 201


@pytest.mark.parametrize(
    "chart",
    [
        {"nodes": []},
        {"nodes": "all"},
        {"nodes": [{"id": "case:1", "x": "NaN"}]},
        {"nodes": [{"id": "case:1", "x": float("inf")}]},
        {"nodes": [{"id": "x" * 301}]},
        {"nodes": [{"id": 5}]},
        {"nodes": [{"id": f"n{i}"} for i in range(20_001)]},
        {"nodes": [{"id": "case:1"}], "filters": {"since": "31/02/2024"}},
    ],
)
def test_hostile_chart_states_are_refused_and_nothing_is_saved(
    client: TestClient, token_for: Token, world: World, chart: dict[str, Any]
) -> None:
    response = client.post(
        f"/api/cases/{world.case_a}/charts",
        content=json.dumps({"name": "bad", "chart": chart}, allow_nan=True),
        headers={**token_for("inv"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    with world.db.session() as s:
        assert s.scalars(select(SavedChart)).first() is None


def test_cookie_callers_need_the_csrf_header_to_save(
    app_for: Callable[..., TestClient], world: World
) -> None:
    c = app_for()
    csrf = sign_in(c, "inv")
    chart = {"name": "x", "chart": _chart(f"case:{world.case_a}")}
    assert c.post(f"/api/cases/{world.case_a}/charts", json=chart).status_code == 403
    ok = c.post(f"/api/cases/{world.case_a}/charts", json=chart, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201


def test_a_hostile_label_is_data_never_markup(
    client: TestClient, app_for: Callable[..., TestClient], token_for: Token, world: World
) -> None:
    # The importer refuses such names; a record edited in the database still must not inject.
    with world.db.session() as s:
        person = s.scalars(
            select(Person)
            .join(CaseRole, CaseRole.person_id == Person.id)
            .where(Person.name == "Ravi Jadhav", CaseRole.case_id == world.case_a)
        ).one()
        person.name = XSS
    body = neighbourhood(client, token_for("inv"), f"case:{world.case_a}")
    assert XSS in {n["label"] for n in body["nodes"]}
    c = app_for()
    sign_in(c, "inv")
    page = c.get("/network", params={"node": XSS})
    assert page.status_code == 200
    assert XSS not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    # The browser test checks that the chart and its table render it as text.


def test_the_page_says_when_the_chart_scripts_are_missing(
    app_for: Callable[..., TestClient], world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = app_for()
    sign_in(c, "ana")
    present = c.get("/network")
    assert present.status_code == 200
    monkeypatch.setattr(network, "CHART_LIBS", Path("/nonexistent/chart-libs.js"))
    missing = c.get("/network", params={"node": f"case:{world.case_a}"})
    assert missing.status_code == 200
    assert 'id="chart-missing"' in missing.text and "make assets" in missing.text
    assert "/static/vendor/chart-libs.js" not in missing.text
    assert c.get(f"/network/charts/{2**63}").status_code == 422


def test_auditors_get_no_chart_page(app_for: Callable[..., TestClient], world: World) -> None:
    from nervecentre.security import users

    users.create_user(world.db, "aud", "correct horse battery", "auditor", actor="test")
    c = app_for()
    sign_in(c, "aud")
    assert c.get("/network").status_code == 403
