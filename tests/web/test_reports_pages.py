"""The reports page, drill-down and downloads, through the app (need-to-know, permissions)."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from nervecentre.security.models import AuditEntry
from tests.security.conftest import World

SignIn = Callable[[str], tuple[TestClient, str]]


def test_the_page_counts_only_visible_cases_and_drills_down(
    world: World, signed_in: SignIn
) -> None:
    client, _ = signed_in("inv")  # unit A only
    page = client.get("/reports?year=2023&table=crime&by=district")
    assert page.status_code == 200, page.text
    assert "Thane Rural" in page.text and "Palghar" not in page.text
    assert 'role="img"' in page.text and "<title id=" in page.text  # accessible charts
    assert "The data as a table" in page.text
    cells = client.get("/reports/cases?year=2023&table=crime&by=district&row=0&col=0")
    assert cells.status_code == 200
    assert f'href="/cases/{world.case_a}"' in cells.text
    assert f'href="/cases/{world.case_b}"' not in cells.text
    admin, _ = signed_in("admin")
    both = admin.get("/reports/cases?year=2023&table=crime&by=year&row=0&col=0")
    assert f"/cases/{world.case_a}" in both.text and f"/cases/{world.case_b}" in both.text
    with world.db.session() as s:
        actions = list(s.scalars(select(AuditEntry.action)))
    assert actions.count("report.drilldown") == 2


def test_downloads_need_export_and_share_needs_report_share(
    world: World, signed_in: SignIn
) -> None:
    sup, _ = signed_in("sup")
    pdf = sup.get("/reports/download?year=2023&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    shared = sup.get("/reports/download?year=2023&format=xlsx&share=1")
    assert shared.status_code == 200
    book = load_workbook(io.BytesIO(shared.content))
    assert "sharing" in str(book["Cover"]["B8"].value)
    viewer, _ = signed_in("view")
    assert viewer.get("/reports/download?year=2023&format=pdf").status_code == 403
    assert "/reports/download" not in viewer.get("/reports?year=2023").text
    inv, _ = signed_in("inv")
    assert inv.get("/reports/download?year=2023&format=pdf&share=1").status_code == 403
    assert sup.get("/reports/download?year=2023&format=docx").status_code in (400, 422)
    with world.db.session() as s:
        assert s.scalar(select(AuditEntry.id).where(AuditEntry.action == "report.generate"))


def test_bad_parameters_are_clear(world: World, signed_in: SignIn) -> None:
    client, _ = signed_in("inv")
    assert client.get("/reports?month=2023-13").status_code in (400, 422)
    assert client.get("/reports?year=2023&table=nope").status_code in (400, 422)
    assert client.get("/reports?year=2023&by=nope").status_code in (400, 422)
    assert client.get("/reports/cases?year=2023&row=x&col=0").status_code in (400, 422)
    assert client.get("/reports/cases?year=2023&row=99&col=0").status_code in (400, 422)


def test_the_case_timeline_starts_at_the_fir(world: World, signed_in: SignIn) -> None:
    client, _ = signed_in("inv")
    page = client.get(f"/cases/{world.case_a}")
    assert page.status_code == 200
    timeline = page.text[page.text.index('id="events"') :]
    assert "FIR registered" in timeline
    assert timeline.index("FIR registered") < timeline.index("Arrest")


def test_the_api_gives_the_same_table_and_its_cases(
    world: World, client: TestClient, token_for: Callable[[str], dict[str, str]]
) -> None:
    inv = token_for("inv")
    got = client.get("/api/reports/table?year=2023&table=crime&by=district", headers=inv)
    assert got.status_code == 200, got.text
    body = got.json()
    assert [r["label"] for r in body["rows"]] == ["Thane Rural"]  # need-to-know
    assert body["total"]["values"][0] == 1 and body["columns"][0]["id"] == "cases_registered"
    admin = token_for("admin")
    both = client.get("/api/reports/table?year=2023&by=year", headers=admin).json()
    assert both["total"]["values"][0] == 2
    cases = client.get("/api/reports/cases?year=2023&by=year&row=0&col=0", headers=inv).json()
    assert [c["id"] for c in cases["cases"]] == [world.case_a] and cases["value"] == 1
    bad = client.get("/api/reports/table?month=2023-13", headers=inv)
    assert bad.status_code in (400, 422) and "YYYY-MM" in bad.text
    assert client.get("/api/reports/table?year=2023").status_code == 401
    assert client.get("/api/reports/cases?year=2023&row=5&col=0", headers=inv).status_code in (
        400, 422,
    )  # fmt: skip
