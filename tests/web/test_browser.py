"""The web UI end to end, in a real headless Chromium driven by Playwright.

The module has its own copy of the demo site (300 synthetic cases, the demo users; see
browser_support); each test uses fresh browser contexts (fresh cookie jars) on it. Every
request, console message and page error of every context is recorded, and the last test
checks that the pages never reached beyond the app's own origin and that the console stayed
clean. Accessibility and screenshots have their own modules.

Needs Debian's /usr/bin/chromium (never a downloaded browser); without it the tests skip,
unless NERVECENTRE_TEST_REQUIRE_BROWSER=1 (CI), when they fail.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from nervecentre.cases.people import Person
from nervecentre.security.demo import DEMO_DISTRICT
from nervecentre.security.fields import cipher_for
from tests.web.browser_support import (
    VIEWPORT,
    NewContext,
    Site,
    Traffic,
    protected_victim,
    sign_in,
    thane_rural_case,
    visit,
)

pytestmark = pytest.mark.browser

NEW_OFFICER = "PI Browser Test Officer"
REASON = "statement recording before the magistrate"


def filter_audit(page: Page, action: str) -> None:
    """Open the audit log and filter it to ``action`` through its form."""
    visit(page, "/admin/audit")
    page.select_option("select[name=action]", action)
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(rf"/admin/audit\?.*action={re.escape(action)}"))


def test_investigator_edits_a_case_and_the_admin_sees_it_audited(
    site: Site, new_context: NewContext
) -> None:
    case = thane_rural_case(site.db)
    page = sign_in(new_context(), site, "demo-investigator")

    page.locator("header nav").get_by_role("link", name="Cases").click()
    page.fill("input[name=q]", case.fir_number)
    page.select_option("select[name=district]", DEMO_DISTRICT)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_contain_text("case")
    page.locator(f'table.cases a[href="/cases/{case.id}"]').click()

    expect(page.locator("h1")).to_contain_text(f"FIR {case.fir_number}/{case.fir_year}")
    page.get_by_role("link", name="Edit case").click()
    expect(page).to_have_url(f"{site.url}/cases/{case.id}/edit")
    officer = page.locator("input[name=investigating_officer]")
    expect(officer).to_have_value(case.investigating_officer)
    officer.fill(NEW_OFFICER)
    page.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(f"{site.url}/cases/{case.id}")
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text(NEW_OFFICER)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{site.url}/login")
    visit(page, f"/cases/{case.id}")
    expect(page).to_have_url(re.compile(r"/login\?next="))

    admin = sign_in(new_context(), site, "demo-admin")
    filter_audit(admin, "case.update")
    rows = admin.locator("table.audit tbody tr")
    expect(rows.first).to_be_visible()
    for action in rows.locator("td:nth-child(4)").all_inner_texts():
        assert action.strip() == "case.update"
    change = rows.filter(has=admin.locator(f'a[href="/cases/{case.id}"]'))
    expect(change).to_have_count(1)
    expect(change.locator("td:nth-child(3)")).to_have_text("demo-investigator")
    expect(change.locator("td.detail")).to_contain_text(NEW_OFFICER)


def test_viewer_cannot_reveal_a_victim_and_the_investigator_can(
    site: Site, new_context: NewContext
) -> None:
    person_id, _case_id = protected_victim(site.db)
    with site.db.session() as s:
        person = s.scalars(select(Person).where(Person.id == person_id)).one()
        cipher = cipher_for(site.db.settings)
        code, real_name = (
            person.code,
            cipher.decrypt(person.name_enc, "persons", "name_enc", person_id),
        )
    assert real_name and real_name != code

    viewer_context = new_context()
    viewer = sign_in(viewer_context, site, "demo-viewer")
    visit(viewer, f"/people/{person_id}")
    expect(viewer.locator("h1")).to_contain_text(code)
    expect(viewer.locator("#no-reveal")).to_be_visible()
    expect(viewer.locator(f'form[action="/people/{person_id}/reveal"]')).to_have_count(0)
    expect(viewer.get_by_role("button", name="Reveal")).to_have_count(0)
    assert real_name not in viewer.content()

    # The form is missing, but a hand-made POST with a valid session and CSRF token
    # must still be refused by the server.
    csrf = viewer.locator("form.who input[name=csrf_token]").input_value()
    refused = viewer_context.request.post(
        f"/people/{person_id}/reveal", form={"csrf_token": csrf, "reason": REASON}
    )
    assert refused.status == 403
    assert real_name not in refused.text()

    investigator = sign_in(new_context(), site, "demo-investigator")
    visit(investigator, f"/people/{person_id}")
    expect(investigator.locator("#no-reveal")).to_have_count(0)
    investigator.fill("input[name=reason]", REASON)
    investigator.get_by_role("button", name="Reveal").click()
    expect(investigator.locator("#revealed-name")).to_have_text(real_name)

    admin = sign_in(new_context(), site, "demo-admin")
    filter_audit(admin, "victim.reveal")
    rows = admin.locator("table.audit tbody tr").filter(
        has=admin.locator(f'a[href="/people/{person_id}"]')
    )
    expect(rows).to_have_count(1)
    expect(rows.locator("td:nth-child(3)")).to_have_text("demo-investigator")
    expect(rows.locator("td.detail")).to_contain_text(REASON)
    assert real_name not in admin.locator("table.audit").inner_text()


def test_wrong_password_shows_the_error_and_starts_no_session(
    site: Site, new_context: NewContext
) -> None:
    context = new_context()
    page = context.new_page()
    visit(page, "/login")
    page.fill("input[name=username]", "demo-analyst")
    page.fill("input[name=password]", "not the password at all")
    page.get_by_role("button", name="Sign in").click()

    expect(page.locator("p.alert")).to_have_text("Wrong username or password.")
    expect(page.locator("input[name=password]")).to_have_value("")
    assert urlsplit(page.url).path == "/login"
    assert "nc_session" not in {cookie["name"] for cookie in context.cookies()}
    visit(page, "/cases")
    expect(page).to_have_url(f"{site.url}/login?next=%2Fcases")
    expect(page.locator("header nav")).to_have_count(0)


def test_the_watchers_notice_a_csp_violation(browser: Browser, site: Site) -> None:
    """The check below is only as good as its watchers: show them catching a violation."""
    own = Traffic()
    context = own.watch(browser.new_context(base_url=site.url, viewport=VIEWPORT))
    try:
        page = context.new_page()
        visit(page, "/login")
        with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
            page.evaluate(
                """() => {
                    const s = document.createElement("script");
                    s.textContent = "document.title = 'injected'";
                    document.body.append(s);
                }"""
            )
        expect(page).not_to_have_title("injected")
    finally:
        context.close()
    assert any("Content Security Policy" in line for line in own.console), own.console


def test_pages_stay_on_their_origin_and_the_console_stays_clean(
    site: Site, new_context: NewContext, traffic: Traffic
) -> None:
    """Runs last: it covers everything the tests above made the browser do, and a tour."""
    page = sign_in(new_context(), site, "demo-supervisor")
    for path in ("/", "/cases", "/admin/audit", "/import"):
        visit(page, path)
        expect(page.locator("h1").first).to_be_visible()

    assert traffic.requests
    elsewhere = [
        url
        for url in traffic.requests
        if urlsplit(url).scheme != "http" or urlsplit(url).netloc != site.origin
    ]
    assert elsewhere == [], f"requests beyond {site.url}: {elsewhere[:10]}"
    assert traffic.page_errors == []
    assert traffic.console == []
    assert traffic.failed_subresources == []
    assert any(url.endswith("/static/app.css") for url in traffic.requests)
