"""The library in a real browser: search with highlights, a document, similar cases, the
upload form; axe-core finds no accessibility problem; screenshots for the docs
(docs/screenshots/library*.png).

The screenshots are compared with the committed ones like the main pages' (same tolerance);
refresh them with NERVECENTRE_TEST_UPDATE_SCREENSHOTS=1 after an intended change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from nervecentre.library.ingest import add_bytes
from nervecentre.library.synth import documents
from tests.library.test_library import HINDI
from tests.library.test_similar import PLANTED
from tests.web.browser_support import NewContext, Site, sign_in, thane_rural_case, visit
from tests.web.test_accessibility import Checker, a11y_context, axe  # noqa: F401
from tests.web.test_screenshots import BASELINES, OUTPUT, UPDATE, difference, shoot

pytestmark = pytest.mark.browser


def test_library_search_document_and_similar(
    axe: Path,  # noqa: F811
    site: Site,
    new_context: NewContext,
) -> None:
    case = thane_rural_case(site.db)
    for i, text in enumerate(PLANTED):
        add_bytes(site.db, text.encode(), f"planted{i}.txt", actor="t", title=f"State v. A-{i + 1}")
    add_bytes(site.db, HINDI.encode(), "hindi.txt", actor="t", title="राज्य बनाम A-1 (मानव तस्करी)")
    for doc in documents(24, seed=3):
        add_bytes(site.db, doc.text.encode(), f"{doc.name}.txt", actor="t", title=doc.title)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    checker = Checker(axe, "demo-investigator")
    page = sign_in(a11y_context(new_context), site, "demo-investigator")
    page.get_by_role("link", name="Library").click()
    expect(page.locator("h1")).to_have_text("Case-study library")
    page.fill("input[name=q]", "lodge west bengal")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("li.hit mark").first).to_be_visible()
    shots = [shoot(page, "library")]
    checker.check(page, "search")
    page.fill("input[name=q]", "मानव तस्करी")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("li.hit mark").first).to_have_text("मानव")
    checker.check(page, "Devanagari search")
    page.locator("li.hit h2 a").first.click()
    expect(page.locator("#text pre")).to_contain_text("तस्करी")
    checker.check(page, "document")
    visit(page, f"/cases/{case.id}")
    page.get_by_role("link", name="Judgments and cases like this one").click()
    expect(page.locator("table.similar-documents tbody tr").first).to_contain_text("State v. A-")
    shots.append(shoot(page, "library-similar"))
    checker.check(page, "similar")
    page.locator("table.similar-documents tbody tr a").first.click()
    expect(page.locator("#similar")).to_be_visible()
    shots.append(shoot(page, "library-document"))
    visit(page, "/library")
    page.get_by_role("link", name="Add a document").click()
    expect(page.locator("h1")).to_have_text("Add a document to the library")
    checker.check(page, "upload form")
    page.set_input_files(
        "input[name=file]",
        files=[{"name": "sop.txt", "mimeType": "text/plain", "buffer": b"SOP for rescue raids"}],
    )
    page.fill("input[name=title]", "SOP: rescue raids")
    page.get_by_role("button", name="Add to the library").click()
    expect(page.get_by_role("status")).to_contain_text("SOP: rescue raids")
    shots.append(shoot(page, "library-add"))
    checker.check(page, "document added")
    checker.assert_clean()
    if UPDATE:
        for shot in shots:
            shutil.copyfile(shot, BASELINES / shot.name)
        return
    problems = [p for p in (difference(s, BASELINES / s.name) for s in shots) if p]
    assert problems == [], "library pages differ from docs/screenshots:\n  " + "\n  ".join(problems)
