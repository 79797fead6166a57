"""Strings from outside (imported registers) are rendered inert on every page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.cases.people import CaseRole
from nervecentre.imports import import_register
from tests.imports.registers import row, write_csv
from tests.security.conftest import World

PAYLOADS = [
    "<script>alert('x1')</script>",
    '"><img src=x onerror=alert(2)>',
    "<svg/onload=alert(3)>",
    "javascript:alert(4)",
    "{{7*7}}<b>bold</b>",
]


def test_markup_in_names_is_refused_at_import(world: World, tmp_path: Path) -> None:
    bad = row(10, **{"Accused": f"{PAYLOADS[2]} (M/30)", "Witnesses": f"{PAYLOADS[1]} (M)"})
    report = import_register(world.db, write_csv(tmp_path / "names.csv", [bad]))
    assert report.rejected_rows == 1
    assert {r.column for r in report.rejects} == {"Accused", "Witnesses"}


@pytest.fixture
def hostile_case(world: World, tmp_path: Path) -> int:
    p = PAYLOADS
    bad = row(
        9,
        **{
            "Place of Occurrence": p[0],
            "Brief Facts": " ".join(p),
            "IO": p[1],
            "Complainant": "PSI Anita More (F)",
            "Identifiers": f"https://ads.example.in/{p[2]}",
            "Route": f"{p[3]} > Pune, MH > Shahapur, MH",
            "Rescue": f"15/03/2023 01:45 at {p[4]}",
        },
    )
    report = import_register(world.db, write_csv(tmp_path / "hostile.csv", [bad]))
    assert report.rejected_rows == 0, report.rejects
    with world.db.session() as s:
        return s.scalars(select(Case.id).order_by(Case.id.desc())).first() or 0


def _assert_inert(html: str, shown: bool = True) -> None:
    for raw in ("<script>alert", "<img src=x", "<svg/onload", "<b>bold</b>"):
        assert raw not in html, raw
    assert not shown or "&lt;script&gt;" in html or "&lt;svg" in html or "&lt;img" in html


def test_case_page_escapes_everything(
    hostile_case: int, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    client, _ = signed_in("inv")
    html = client.get(f"/cases/{hostile_case}").text
    _assert_inert(html)
    assert "49" not in html.split("{{7*7}}")[0][-5:]  # no template evaluation of input


def test_lists_people_and_audit_escape_everything(
    hostile_case: int, world: World, signed_in: Callable[[str], tuple[TestClient, str]]
) -> None:
    client, _ = signed_in("admin")
    _assert_inert(client.get("/cases", params={"q": "Ravi"}).text, shown=False)
    listing = client.get("/cases", params={"q": PAYLOADS[0]})
    assert listing.status_code == 200 and "<script>alert" not in listing.text
    with world.db.session() as s:
        people = s.scalars(select(CaseRole.person_id).where(CaseRole.case_id == hostile_case)).all()
    for person_id in people:
        page = client.get(f"/people/{person_id}")
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<svg/onload" not in page.text
    _assert_inert(client.get("/admin/audit", params={"action": "search"}).text, shown=False)


def test_api_returns_data_verbatim_as_json(
    hostile_case: int,
    token_for: Callable[[str], dict[str, str]],
    app_for: Callable[..., TestClient],
) -> None:
    response = app_for().get(f"/api/cases/{hostile_case}", headers=token_for("inv"))
    assert response.headers["content-type"].startswith("application/json")
    assert PAYLOADS[0] in response.json()["occurrence_place"]
