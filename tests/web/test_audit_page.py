"""The audit log through the API, the page and its CSV export: one need-to-know for all three,
date and text filters, paging."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from fastapi.testclient import TestClient

from nervecentre.security import audit
from tests.security.audit_scene import FACTS, PHONE, make_scene
from tests.security.conftest import World

SignIn = Callable[[str], tuple[TestClient, str]]
Token = Callable[[str], dict[str, str]]


def _csv(client: TestClient, **params: str) -> list[dict[str, str]]:
    response = client.get("/admin/audit.csv", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


def test_a_supervisor_not_named_on_a_restricted_case_reads_none_of_it_anywhere(
    world: World, client: TestClient, signed_in: SignIn, token_for: Token
) -> None:
    make_scene(world)
    case_a = str(world.case_a)
    # The case itself: 404.
    sup, _ = signed_in("sup")
    assert sup.get(f"/cases/{case_a}").status_code == 404
    # The API.
    api = client.get("/api/audit", params={"limit": 1000}, headers=token_for("sup"))
    assert api.status_code == 200
    assert not [e for e in api.json() if e["target_type"] == "case" and e["target_id"] == case_a]
    assert FACTS not in api.text and PHONE not in api.text
    asked = client.get(
        "/api/audit", params={"target_type": "case", "target_id": case_a, "text": "constable"},
        headers=token_for("sup"),
    )  # fmt: skip
    assert asked.status_code == 200 and asked.json() == []
    # The page, filtered to the case or not.
    for params in ({}, {"target_type": "case", "target_id": case_a}, {"text": PHONE}):
        page = sup.get("/admin/audit", params=params)
        assert page.status_code == 200
        table = page.text.split("<table", 1)[1]  # (the form shows what was asked)
        assert FACTS not in table and PHONE not in table
        assert f'href="/cases/{case_a}"' not in page.text
    # The export.
    rows = _csv(sup)
    assert rows and not [r for r in rows if r["target_type"] == "case" and r["target_id"] == case_a]
    others = [r for r in rows if r["action"] != "audit.view"]  # (theirs hold what they asked)
    assert FACTS not in str(rows) and PHONE not in str(others)
    # Whoever may read it does, through each.
    auditor, _ = signed_in("aud")
    assert FACTS in auditor.get("/admin/audit").text
    assert FACTS in str(_csv(auditor))
    admin = client.get("/api/audit", params={"limit": 1000}, headers=token_for("admin"))
    assert FACTS in admin.text


def test_the_page_filters_by_date_and_text_and_pages(world: World, signed_in: SignIn) -> None:
    make_scene(world)
    auditor, _ = signed_in("aud")
    for i in range(105):
        audit.record(world.db, "inv", "search", detail={"q": f"needle {i}"})
    first = auditor.get("/admin/audit", params={"text": "NEEDLE"})
    assert first.status_code == 200 and first.text.count("needle ") == 100
    assert "Older entries" in first.text and "text=NEEDLE" in first.text
    oldest_shown = min(e.id for e in audit.find(world.db, action="search", limit=100))
    second = auditor.get("/admin/audit", params={"text": "needle", "before": str(oldest_shown)})
    assert second.text.count("needle ") == 5 and "Older entries" not in second.text
    assert "needle 0" in second.text
    assert (
        "needle"
        not in auditor.get(
            "/admin/audit", params={"text": "needle", "until": "2020-01-01"}
        ).text.split("<table", 1)[1]
    )
    assert len(_csv(auditor, text="needle", action="search")) == 105
    bad = auditor.get("/admin/audit", params={"since": "last tuesday"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    assert auditor.get("/admin/audit", params={"text": "x" * 500}).status_code == 422
    assert auditor.get("/admin/audit", params={"text": "a\x00b"}).status_code == 422


def test_the_api_takes_the_same_filters(world: World, client: TestClient, token_for: Token) -> None:
    make_scene(world)
    headers = token_for("aud")
    found = client.get("/api/audit", params={"text": PHONE}, headers=headers).json()
    assert {e["action"] for e in found} >= {"search"}
    bad = client.get("/api/audit", params={"until": "2024-13-01"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "until"
    verify = client.get("/api/audit/verify", headers=headers).json()
    assert verify["ok"] is True and verify["problems"] == []


def test_reading_and_exporting_through_the_web_are_audited(world: World, signed_in: SignIn) -> None:
    make_scene(world)
    sup, _ = signed_in("sup")
    sup.get("/admin/audit", params={"text": "x"})
    entry = audit.tail(world.db, 1)[0]
    assert (entry.actor, entry.action, entry.details) == ("sup", "audit.view", {"text": "x"})
    _csv(sup, action="search")
    entry = audit.tail(world.db, 1)[0]
    assert entry.details == {"action": "search", "format": "csv"}
    assert entry.ip == "127.0.0.1"


def test_those_without_audit_view_get_403_everywhere(
    world: World, client: TestClient, signed_in: SignIn, token_for: Token
) -> None:
    investigator, _ = signed_in("inv")
    assert investigator.get("/admin/audit").status_code == 403
    assert investigator.get("/admin/audit.csv").status_code == 403
    assert client.get("/api/audit", headers=token_for("inv")).status_code == 403
