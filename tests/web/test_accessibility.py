"""Every page passes axe-core's WCAG 2 A/AA checks (contrast, labels, landmarks…) in Chromium.

axe-core is a test-only npm package (tests/js/package.json, installed by ``make pytest`` with
``npm ci``); it is injected into each page with Playwright and never served by the app. Each
demo role signs in and every page it can reach from the header, plus the pages behind them
(a case, its edit form with errors, a person, an import report, the error pages), is checked
with its closed ``<details>`` opened, so the forms inside are checked too. Without Chromium
or axe-core the tests skip, unless NERVECENTRE_TEST_REQUIRE_BROWSER=1 (CI), when they fail.

The dashboard panels have their own regression test: their text once inherited the header's
white on a white card, and vanished in print.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from nervecentre.security.demo import DEMO_DISTRICT
from tests.imports.registers import row, write_csv
from tests.web.browser_support import (
    NewContext,
    Site,
    protected_victim,
    sign_in,
    thane_rural_case,
    unavailable,
    visit,
)

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0-2.2 A and AA, plus axe's best practices (landmarks, one <h1>, heading order…).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
_RUN_AXE = """async (tags) => {
    document.querySelectorAll("details").forEach((d) => { d.open = true; });
    const result = await axe.run(document, {
        runOnly: { type: "tag", values: tags }, resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
    }));
}"""
DASHBOARD_PANELS = ("By district", "By crime head", "Recent arrests", "Recent rescues")


@pytest.fixture(scope="module")
def axe() -> Path:
    """axe-core's script (skip, or fail in CI, when ``npm ci`` has not installed it)."""
    if not AXE.is_file():
        unavailable(f"{AXE} is missing: run `make pytest` (npm ci --prefix tests/js)")
    return AXE


class Checker:
    """Runs axe on pages and keeps what it found, per page, for one report."""

    def __init__(self, axe: Path, who: str) -> None:
        self.axe, self.who = axe, who
        self.problems: list[str] = []
        self.pages: list[str] = []

    def check(self, page: Page, what: str = "") -> None:
        """Check the page as it is now (``what`` names a state, e.g. "with errors")."""
        page.add_script_tag(path=str(self.axe))
        violations: list[dict[str, Any]] = page.evaluate(_RUN_AXE, AXE_TAGS)
        name = f"{page.url.split('/', 3)[-1] or '/'}{f' ({what})' if what else ''}"
        self.pages.append(name)
        for v in violations:
            lines = [f"/{name.lstrip('/')} as {self.who}: {v['id']} ({v['impact']}): {v['help']}"]
            for node in v["nodes"][:5]:
                summary = " ".join(node["summary"].split())
                lines.append(f"    {node['target']}: {summary}")
            if len(v["nodes"]) > 5:
                lines.append(f"    …and {len(v['nodes']) - 5} more elements")
            self.problems.append("\n".join(lines))

    def visit(self, page: Page, path: str, status: int = 200) -> None:
        self.check(visit(page, path, status))

    def assert_clean(self) -> None:
        assert self.problems == [], "axe-core found accessibility problems:\n" + "\n".join(
            self.problems
        )


def nav_paths(page: Page) -> list[str]:
    """Every page the header's navigation links to, for the signed-in user."""
    hrefs = page.locator("header nav a").evaluate_all("links => links.map(a => a.pathname)")
    return list(dict.fromkeys(str(h) for h in hrefs))


def a11y_context(new_context: NewContext) -> Any:
    """A context that may inject axe despite the app's Content-Security-Policy."""
    return new_context(bypass_csp=True)


