"""Forms: CSRF on every change, validation messages next to the fields, changes audited."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from nervecentre.security import audit
from tests.security.conftest import World

VICTIMS = ("Rina Das", "Mou Roy")  # the two victims of the test register's rows
SignedIn = Callable[[str], tuple[TestClient, str]]


def test_changes_without_csrf_are_refused(signed_in: SignedIn, world: World) -> None:
    client, _ = signed_in("inv")
    for path, data in [
        (f"/cases/{world.case_a}/edit", {"investigating_officer": "X"}),
        (f"/cases/{world.case_a}/charges", {"section": "BNS 143"}),
        ("/cases/new", {"fir_number": "1"}),
        ("/logout", {}),
    ]:
        assert client.post(path, data=data).status_code == 403, path
        assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 403


def test_api_with_a_session_cookie_needs_the_csrf_header(signed_in: SignedIn, world: World) -> None:
    client, csrf = signed_in("inv")
    body = {"investigating_officer": "PI Cookie"}
    assert client.patch(f"/api/cases/{world.case_a}", json=body).status_code == 403
    ok = client.patch(f"/api/cases/{world.case_a}", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200, ok.text


def test_edit_case_form_saves_and_audits(signed_in: SignedIn, world: World) -> None:
    client, csrf = signed_in("inv")
    form = client.get(f"/cases/{world.case_a}/edit")
    assert form.status_code == 200 and "Save changes" in form.text
    response = client.post(
        f"/cases/{world.case_a}/edit",
        data={"csrf_token": csrf, "investigating_officer": "PI Sunita Kale"},
    )
    assert response.status_code == 303
    page = client.get(f"/cases/{world.case_a}").text
    assert "PI Sunita Kale" in page
    assert "Edited in nervecentre: investigating officer." in page  # re-imports keep it
    entry = audit.find(world.db, action="case.update", target_id=world.case_a)[0]
    assert entry.actor == "inv"
    assert "PI Sunita Kale" in entry.detail


def test_bad_input_shows_the_message_next_to_the_field(signed_in: SignedIn, world: World) -> None:
    client, csrf = signed_in("inv")
    response = client.post(
        f"/cases/{world.case_a}/charges", data={"csrf_token": csrf, "section": "XYZ 99999"}
    )
    assert response.status_code == 422
    assert 'class="error"' in response.text and "XYZ 99999" in response.text
    response = client.post(
        "/cases/new",
        data={"csrf_token": csrf, "fir_number": "", "fir_year": "20x5", "fir_at": "yesterday"},
    )
    assert response.status_code == 422
    assert response.text.count('class="error"') >= 2
    assert 'value="20x5"' in response.text  # what was typed is kept


def test_register_an_fir_through_the_form(signed_in: SignedIn, world: World) -> None:
    client, csrf = signed_in("inv")
    data = {
        "csrf_token": csrf,
        "fir_number": "501",
        "fir_year": "2025",
        "police_station_code": "MH-THR-SHAHAPUR",
        "fir_at": "2025-02-03T11:20",
        "brief_facts": "Synthetic test FIR.",
        "crime_heads": "HT",
    }
    response = client.post("/cases/new", data=data)
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    assert "FIR 501/2025" in page.text
    again = client.post("/cases/new", data=data)
    assert again.status_code == 422 and "already" in again.text.lower()


def test_add_event_with_time_of_day(signed_in: SignedIn, world: World) -> None:
    client, csrf = signed_in("inv")
    response = client.post(
        f"/cases/{world.case_a}/events",
        data={"csrf_token": csrf, "kind": "raid", "at": "2023-03-21T04:35", "place": "Kasara"},
    )
    assert response.status_code == 303, response.text
    page = client.get(f"/cases/{world.case_a}").text
    assert "04:35" in page and "Kasara" in page


def test_viewer_cannot_reveal_and_investigator_can(signed_in: SignedIn, world: World) -> None:
    from sqlalchemy import select

    from nervecentre.cases.people import CaseRole

    with world.db.session() as s:
        victim = s.scalars(
            select(CaseRole.person_id).where(
                CaseRole.case_id == world.case_a, CaseRole.role == "victim"
            )
        ).first()
    viewer, vcsrf = signed_in("view")
    page = viewer.get(f"/people/{victim}")
    assert page.status_code == 200 and "may not reveal" in page.text
    assert not any(name in page.text for name in VICTIMS)
    refused = viewer.post(
        f"/people/{victim}/reveal", data={"csrf_token": vcsrf, "reason": "x" * 20}
    )
    assert refused.status_code == 403
    assert not any(name in refused.text for name in VICTIMS)
    inv, csrf = signed_in("inv")
    short = inv.post(f"/people/{victim}/reveal", data={"csrf_token": csrf, "reason": "why"})
    assert short.status_code == 422
    assert not any(name in short.text for name in VICTIMS)
    shown = inv.post(
        f"/people/{victim}/reveal", data={"csrf_token": csrf, "reason": "recording statement"}
    )
    assert shown.status_code == 200
    assert any(name in shown.text for name in VICTIMS)
    entry = audit.find(world.db, action="victim.reveal")[0]
    assert entry.actor == "inv"
    assert not any(name in entry.detail for name in VICTIMS)
