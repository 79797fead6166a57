"""The resolution pages: the entity on the person page, the review queue, decisions and undo."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from nervecentre.cases.people import CaseRole
from nervecentre.resolve.models import Decision, ReviewPair
from nervecentre.resolve.registry import resolve_registry
from nervecentre.security import audit
from nervecentre.security.fields import cipher_for
from tests.security.conftest import World
from tests.web.resolve_support import Resolved, resolved_world

SignIn = Callable[[str], tuple[TestClient, str]]


@pytest.fixture
def resolved(world: World, tmp_path: Path) -> Resolved:
    return resolved_world(world, tmp_path)


def _decisions(world: World) -> list[Decision]:
    with world.db.session() as s:
        return list(s.scalars(select(Decision).order_by(Decision.id)))


def _entity(html: str) -> str:
    """The person page's entity section."""
    return html.split('id="entity"', 1)[1].split("</section>", 1)[0]


def _queued(world: World, a: int, b: int) -> bool:
    low, high = sorted((a, b))
    with world.db.session() as s:
        found = s.scalar(
            select(ReviewPair.id).where(ReviewPair.person_a == low, ReviewPair.person_b == high)
        )
    return found is not None


def test_the_person_page_shows_the_entity_across_units(
    resolved: Resolved, world: World, signed_in: SignIn
) -> None:
    admin, _ = signed_in("admin")
    html = admin.get(f"/people/{resolved.salim_a}").text
    entity = _entity(html)
    assert "Md Saleem Sheikh" in entity and "MH-PAL-BOISAR/2023/12" in entity
    assert "Salu" in entity and "+91 98765 43001" in entity
    assert "model: best score 0.99" in entity and "fs-rules" in entity
    assert f"/resolve/pair?a={resolved.salim_a}&amp;b={resolved.salim_b}" in entity
    # the records shown beside this one are in the audit log with the view
    views = audit.find(world.db, action="person.view", actor="admin")
    assert any(resolved.salim_b in (e.details.get("records") or []) for e in views)


def test_the_entity_hides_other_units_records_without_a_trace(
    resolved: Resolved, signed_in: SignIn
) -> None:
    inv, _ = signed_in("inv")  # unit A only
    html = inv.get(f"/people/{resolved.salim_a}").text
    assert 'id="entity"' in html
    for secret in ("Md Saleem Sheikh", "BOISAR", "Palghar", f"b={resolved.salim_b}"):
        assert secret not in html, secret
    assert inv.get(f"/people/{resolved.salim_b}").status_code == 404


def test_victims_are_shown_by_code_in_the_entity(resolved: Resolved, signed_in: SignIn) -> None:
    admin, _ = signed_in("admin")
    html = admin.get(f"/people/{resolved.victim_a}").text
    entity = _entity(html)
    assert "Rinki" not in html and "9123456780" not in html
    assert re.search(r"V-[0-9A-Z]{5}-[0-9A-Z]{5}", entity)
    assert "MH-PAL-BOISAR/2023/12" in entity  # the re-trafficking is visible, the name is not


def test_the_review_queue_lists_only_pairs_the_user_may_see(
    resolved: Resolved, signed_in: SignIn
) -> None:
    inv, _ = signed_in("inv")
    html = inv.get("/resolve/review").text
    assert "Review queue" in html and "<kbd>S</kbd> Same person" in html
    assert '<script src="/static/review.js" defer></script>' in html
    assert 'rel="next"' in html and 'table class="waterfall"' in html
    assert "Prakash Gawade" not in html  # queued with Salim, but in unit B
    admin, _ = signed_in("admin")
    everything = admin.get("/resolve/review").text
    assert "Prakash Gawade" in everything  # the most valuable pair: it joins four records
    counts = [re.search(r"of (\d+) pairs", t) for t in (html, everything)]
    assert counts[0] and counts[1] and int(counts[0][1]) < int(counts[1][1])


def test_the_waterfall_shows_each_features_bits(resolved: Resolved, signed_in: SignIn) -> None:
    admin, _ = signed_in("admin")
    page = admin.get("/resolve/pair", params={"a": resolved.salim_a, "b": resolved.salim_b})
    assert page.status_code == 200
    table = page.text.split('table class="waterfall"', 1)[1].split("</table>", 1)[0]
    for feature in ("prior", "name", "phone", "birth", "gender", "place"):
        assert f'<th scope="row">{feature}</th>' in table
    assert "a phone in common" in table and "<rect" in table
    bits = [float(b) for b in re.findall(r'<td class="num">([+-]\d+\.\d+)</td>', table)]
    assert abs(sum(bits[:-1]) - bits[-1]) < 0.02  # the steps add up to the total