def test_signed_out_pages(axe: Path, site: Site, new_context: NewContext) -> None:
    checker = Checker(axe, "nobody")
    page = a11y_context(new_context).new_page()
    checker.visit(page, "/login")
    page.fill("input[name=username]", "demo-viewer")
    page.fill("input[name=password]", "not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("p.alert")).to_be_visible()
    checker.check(page, "wrong password")
    checker.assert_clean()


@pytest.mark.parametrize("role", ["admin", "supervisor", "analyst", "viewer"])
def test_every_page_a_role_reaches(
    role: str, axe: Path, site: Site, new_context: NewContext
) -> None:
    person_id, case_id = protected_victim(site.db)
    checker = Checker(axe, f"demo-{role}")
    page = sign_in(a11y_context(new_context), site, f"demo-{role}")
    checker.check(page)
    paths = nav_paths(page)
    assert "/cases" in paths
    for path in paths:
        if path != "/":
            checker.visit(page, path)
    if role != "admin":  # the admin's case list and dashboard cover every district
        checker.visit(page, f"/cases/{case_id}")
        checker.visit(page, f"/people/{person_id}")
    if "/crawl" in paths:
        checker.visit(page, "/crawl/leads")
        checker.visit(page, "/crawl/notices")
    if "/admin/audit" in paths:
        checker.visit(page, "/admin/audit?verify=1")
    else:
        checker.visit(page, "/admin/audit", status=403)
    checker.visit(page, "/cases/999999999", status=404)
    checker.assert_clean()


def test_the_investigators_pages_and_forms(
    axe: Path, site: Site, new_context: NewContext, tmp_path: Path
) -> None:
    person_id, case_id = protected_victim(site.db)
    checker = Checker(axe, "demo-investigator")
    page = sign_in(a11y_context(new_context), site, "demo-investigator")
    checker.check(page)
    for path in nav_paths(page):
        if path not in ("/", "/cases", "/import"):  # those three are checked below
            checker.visit(page, path)

    visit(page, "/cases")
    checker.check(page, "no search yet")
    page.select_option("select[name=district]", DEMO_DISTRICT)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.cases tbody tr").first).to_be_visible()
    checker.check(page, "results")
    visit(page, "/cases?date_from=not-a-date", status=422)
    checker.check(page, "a bad filter")

    checker.visit(page, f"/cases/{case_id}")
    checker.visit(page, "/cases/new")
    visit(page, f"/cases/{thane_rural_case(site.db).id}/edit")
    checker.check(page)
    page.fill("input[name=fir_at]", "2099-01-01T10:00")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("small.error").first).to_be_visible()
    checker.check(page, "refused")

    checker.visit(page, f"/people/{person_id}")
    page.fill("input[name=reason]", "too short")
    page.get_by_role("button", name="Reveal").click()
    checker.check(page, "reason refused")

    checker.visit(page, "/import")
    rows = [row(901), row(902, **{"FIR Date": "31/02/2023"})]
    page.set_input_files("input[type=file]", str(write_csv(tmp_path / "reg.csv", rows)))
    page.get_by_role("button", name="Check the register").click()
    expect(page.get_by_text("Nothing has been written yet")).to_be_visible()
    checker.check(page, "report")
    checker.assert_clean()


def _rgba(css: str) -> tuple[float, float, float, float]:
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    return (*numbers[:3], numbers[3] if len(numbers) > 3 else 1.0)  # type: ignore[return-value]


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two CSS ``rgb()``/``rgba()`` colours (1 to 21)."""

    def luminance(colour: tuple[float, float, float, float]) -> float:
        def channel(c: float) -> float:
            c /= 255
            return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b, _a = colour
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    light, dark = sorted((luminance(_rgba(foreground)), luminance(_rgba(background))))[::-1]
    return (light + 0.05) / (dark + 0.05)


# Each text element's colour and the first opaque background behind it.
_COLOURS = """(root) => [...root.querySelectorAll("h2, th, td, a")]
    .filter((el) => el.textContent.trim())
    .map((el) => {
        const clear = (e) => ["rgba(0, 0, 0, 0)", "transparent"].includes(
            getComputedStyle(e).backgroundColor);
        let bg = el;
        while (bg && clear(bg)) bg = bg.parentElement;
        return [el.textContent.trim().slice(0, 40), getComputedStyle(el).color,
                bg ? getComputedStyle(bg).backgroundColor : "rgb(255, 255, 255)"];
    })"""


def test_the_dashboard_panels_are_readable_on_screen_and_in_print(
    site: Site, new_context: NewContext
) -> None:
    page = sign_in(new_context(), site, "demo-investigator")
    for media in ("screen", "print"):
        page.emulate_media(media=media)  # type: ignore[arg-type]
        for title in DASHBOARD_PANELS:
            panel = page.locator("section.card").filter(
                has=page.get_by_role("heading", name=title, exact=True)
            )
            expect(panel).to_be_visible()
            expect(panel.locator("h2")).to_be_visible()
            texts = panel.evaluate(_COLOURS)
            assert len(texts) > 1, f"{title} ({media}): no text"
            for text, colour, background in texts:
                ratio = contrast(colour, background)
                assert ratio >= 4.5, (
                    f"{title} ({media}): {text!r} is {colour} on {background}, "
                    f"contrast {ratio:.2f}:1 (WCAG AA needs 4.5:1)"
                )
