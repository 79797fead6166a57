"""The tracker's pages in Chromium with data: axe-core's WCAG checks, the chart, escaping."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from nervecentre.scams.service import import_complaints
from nervecentre.synth.complaints import ComplaintConfig, write_complaints
from tests.web.browser_support import NewContext, Site, sign_in
from tests.web.test_accessibility import Checker, a11y_context, axe  # noqa: F401

pytestmark = pytest.mark.browser


def test_campaign_pages_are_accessible(
    axe: Path,  # noqa: F811
    site: Site,
    new_context: NewContext,
    tmp_path: Path,
) -> None:
    write_complaints(tmp_path, ComplaintConfig(messages=80, campaigns=4, seed=3))
    import_complaints(site.db, [tmp_path / "eml", tmp_path / "mbox", tmp_path / "txt"],
                      operator="test")  # fmt: skip
    checker = Checker(axe, "demo-analyst")
    page = sign_in(a11y_context(new_context), site, "demo-analyst")
    page.get_by_role("link", name="Sextortion").click()
    expect(page.locator("h1")).to_have_text("Sextortion campaigns")
    checker.check(page)
    page.locator("#campaigns a").first.click()
    expect(page.locator("#timeline svg rect").first).to_be_visible()
    checker.check(page)
    page.locator("#messages a").first.click()
    expect(page.locator("#subject")).to_be_visible()
    checker.check(page)
    for path in ("/scams/messages", "/scams/indicators?kind=btc"):
        page.goto(path)
        checker.check(page)
    checker.assert_clean()
