"""The REST API: tokens, problem details, search, create and change, the OpenAPI schema."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from nervecentre.security import audit, tokens
from tests.security.conftest import World

Token = Callable[[str], dict[str, str]]


def test_bad_tokens_get_401_problem_details(client: TestClient, world: World) -> None:
    for header in ("Bearer nct_unknown", "Basic abc", "Bearer ", "Bearer ' OR 1=1 --"):
        response = client.get("/api/cases", headers={"Authorization": header})
        assert response.status_code == 401, header
        body = response.json()
        assert body["status"] == 401 and body["title"] and body["detail"]
    record, token = tokens.create_token(world.db, "inv", "old", actor="test")
    tokens.revoke_token(world.db, record.id, actor="test")
    revoked = client.get("/api/cases", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401 and "revoked" in revoked.json()["detail"]


def test_search_is_need_to_know_and_audited(
    client: TestClient, token_for: Token, world: World
) -> None:
    mine = client.get("/api/cases", params={"section": "BNS 143"}, headers=token_for("inv"))
    assert mine.status_code == 200, mine.text
    ids = [r["id"] for r in mine.json()["rows"]]
    assert ids == [world.case_a] and mine.json()["total"] == 1
    everyone = client.get("/api/cases", headers=token_for("admin")).json()
    assert {r["id"] for r in everyone["rows"]} == {world.case_a, world.case_b}
    entry = audit.find(world.db, action="search", actor="inv")[0]
    assert "BNS 143" in entry.detail


def test_bad_query_is_a_422_naming_the_field(client: TestClient, token_for: Token) -> None:
    response = client.get("/api/cases", params={"status": "nonsense"}, headers=token_for("inv"))
    assert response.status_code == 422
    assert response.json()["field"] == "status"
    response = client.get(
        "/api/cases", params={"date_from": "31/02/2024"}, headers=token_for("inv")
    )
    assert response.status_code == 422


# A bad value for every parameter the case list documents: each is refused by the one
# parser the API and the pages share, naming the parameter.
BAD_LIST_PARAMETERS = {
    "q": "x" * 201,
    "district": "Atlantis",
    "police_station": "MH-THR-NOWHERE",
    "unit": "MH-THR-NOWHERE",
    "status": "nonsense",
    "section": "XYZ 999",
    "date_from": "2024-13-01",
    "date_to": "yesterday",
    "sort": "-popularity",
    "page": "0",
    "per_page": "201",
}


def test_every_documented_list_parameter_is_checked(
    client: TestClient, token_for: Token, world: World
) -> None:
    schema = client.get("/api/openapi.json", headers=token_for("inv")).json()
    documented = schema["paths"]["/api/cases"]["get"]["parameters"]
    assert {p["name"] for p in documented} == set(BAD_LIST_PARAMETERS)
    assert all(p["in"] == "query" and p["description"] for p in documented)
    before = len(audit.find(world.db, action="search"))
    for name, value in BAD_LIST_PARAMETERS.items():
        response = client.get("/api/cases", params={name: value}, headers=token_for("inv"))
        assert response.status_code == 422, (name, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["field"] == name, response.json()
    assert len(audit.find(world.db, action="search")) == before  # refused before searching
    fine = client.get("/api/cases", params={"page": "1", "per_page": "200", "sort": "status"},
                      headers=token_for("inv"))  # fmt: skip
    assert fine.status_code == 200 and fine.json()["per_page"] == 200


def test_create_change_and_read_back(client: TestClient, token_for: Token, world: World) -> None:
    headers = token_for("inv")
    body = {
        "fir_number": "88",
        "fir_year": 2025,
        "police_station_code": "MH-THR-SHAHAPUR",
        "fir_at": "2025-04-01T09:15",
        "brief_facts": "Synthetic API test.",
    }
    created = client.post("/api/cases", json=body, headers=headers)
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    assert client.post("/api/cases", json=body, headers=headers).status_code == 409
    changed = client.patch(
        f"/api/cases/{case_id}", json={"status": "under_investigation"}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    bad = client.patch(f"/api/cases/{case_id}", json={"status": "convicted"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "status"
    charge = client.post(
        f"/api/cases/{case_id}/charges", json={"section": "IPC 370"}, headers=headers
    )
    assert charge.status_code == 201, charge.text
    detail = client.get(f"/api/cases/{case_id}", headers=headers).json()
    assert detail["status"] == "under_investigation"
    assert any("BNS 143" in (c["equivalent"] or "") for c in detail["charges"])


def test_me_and_audit_endpoints(client: TestClient, token_for: Token) -> None:
    me = client.get("/api/me", headers=token_for("sup")).json()
    assert me["role"] == "supervisor" and "audit.view" in me["permissions"]
    log = client.get("/api/audit", params={"limit": 5}, headers=token_for("sup"))
    assert log.status_code == 200 and len(log.json()) <= 5
    verify = client.get("/api/audit/verify", headers=token_for("admin")).json()
    assert verify["ok"] is True and verify["entries_checked"] > 0


def test_openapi_schema_is_served_locally(client: TestClient, token_for: Token) -> None:
    schema = client.get("/api/openapi.json", headers=token_for("view")).json()
    assert "/api/cases" in schema["paths"] and "/api/cases/{case_id}" in schema["paths"]
    # Swagger UI would load from a CDN: there is no docs page.
    assert client.get("/api/docs", headers=token_for("view")).status_code == 404
    assert all(not p.startswith(("/login", "/cases")) for p in schema["paths"])


def test_unknown_api_path_is_problem_json(client: TestClient, token_for: Token) -> None:
    response = client.get("/api/nothing-here", headers=token_for("inv"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
