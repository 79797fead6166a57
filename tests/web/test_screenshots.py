"""Full-page screenshots of the main pages, compared with the committed ones in docs/screenshots.

The module serves its own copy of the demo site (fixed data, fixed secret key), and one test
takes every shot in a fixed order, so the pages (the audit log included) show the same thing
on every run; the only text that changes, today's date and time, is frozen before each shot.
A page differs from its baseline when more than ``TOLERANCE`` of its pixels changed by more
than ``PIXEL_DELTA`` in some channel (anti-aliasing stays under both): the test then fails,
naming each page, with the new shot and a diff image (changes in red) in the output folder.

Output: tests/web/screenshots/ (git-ignored), or NERVECENTRE_SCREENSHOTS. After an intended
change to a template or app.css, refresh the baselines (and review them in the diff):

    NERVECENTRE_TEST_UPDATE_SCREENSHOTS=1 .venv/bin/pytest -n 0 tests/web/test_screenshots.py
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from nervecentre.security.demo import DEMO_DISTRICT
from tests.web.browser_support import NewContext, Site, protected_victim, sign_in, visit

pytestmark = pytest.mark.browser

BASELINES = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
OUTPUT = Path(os.environ.get("NERVECENTRE_SCREENSHOTS") or Path(__file__).parent / "screenshots")
UPDATE = os.environ.get("NERVECENTRE_TEST_UPDATE_SCREENSHOTS") == "1"
PIXEL_DELTA = 32
TOLERANCE = 0.002  # 0.2% of the pixels: white-on-white dashboard panels change 1.6% of them
PAGES = ("login", "dashboard", "cases", "case", "person", "case-edit-error", "import")
ADMIN_PAGES = ("audit", "users")

# Text nodes showing a time around now (sign-ins, audit entries) get a fixed one instead.
_FREEZE = """(days) => {
    const pattern = new RegExp(`\\\\b(${days.join("|")})( \\\\d{2}:\\\\d{2}(:\\\\d{2})?)?`, "g");
    const fixed = (_m, _day, time, seconds) =>
        "01 Jan 2030" + (time ? " 00:00" : "") + (seconds ? ":00" : "");
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        node.nodeValue = node.nodeValue.replace(pattern, fixed);
    }
}"""


def around_today() -> list[str]:
    """Yesterday, today and tomorrow as the pages write dates (any time zone, any midnight)."""
    now = datetime.now(UTC)
    return [(now + timedelta(days=d)).strftime("%d %b %Y") for d in (-1, 0, 1)]


def shoot(page: Page, name: str) -> Path:
    """A full-page screenshot of ``page``, its time-dependent text frozen, no hover or caret."""
    page.evaluate(_FREEZE, around_today())
    page.mouse.move(0, 0)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    return path


def difference(shot: Path, baseline: Path) -> str | None:
    """Why ``shot`` differs from ``baseline`` (writing ``<name>.diff.png``), or None."""
    if not baseline.is_file():
        return f"{baseline.name}: no baseline in {BASELINES}"
    new = np.asarray(Image.open(shot).convert("RGB"), dtype=np.int16)
    old = np.asarray(Image.open(baseline).convert("RGB"), dtype=np.int16)
    if new.shape != old.shape:
        (h, w), (bh, bw) = new.shape[:2], old.shape[:2]
        return f"{shot.name}: {w}x{h} px, the baseline is {bw}x{bh}"
    changed = np.abs(new - old).max(axis=2) > PIXEL_DELTA
    share = float(changed.mean())
    if share <= TOLERANCE:
        return None
    faded = (new * 0.3 + 178).astype(np.uint8)
    faded[changed] = (220, 0, 0)
    diff = shot.with_suffix(".diff.png")
    Image.fromarray(faded).save(diff)
    return f"{shot.name}: {share:.2%} of the pixels differ (over {TOLERANCE:.2%}); see {diff}"


def test_the_main_pages_look_like_their_screenshots(site: Site, new_context: NewContext) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob("*.png"):
        old.unlink()
    person_id, case_id = protected_victim(site.db)
    shots: list[Path] = []

    login = new_context().new_page()
    visit(login, "/login")
    shots.append(shoot(login, "login"))

    page = sign_in(new_context(), site, "demo-investigator")
    expect(page.locator("svg.chart")).to_be_visible()
    shots.append(shoot(page, "dashboard"))

    visit(page, "/cases")
    page.select_option("select[name=district]", DEMO_DISTRICT)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.cases tbody tr").first).to_be_visible()
    shots.append(shoot(page, "cases"))

    visit(page, f"/cases/{case_id}")
    expect(page.locator("#people")).to_be_visible()
    shots.append(shoot(page, "case"))

    visit(page, f"/people/{person_id}")
    expect(page.locator("#reveal")).to_be_visible()
    shots.append(shoot(page, "person"))

    # A FIR date in the future passes the browser's own checks; the server refuses it.
    visit(page, f"/cases/{case_id}/edit")
    page.fill("input[name=fir_at]", "2099-01-01T10:00")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("small.error")).to_contain_text("future")
    shots.append(shoot(page, "case-edit-error"))

    visit(page, "/import")
    expect(page.locator("input[type=file]")).to_be_visible()
    shots.append(shoot(page, "import"))

    admin = sign_in(new_context(), site, "demo-admin")
    visit(admin, "/admin/audit")
    expect(admin.locator("table.audit tbody tr").first).to_be_visible()
    shots.append(shoot(admin, "audit"))

    visit(admin, "/admin/users")
    expect(admin.locator("table.users")).to_contain_text("demo-viewer")
    shots.append(shoot(admin, "users"))

    assert [s.stem for s in shots] == [*PAGES, *ADMIN_PAGES]
    if UPDATE:
        for shot in shots:
            shutil.copyfile(shot, BASELINES / shot.name)
        return
    problems = [p for p in (difference(s, BASELINES / s.name) for s in shots) if p]
    assert problems == [], (
        "pages differ from their screenshots in docs/screenshots:\n  "
        + "\n  ".join(problems)
        + "\nIf the change is intended: NERVECENTRE_TEST_UPDATE_SCREENSHOTS=1 "
        "pytest -n 0 tests/web/test_screenshots.py (see docs/web.md)"
    )
