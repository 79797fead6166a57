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


def test_upload_page_is_accessible_and_reports_bad_files(
    axe: Path,  # noqa: F811
    site: Site,
    new_context: NewContext,
    tmp_path: Path,
) -> None:
    import shutil

    from tests.web.test_screenshots import BASELINES, OUTPUT, UPDATE, difference, shoot

    good = tmp_path / "chat.txt"
    good.write_text("12/03/2024, 10:15 - +91 98765 43210: <b>pay</b> to ravi.k@ybl now\n")
    bad = tmp_path / "broken.msg"
    bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    checker = Checker(axe, "demo-analyst")
    page = sign_in(a11y_context(new_context), site, "demo-analyst")
    page.get_by_role("link", name="Sextortion").click()
    page.get_by_role("link", name="Upload complaints").click()
    expect(page.locator("h1")).to_have_text("Upload sextortion complaints")
    checker.check(page, "upload form")
    page.get_by_role("button", name="Upload and import").click()  # no file: the browser says so
    expect(page.locator("h1")).to_have_text("Upload sextortion complaints")
    page.set_input_files("input[name=files]", [str(good), str(bad)])
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#upload-result")).to_contain_text("1 message")
    expect(page.locator("#upload-errors")).to_contain_text("broken.msg")
    checker.check(page, "upload result")
    shot = shoot(page, "scam-upload")
    checker.assert_clean()
    if UPDATE or not (BASELINES / shot.name).is_file():
        shutil.copyfile(shot, BASELINES / shot.name)
        return
    assert difference(shot, BASELINES / shot.name) is None