def test_deciding_with_the_form_records_audits_and_moves_on(
    resolved: Resolved, world: World, signed_in: SignIn
) -> None:
    inv, csrf = signed_in("inv")
    form = {
        "csrf_token": csrf,
        "a": str(resolved.xss_a),
        "b": str(resolved.sunil_a),
        "verdict": "different",
        "note": "different fathers per the IO",
        "back": "review",
        "at": "3",
    }
    response = inv.post("/resolve/decisions", data=form)
    assert response.status_code == 303 and response.headers["location"] == "/resolve/review?at=3"
    [decision] = _decisions(world)
    assert decision.verdict == "different" and decision.note == "different fathers per the IO"
    assert not _queued(world, resolved.xss_a, resolved.sunil_a)
    assert audit.find(world.db, action="resolve.decide", actor="inv")


def test_a_decision_needs_the_csrf_token_and_the_permission(
    resolved: Resolved, world: World, signed_in: SignIn
) -> None:
    inv, _ = signed_in("inv")
    form = {"a": str(resolved.xss_a), "b": str(resolved.sunil_a), "verdict": "same"}
    assert inv.post("/resolve/decisions", data=form).status_code == 403
    assert inv.post("/resolve/decisions", data={**form, "csrf_token": "forged"}).status_code == 403
    viewer, csrf = signed_in("view")
    assert viewer.get("/resolve/review").status_code == 403
    assert viewer.get("/resolve/decisions").status_code == 403
    refused = viewer.post("/resolve/decisions", data={**form, "csrf_token": csrf})
    assert refused.status_code == 403
    assert _decisions(world) == []
    assert _queued(world, resolved.xss_a, resolved.sunil_a)


def test_a_pair_with_a_record_out_of_sight_is_not_found(
    resolved: Resolved, world: World, signed_in: SignIn
) -> None:
    inv, csrf = signed_in("inv")
    pair = {"a": resolved.salim_a, "b": resolved.gawade_b}
    assert inv.get("/resolve/pair", params=pair).status_code == 404
    form = {"csrf_token": csrf, "a": str(pair["a"]), "b": str(pair["b"]), "verdict": "same"}
    assert inv.post("/resolve/decisions", data={**form, "back": "pair"}).status_code == 404
    assert _decisions(world) == []
    both_same = {"a": resolved.salim_a, "b": resolved.salim_a}
    assert inv.get("/resolve/pair", params=both_same).status_code == 404


def test_a_bad_note_or_verdict_is_shown_and_nothing_is_recorded(
    resolved: Resolved, world: World, signed_in: SignIn
) -> None:
    inv, csrf = signed_in("inv")
    form = {
        "csrf_token": csrf,
        "a": str(resolved.xss_a),
        "b": str(resolved.sunil_a),
        "verdict": "same",
        "back": "review",
        "at": "0",
        "note": "x" * 401,
    }
    response = inv.post("/resolve/decisions", data=form)
    assert response.status_code == 422 and "at most 400 characters" in response.text
    wrong = inv.post("/resolve/decisions", data={**form, "note": "", "verdict": "maybe"})
    assert wrong.status_code == 422 and "a verdict is one of" in wrong.text
    assert _decisions(world) == []


