"""Entity resolution in a real Chromium: screenshots, axe-core, ten pairs reviewed with the
keyboard, the same without JavaScript, and a wrong merge split and the split undone.

The module serves its own copy of the demo site and resolves its registry once, before the
first test; the tests run in file order (the screenshots first, before any decision).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from nervecentre.resolve.models import Decision, EntityLink
from nervecentre.resolve.registry import entity_of, resolve_registry
from nervecentre.security import users
from nervecentre.security.fields import cipher_for
from nervecentre.store.db import Database
from tests.web.browser_support import NewContext, Site, sign_in, visit
from tests.web.test_accessibility import Checker, a11y_context, axe  # noqa: F401 (fixture)
from tests.web.test_screenshots import BASELINES, OUTPUT, UPDATE, difference, shoot

pytestmark = pytest.mark.browser

REVIEWER = "demo-investigator"
SHOTS = ("entity", "review-queue")


@pytest.fixture(scope="module")
def resolved(site: Site) -> Site:
    """The module's site with its registry resolved (a run as the CLI makes it)."""
    resolve_registry(site.db, "cli:test", cipher_for(site.db.settings), full=True)
    return site


def _run(db: Database) -> None:
    resolve_registry(db, "cli:test", cipher_for(db.settings))


def _merged_record(db: Database) -> tuple[int, int]:
    """(record, another record of its entity) that the reviewer may both see."""
    user = users.get_user(db, REVIEWER)
    size = func.count(EntityLink.person_id)
    with db.session() as s:
        entities = s.scalars(
            select(EntityLink.entity_id)
            .group_by(EntityLink.entity_id)
            .having(size.between(2, 5))
            .order_by(size.desc(), EntityLink.entity_id)
        ).all()
    for entity in entities:
        try:
            members = [m.person_id for m in entity_of(db, user, entity).members]
        except Exception:
            continue
        if len(members) >= 2:
            return members[0], members[1]
    raise AssertionError("no entity of two records in the reviewer's units")


def _pair_shown(page: Page) -> tuple[str, str]:
    a = page.locator("#rec-A a").get_attribute("href") or ""
    b = page.locator("#rec-B a").get_attribute("href") or ""
    return a, b


def _decisions(db: Database) -> list[tuple[int, int, str]]:
    with db.session() as s:
        rows = s.execute(
            select(Decision.person_a, Decision.person_b, Decision.verdict).order_by(Decision.id)
        )
        return [(a, b, v) for a, b, v in rows]


def test_the_resolution_pages_look_like_their_screenshots(
    resolved: Site, new_context: NewContext
) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    record, _other = _merged_record(resolved.db)
    page = sign_in(new_context(), resolved, REVIEWER)
    visit(page, f"/people/{record}")
    expect(page.locator("#entity table.entity tbody tr").nth(1)).to_be_visible()
    shots = [shoot(page, "entity")]
    visit(page, "/resolve/review")
    expect(page.locator("table.waterfall")).to_be_visible()
    shots.append(shoot(page, "review-queue"))
    assert [s.stem for s in shots] == list(SHOTS)
    if UPDATE:
        for shot in shots:
            shutil.copyfile(shot, BASELINES / shot.name)
        return
    problems = [p for p in (difference(s, BASELINES / s.name) for s in shots) if p]
    assert problems == [], "\n".join(problems)


def test_the_resolution_pages_pass_axe(
    axe: Path,  # noqa: F811
    resolved: Site,
    new_context: NewContext,
) -> None:
    record, other = _merged_record(resolved.db)
    checker = Checker(axe, REVIEWER)
    page = sign_in(a11y_context(new_context), resolved, REVIEWER)
    for path in (
        f"/people/{record}",
        "/resolve/review",
        f"/resolve/pair?a={record}&b={other}",
        "/resolve/decisions",
    ):
        checker.visit(page, path)
    visit(page, "/resolve/review")
    page.evaluate("document.querySelector('textarea[name=note]').removeAttribute('maxlength')")
    page.fill("textarea[name=note]", "x" * 401)
    page.get_by_role("button", name="Same person").click()
    expect(page.locator("small.error")).to_contain_text("400")
    checker.check(page, "with an error")
    checker.assert_clean()


def test_ten_pairs_reviewed_with_the_keyboard(resolved: Site, new_context: NewContext) -> None:
    page = sign_in(new_context(), resolved, REVIEWER)
    visit(page, "/resolve/review")
    expect(page.locator("#key-help")).to_contain_text("S")
    first = _pair_shown(page)
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(r"/resolve/review\?at=1$"))
    assert _pair_shown(page) != first
    page.keyboard.press("k")
    expect(page).to_have_url(re.compile(r"/resolve/review\?at=0$"))
    assert _pair_shown(page) == first
    # Typing a note does not trigger the keys; the note goes with the decision.
    page.locator("textarea[name=note]").fill("same phone, dsn")
    page.locator("textarea[name=note]").press("s")
    expect(page.locator("textarea[name=note]")).to_have_value("same phone, dsns")
    before = len(_decisions(resolved.db))
    page.locator("textarea[name=note]").blur()
    seen = set()
    for key in "sdnsdnsdns":
        shown = _pair_shown(page)
        assert shown not in seen  # each decision moves on to a pair not decided yet
        seen.add(shown)
        with page.expect_navigation():
            page.keyboard.press(key)
        expect(page.locator("#rec-A")).to_be_visible()
    made = _decisions(resolved.db)[before:]
    assert len(made) == 10
    assert [v for *_, v in made] == ["same", "different", "unsure"] * 3 + ["same"]
    with resolved.db.session() as s:
        note = s.scalar(select(Decision.note).order_by(Decision.id).offset(before).limit(1))
    assert note == "same phone, dsns"


def test_the_review_works_without_javascript(resolved: Site, new_context: NewContext) -> None:
    page = sign_in(new_context(java_script_enabled=False), resolved, REVIEWER)
    visit(page, "/resolve/review?at=2")
    shown = _pair_shown(page)
    before = len(_decisions(resolved.db))
    page.get_by_role("button", name="Not sure").click()
    expect(page).to_have_url(re.compile(r"/resolve/review\?at=2$"))
    assert _pair_shown(page) != shown
    assert _decisions(resolved.db)[before:][0][2] == "unsure"


def test_a_wrong_merge_is_split_and_the_split_undone(
    resolved: Site, new_context: NewContext
) -> None:
    record, other = _merged_record(resolved.db)
    page = sign_in(new_context(), resolved, REVIEWER)
    visit(page, f"/people/{record}")
    entity = page.locator("#entity")
    expect(entity.locator(f'a[href="/people/{other}"]')).to_be_visible()
    row = entity.locator("tr", has=page.locator(f'a[href="/people/{other}"]'))
    row.get_by_role("button", name=re.compile("Not the same person")).click()
    expect(page).to_have_url(re.compile(rf"/people/{record}$"))
    expect(entity).to_contain_text("Decisions the next run will apply")
    _run(resolved.db)
    visit(page, f"/people/{record}")
    expect(entity.locator(f'a[href="/people/{other}"]')).to_have_count(0)
    visit(page, "/resolve/decisions")
    undo = page.locator("table.decisions tbody tr").first.get_by_role(
        "button", name=re.compile("Undo")
    )
    undo.click()
    expect(page.locator("p.note[role=status]")).to_contain_text("undone")
    expect(page.locator("table.decisions tbody tr").first).to_contain_text("undone by")
    _run(resolved.db)
    visit(page, f"/people/{record}")
    expect(entity.locator(f'a[href="/people/{other}"]')).to_be_visible()
