"""The reports page in Chromium: charts drawn, a figure drilled into, a report downloaded,
axe-core's checks, and the screenshot in docs/screenshots/dashboard-reports.png."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.web.browser_support import NewContext, Site, sign_in, visit
from tests.web.test_accessibility import AXE, Checker
from tests.web.test_screenshots import BASELINES, OUTPUT, UPDATE, difference, shoot

pytestmark = pytest.mark.browser
SHOT = "dashboard-reports"


def test_reports_page_charts_drill_down_and_download(
    site: Site, new_context: NewContext, tmp_path: Path
) -> None:
    page = sign_in(new_context(bypass_csp=True, accept_downloads=True), site, "demo-supervisor")
    page.get_by_role("link", name="Reports").click()
    visit(page, "/reports?year=2024&by=police_station")
    expect(page.locator("h1")).to_contain_text("2024")
    charts = page.locator("figure svg[role=img]")
    expect(charts).to_have_count(4)
    expect(page.locator("figure svg title").first).to_have_text(
        "Cases registered and people rescued per month"
    )
    total = page.locator("table.report-table tr.total td a").first
    figure = total.inner_text()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    shot = shoot(page, SHOT)
    if AXE.is_file():
        checker = Checker(AXE, "demo-supervisor")
        checker.check(page)
    else:
        checker = None
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").first.click()
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    total.click()
    expect(page.locator("h1")).to_contain_text(figure)
    rows = page.locator("main table tbody tr")
    assert rows.count() == int(figure.replace(",", ""))  # cases registered: one row each
    if checker is not None:
        checker.check(page, "drill-down")
        checker.assert_clean()
    if UPDATE or not (BASELINES / f"{SHOT}.png").is_file():
        shutil.copyfile(shot, BASELINES / f"{SHOT}.png")
        return
    assert difference(shot, BASELINES / f"{SHOT}.png") is None
