"""The link chart in headless Chromium: expand, filter, path, save and reopen, export, axe.

The chart draws on a WebGL canvas (sigma.js); the tests click nodes at the positions the chart
reports (``window.NCNetwork``), read its state the same way, and check the table that mirrors
it. Needs the chart's scripts (``make assets``) besides Chromium; without them the tests skip,
unless NERVECENTRE_TEST_REQUIRE_BROWSER=1 (CI), when they fail.
"""

from __future__ import annotations

import os
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Dialog, Page, expect
from sqlalchemy import select

from nervecentre.cases.people import CaseRole, Person
from nervecentre.web.pages.network import CHART_LIBS
from tests.web.browser_support import (
    NewContext,
    Site,
    Traffic,
    protected_victim,
    sign_in,
    unavailable,
    visit,
)
from tests.web.test_accessibility import AXE, Checker, a11y_context

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
UPDATE = os.environ.get("NERVECENTRE_TEST_UPDATE_SCREENSHOTS") == "1"
XSS = "<img src=x onerror=alert(1)>"
SELECT = re.compile(r"^Select ")


@pytest.fixture(autouse=True)
def chart_libs() -> None:
    if not CHART_LIBS.is_file():
        unavailable(f"{CHART_LIBS} is missing: run `make assets` (npm ci)")


def open_chart(page: Page, node: str, hops: int = 1) -> None:
    visit(page, f"/network?node={node}&hops={hops}")
    expect(page.locator("#chart-status")).to_contain_text("nodes and", timeout=30_000)


def order(page: Page) -> int:
    count: int = page.evaluate("() => window.NCNetwork.state.graph.order")
    return count


def click_node(page: Page, node: str) -> None:
    """Click a node on the canvas, where the chart says it is drawn."""
    page.locator("#chart").evaluate("(e) => e.scrollIntoView({ block: 'center' })")
    box = page.locator("#chart").bounding_box()
    assert box is not None
    where: dict[str, float] = page.evaluate("(n) => window.NCNetwork.nodePosition(n)", node)
    page.mouse.click(box["x"] + where["x"], box["y"] + where["y"])


def a_person(page: Page) -> str:
    node: str = page.evaluate(
        """() => { const g = window.NCNetwork.state.graph; let found = null;
        g.forEachNode((n, a) => { if (!found && a.nodeType === "person") found = n; });
        return found; }"""
    )
    return node


def test_expand_on_click_filter_and_time_slider(site: Site, new_context: NewContext) -> None:
    _victim, case_id = protected_victim(site.db)
    page = sign_in(new_context(), site, "demo-investigator")
    open_chart(page, f"case:{case_id}", hops=2)
    before = order(page)
    assert before > 2
    page.locator("#relayout").click()  # no layout may move a node while it is being clicked
    page.wait_for_timeout(2600)
    person = a_person(page)
    click_node(page, person)
    expect(page.locator("#selected-label")).not_to_be_empty()
    expect(page.locator("#chart-status")).to_contain_text("new nodes around", timeout=20_000)
    assert page.evaluate("(n) => window.NCNetwork.state.expanded.has(n)", person)
    assert order(page) >= before
    # The table mirrors the chart; unchecking a type hides it from both.
    people = page.locator("#node-table tbody tr td:first-child", has_text="person")
    expect(people.first).to_be_visible()
    page.get_by_label("Person", exact=True).uncheck()
    expect(people).to_have_count(0)
    hidden = page.evaluate(
        "(n) => window.NCNetwork.state.sigma.getNodeDisplayData(n).hidden", person
    )
    assert hidden is True
    page.get_by_label("Person", exact=True).check()
    # The time slider at its first month keeps only links dated up to that month's end.
    slider = page.locator("#time-slider")
    assert int(slider.get_attribute("max") or 0) >= 1, "the chart's links span one month only"
    slider.fill("0")
    until = page.locator("#until").input_value()
    assert until
    page.wait_for_timeout(300)  # the table follows the chart a frame later
    dates = page.locator("#link-table tbody tr td:nth-child(5)").all_inner_texts()
    assert dates and all(d <= until for d in dates if d)
    page.get_by_role("button", name="All dates").click()
    expect(page.locator("#until")).to_have_value("")


