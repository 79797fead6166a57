"""axe-core on the admin and supervisor screens in the states their forms lead to: a token or
a password shown once, a refused grant with its messages, every confirmation opened.

The pages as first reached are checked by test_accessibility.py with every header link.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.web.browser_support import NewContext, Site, sign_in, visit
from tests.web.test_accessibility import Checker, a11y_context, axe  # noqa: F401

pytestmark = pytest.mark.browser


def test_the_admin_screens_after_their_forms(
    site: Site,
    new_context: NewContext,
    axe: Path,  # noqa: F811
) -> None:
    checker = Checker(axe, "demo-admin")
    page = sign_in(a11y_context(new_context), site, "demo-admin")

    visit(page, "/tokens")
    page.fill("#token-name", "nightly <export>")
    page.fill("#token-days", "30")
    page.get_by_role("button", name="Make the token").click()
    expect(page.locator("#new-token")).to_have_value(re.compile(r"^nct_"))
    checker.check(page, "a new token")
    # The browser's own checks would stop the form: let the server refuse it instead.
    page.locator('form[action="/tokens"]').evaluate("f => { f.noValidate = true; }")
    page.get_by_role("button", name="Make the token").click()  # no name
    expect(page.locator("[role=alert]").first).to_be_visible()
    checker.check(page, "refused")

    visit(page, "/admin/users")
    # Not the admin's own row: a new password signs its user out everywhere.
    generate = page.locator('form[action="/admin/users/demo-analyst/password/generate"]')
    generate.evaluate("f => { f.closest('details').open = true; }")
    generate.get_by_role("button").click()
    expect(page.locator("#generated-password")).to_be_visible()
    checker.check(page, "a generated password")

    visit(page, "/access")
    page.select_option("#unit-grantee", "demo-viewer")
    page.fill("#unit-reason", "short")
    page.get_by_role("button", name="Grant the unit").click()
    expect(page.locator("#unit-reason-error")).to_be_visible()
    checker.check(page, "a refused grant")
    page.fill("#unit-reason", "covering for leave this week")
    page.get_by_role("button", name="Grant the unit").click()
    expect(page.locator("p.note")).to_have_text("Access granted.")
    checker.check(page, "a live grant")
    checker.assert_clean()


def test_the_supervisors_access_page_with_a_restriction(
    site: Site,
    new_context: NewContext,
    axe: Path,  # noqa: F811
) -> None:
    checker = Checker(axe, "demo-supervisor")
    page = sign_in(a11y_context(new_context), site, "demo-supervisor")
    visit(page, "/cases")
    first = page.locator("table.cases tbody tr a").first
    case_path = str(first.get_attribute("href"))
    visit(page, "/access")
    page.fill("#restrict-case", case_path.rsplit("/", 1)[-1])
    page.select_option("#restrict-users", ["demo-supervisor", "demo-investigator"])
    page.fill("#restrict-reason", "the accused is a colleague")
    page.get_by_role("button", name="Restrict the case").click()
    expect(page.locator("p.note")).to_be_visible()
    checker.check(page, "a restricted case")
    page.select_option("#case-grantee", "demo-analyst")
    page.fill("#case-case", "999999999")
    page.fill("#case-reason", "joint probe with Palghar")
    page.get_by_role("button", name="Grant the case").click()
    expect(page.locator("p.alert")).to_contain_text("no case")
    checker.check(page, "a case not found")

    visit(page, "/account")
    checker.check(page)
    page.fill("#account-current", "not the password")
    page.fill("#account-password", "a new long passphrase")
    page.fill("#account-confirm", "a new long passphrase")
    page.get_by_role("button", name="Change the password").click()
    expect(page.locator("#account-current-error")).to_contain_text("current password is wrong")
    checker.check(page, "refused")
    checker.assert_clean()