def test_undo_from_the_history_and_from_the_person_page(
    resolved: Resolved, world: World, signed_in: SignIn
) -> None:
    admin = world.user("admin")
    inv, csrf = signed_in("inv")
    form = {"csrf_token": csrf, "a": str(resolved.salim_a), "verdict": "different"}
    member = _other_member(world, resolved)
    split = inv.post(
        "/resolve/decisions",
        data={**form, "b": str(member), "back": "person", "person": str(resolved.salim_a)},
    )
    assert split.headers["location"] == f"/people/{resolved.salim_a}"
    page = inv.get(f"/people/{resolved.salim_a}").text
    assert "Decisions the next run will apply" in page
    resolve_registry(world.db, admin, cipher_for(world.db.settings))
    page = _entity(inv.get(f"/people/{resolved.salim_a}").text)
    assert f'href="/people/{member}"' not in page  # the wrong merge is split
    [decision] = _decisions(world)
    history = inv.get("/resolve/decisions").text
    assert f'action="/resolve/decisions/{decision.id}/undo"' in history
    assert inv.post(f"/resolve/decisions/{decision.id}/undo").status_code == 403  # no CSRF
    undone = inv.post(f"/resolve/decisions/{decision.id}/undo", data={"csrf_token": csrf})
    assert undone.headers["location"] == f"/resolve/decisions?undone={decision.id}"
    history = inv.get(undone.headers["location"]).text
    assert "undone by inv" in history and f"Decision {decision.id} undone" in history
    again = inv.post(f"/resolve/decisions/{decision.id}/undo", data={"csrf_token": csrf})
    assert again.status_code == 404
    resolve_registry(world.db, admin, cipher_for(world.db.settings))
    assert f'href="/people/{member}"' in _entity(inv.get(f"/people/{resolved.salim_a}").text)
    assert audit.find(world.db, action="resolve.undo", actor="inv")


def _other_member(world: World, resolved: Resolved) -> int:
    from nervecentre.resolve.registry import entity_of

    members = entity_of(world.db, world.user("inv"), resolved.salim_a).members
    others = [m.person_id for m in members if m.person_id != resolved.salim_a]
    assert others, "Salim's unit-A records should be one entity"
    return others[0]


def test_names_with_markup_are_inert_on_every_resolution_page(
    resolved: Resolved, signed_in: SignIn
) -> None:
    admin, csrf = signed_in("admin")
    pair = {"a": resolved.xss_a, "b": resolved.sunil_a}
    pages = [
        admin.get("/resolve/review?at=0").text,
        admin.get("/resolve/pair", params=pair).text,
        admin.get(f"/people/{resolved.xss_a}").text,
    ]
    form = {"csrf_token": csrf, "a": str(pair["a"]), "b": str(pair["b"]), "verdict": "unsure"}
    admin.post("/resolve/decisions", data=form)
    pages.append(admin.get("/resolve/decisions").text)
    for html in pages:
        assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in pages[1] and "&lt;script&gt;alert" in pages[3]


def test_a_place_past_the_end_of_the_queue_shows_its_last_pair(
    resolved: Resolved, signed_in: SignIn
) -> None:
    inv, _ = signed_in("inv")
    found = re.search(r"of (\d+) pairs", inv.get("/resolve/review").text)
    assert found
    last = inv.get("/resolve/review", params={"at": 999}).text
    assert f"Pair <b>{found[1]}</b> of" in last and 'rel="next"' not in last
    assert inv.get("/resolve/review", params={"at": -1}).status_code == 422


def test_with_nothing_queued_the_page_says_so(world: World, signed_in: SignIn) -> None:
    inv, _ = signed_in("inv")
    page = inv.get("/resolve/review")
    assert page.status_code == 200 and "Nothing to review" in page.text
    with world.db.session() as s:
        person = s.scalar(select(CaseRole.person_id).where(CaseRole.case_id == world.case_a))
    assert 'id="entity"' not in inv.get(f"/people/{person}").text  # never resolved


def test_a_bad_return_address_is_refused_before_anything_is_recorded(
    resolved: Resolved, world: World, signed_in: SignIn
) -> None:
    inv, csrf = signed_in("inv")
    form = {
        "csrf_token": csrf,
        "a": str(resolved.xss_a),
        "b": str(resolved.sunil_a),
        "verdict": "same",
        "back": "person",
        "person": "//evil.example/",
    }
    assert inv.post("/resolve/decisions", data=form).status_code == 422
    assert _decisions(world) == []


def test_a_victims_pair_shows_codes_and_no_contact(resolved: Resolved, signed_in: SignIn) -> None:
    admin, _ = signed_in("admin")
    page = admin.get("/resolve/pair", params={"a": resolved.victim_a, "b": resolved.victim_b})
    assert page.status_code == 200
    assert "Rinki" not in page.text and "9123456780" not in page.text
    assert page.text.count("protected (reveal on the person page)") == 2
    assert "a phone in common" in page.text  # the evidence is explained, the phone is not shown