def test_hide_pin_group_and_open_the_record(site: Site, new_context: NewContext) -> None:
    _victim, case_id = protected_victim(site.db)
    page = sign_in(new_context(), site, "demo-investigator")
    open_chart(page, f"case:{case_id}")
    page.locator("#expand-on-click").uncheck()
    rows = page.locator("#node-table tbody tr")
    first = rows.nth(1).get_attribute("data-node")
    rows.nth(1).get_by_role("button", name=SELECT).click()
    page.get_by_role("button", name="Pin", exact=True).click()
    assert page.evaluate("(n) => window.NCNetwork.state.graph.getNodeAttribute(n, 'fixed')", first)
    expect(page.get_by_role("button", name="Unpin")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Hide", exact=True).click()
    expect(page.locator(f'#node-table tr[data-node="{first}"]')).to_have_count(0)
    page.get_by_role("button", name="Show hidden nodes").click()
    expect(page.locator(f'#node-table tr[data-node="{first}"]')).to_have_count(1)
    # Group two nodes: one group node stands in for them.
    a = rows.nth(1).get_attribute("data-node")
    rows.nth(1).get_by_role("button", name=SELECT).click()
    rows.nth(2).get_by_role("button", name=re.compile(r"^Add ")).click()
    expect(page.locator("#selected-more")).to_contain_text("2 selected")
    page.fill("#group-name", "Lodge staff")
    page.get_by_role("button", name="Group selected").click()
    expect(page.locator("#chart-status")).to_contain_text("grouped as Lodge staff")
    expect(page.locator('#node-table tr[data-node="group:Lodge staff"]')).to_have_count(1)
    expect(page.locator(f'#node-table tr[data-node="{a}"]')).to_have_count(0)
    page.get_by_role("button", name="Ungroup").click()
    expect(page.locator(f'#node-table tr[data-node="{a}"]')).to_have_count(1)
    # "Open record" leads to the case behind a case node.
    case_row = page.locator(f'#node-table tr[data-node="case:{case_id}"]')
    case_row.get_by_role("button", name=SELECT).click()
    page.get_by_role("link", name="Open record").click()
    expect(page).to_have_url(f"{site.url}/cases/{case_id}")


def test_path_with_evidence_save_reopen_and_export(
    site: Site, new_context: NewContext, tmp_path: Path
) -> None:
    victim, case_id = protected_victim(site.db)
    page = sign_in(new_context(accept_downloads=True), site, "demo-investigator")
    open_chart(page, f"person:{victim}", hops=2)
    start = page.evaluate("() => [...window.NCNetwork.state.selected][0]")
    far: str = page.evaluate(
        """(start) => { const g = window.NCNetwork.state.graph; let far = null;
        g.forEachNode((n, a) => { if (!far && a.nodeType === "case" && n !== start) far = n; });
        return far; }""",
        start,
    )
    page.fill("#path-a", start)
    page.fill("#path-b", far)
    page.get_by_role("button", name="Find path").click()
    expect(page.locator("#chart-status")).to_contain_text("Path of", timeout=20_000)
    hops = page.locator("#path-hops > li")
    assert hops.count() >= 1
    expect(hops.first.locator("a[href^='/cases/']").first).to_be_visible()
    path: list[str] = page.evaluate("() => window.NCNetwork.state.path")
    assert path[0] == start and path[-1] == far
    # Save it to the case, then reopen it from the list.
    page.select_option("#save-case", str(case_id))
    page.fill("#save-name", "Victim's network")
    page.get_by_role("button", name="Save chart").click()
    expect(page.locator("#chart-status")).to_contain_text("Saved as chart")
    shown = order(page)
    page.locator("#saved-charts a", has_text="Victim's network").first.click()
    expect(page.locator("#chart-status")).to_contain_text(
        "Chart “Victim's network”", timeout=20_000
    )
    assert order(page) == shown
    assert page.evaluate("() => window.NCNetwork.state.path") == path
    assert page.evaluate("() => window.NCNetwork.state.pathEdges.size") >= len(path) - 1
    # Exports: a PNG image, and an SVG that parses and carries the labels as text.
    with page.expect_download() as png:
        page.get_by_role("button", name="Export PNG").click()
    png_file = tmp_path / "chart.png"
    png.value.save_as(png_file)
    assert png_file.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png_file.stat().st_size > 2000
    with page.expect_download() as svg:
        page.get_by_role("button", name="Export SVG").click()
    svg_file = tmp_path / "chart.svg"
    svg.value.save_as(svg_file)
    tree = ET.parse(svg_file)
    ns = "{http://www.w3.org/2000/svg}"
    assert tree.getroot().tag == f"{ns}svg"
    assert len(tree.getroot().findall(f".//{ns}circle")) >= 3


def test_a_hostile_name_is_drawn_as_text(site: Site, new_context: NewContext) -> None:
    _victim, case_id = protected_victim(site.db)
    with site.db.session() as s:
        accused = s.scalars(
            select(Person)
            .join(CaseRole, CaseRole.person_id == Person.id)
            .where(CaseRole.case_id == case_id, CaseRole.role == "accused")
        ).first()
        assert accused is not None
        accused.name = XSS
    page = sign_in(new_context(), site, "demo-investigator")
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    open_chart(page, f"case:{case_id}")
    expect(page.locator("#node-table tbody")).to_contain_text(XSS)
    assert page.locator("#node-table img[src='x']").count() == 0
    assert dialogs == []


def test_the_chart_page_is_axe_clean_and_has_a_screenshot(
    site: Site, new_context: NewContext
) -> None:
    if not AXE.is_file():
        unavailable(f"{AXE} is missing: run `make pytest` (npm ci --prefix tests/js)")
    victim, _case_id = protected_victim(site.db)
    page = sign_in(a11y_context(new_context), site, "demo-analyst")
    open_chart(page, f"person:{victim}", hops=2)
    page.locator("#colour-by").select_option("community")
    page.wait_for_timeout(1800)  # the layout settles
    shot = Path(os.environ.get("NERVECENTRE_SCREENSHOTS") or Path(__file__).parent / "screenshots")
    shot.mkdir(parents=True, exist_ok=True)
    page.mouse.move(0, 0)
    page.screenshot(path=str(shot / "network.png"), animations="disabled", caret="hide")
    if UPDATE or not (SCREENSHOTS / "network.png").is_file():
        shutil.copyfile(shot / "network.png", SCREENSHOTS / "network.png")
    checker = Checker(AXE, "demo-analyst")
    checker.check(page, "a chart loaded")
    checker.assert_clean()


def test_the_chart_stays_on_its_own_origin(site: Site, traffic: Traffic) -> None:
    outside = [u for u in traffic.requests if not u.startswith((site.url, "data:", "blob:"))]
    assert outside == []
    assert traffic.page_errors == []
    problems: list[Any] = [c for c in traffic.console if "GL Driver Message" not in c]
    assert problems == []


def test_the_renderer_opens_with_every_icon_in_its_atlas(
    site: Site, new_context: NewContext
) -> None:
    """The page's opening puts each node type's icon in the image program's texture atlas
    (the first chart then draws without re-uploading textures) instead of waiting out its
    3-second limit: before, the warm-up's nodes were hidden by the chart's type filter, so no
    icon was ever fetched and every opening took the whole limit."""
    page = sign_in(new_context(), site, "demo-investigator")
    visit(page, "/network")
    page.evaluate("() => window.NCNetwork.ready")
    missing: list[str] = page.evaluate(
        """() => { const s = window.NCNetwork.state.sigma, atlas = s.nodePrograms.image.atlas;
        const icons = window.NCNetwork.icons;
        return Object.keys(icons).filter((type) => !atlas[icons[type]]); }"""
    )
    assert missing == []
    # The chart's own filters are back in place once the warm-up is over.
    assert page.evaluate("() => window.NCNetwork.state.sigma.getSetting('nodeReducer') !== null")


def test_payments_are_drawn_apart_and_filtered_by_their_link_type(
    site: Site, new_context: NewContext
) -> None:
    page = sign_in(new_context(), site, "demo-investigator")
    visit(page, "/network")
    page.evaluate("() => window.NCNetwork.ready")
    wallet = {"type": "crypto", "attrs": {"kind": "crypto"}, "layout": {"x": 0, "y": 0}}
    body = {
        "nodes": [
            {**wallet, "id": "crypto:a", "label": "wallet a"},
            {**wallet, "id": "crypto:b", "label": "wallet b", "layout": {"x": 9, "y": 9}},
        ],
        "edges": [
            {"id": 0, "source": "crypto:a", "target": "crypto:b", "type": "paid",
             "case_id": None, "record": "scam_transactions:7", "date": "2024-03-01",
             "attrs": {"amount": "0.5", "chain": "BTC", "txid": "t1"}},
            {"id": 1, "source": "crypto:a", "target": "crypto:b", "type": "seen_in",
             "case_id": 3, "record": "identifier_uses:2", "date": "2024-03-01", "attrs": {}},
        ],
        "since": None, "until": None, "modularity": None,
    }  # fmt: skip
    page.evaluate("(b) => window.NCNetwork.load(b)", body)
    shown = """() => { const s = window.NCNetwork.state.sigma, g = window.NCNetwork.state.graph;
        const out = {}; g.forEachEdge((e, a) => { const d = s.getEdgeDisplayData(e);
        out[a.edgeType] = { colour: d.color, size: d.size, hidden: d.hidden, label: a.label }; });
        return out; }"""
    edges = page.evaluate(shown)
    assert edges["paid"]["colour"] != edges["seen_in"]["colour"]
    assert edges["paid"]["size"] > edges["seen_in"]["size"]
    assert edges["paid"]["label"] == "paid 0.5 BTC" and not edges["paid"]["hidden"]
    page.locator("input[name=edge_type][value=paid]").uncheck()
    edges = page.evaluate(shown)
    assert edges["paid"]["hidden"] and not edges["seen_in"]["hidden"]
