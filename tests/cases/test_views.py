"""Case and person pages: complete, audited, plain data, and never beyond need-to-know."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import datetime
from typing import Any

import pytest

from nervecentre.cases import edit, edit_people, person_views, views
from nervecentre.cases.people import CaseRole
from nervecentre.errors import NotFound, PermissionDenied
from nervecentre.evidence.documents import add_document, record_custody
from nervecentre.security import audit, grants
from nervecentre.store.base import Base
from tests.cases.editing import NEW_CASE, count, last_entry, people_of
from tests.cases.test_edit_people import VICTIM
from tests.security.conftest import World

REASON = "joint probe of the Boisar network"


def assert_plain(value: Any) -> None:
    """Only dataclasses, lists, dicts and scalars: nothing that could lazy-load."""
    assert not isinstance(value, Base)
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            assert_plain(getattr(value, f.name))
    elif isinstance(value, list | tuple):
        for item in value:
            assert_plain(item)
    else:
        assert value is None or isinstance(value, str | int | bool | datetime)


def as_json(value: Any) -> str:
    return json.dumps(dataclasses.asdict(value), default=str)


def test_case_detail_shows_the_whole_case_and_is_audited(world: World) -> None:
    db, inv = world.db, world.users["inv"]
    edit.add_charge(db, inv, world.case_a, {"section": "IPC 370(3)"})
    edit_people.add_event(db, inv, world.case_a, {"kind": "hearing", "at": "2023-06-01T11:30"})
    case_key = views.case_detail(db, inv, world.case_a).case_key
    doc = add_document(db, case_key, io.BytesIO(b"%PDF-1.4 fir"), "fir.pdf", actor="inv")
    record_custody(db, doc.id, "inv", "viewed", "for the charge sheet")

    detail = views.case_detail(db, inv, world.case_a, ip="10.0.0.5")

    assert_plain(detail)
    assert (detail.police_station_name, detail.district_name, detail.unit_name) == (
        "Shahapur", "Thane Rural", "Shahapur",
    )  # fmt: skip
    assert detail.status_label == "Under investigation" and detail.info_mode == "written"
    assert detail.info_mode_label == "Written complaint"
    assert detail.next_statuses == ["charge_sheeted", "final_report"]
    assert (detail.fir_at.hour, detail.fir_at.minute) == (22, 15)
    charge = next(c for c in detail.charges if c.display == "IPC 370(3)")
    assert (charge.subsection, charge.equivalent, charge.stage_label) == ("3", "BNS 143", "At FIR")
    roles = {p.role for p in detail.people}
    assert roles == {"accused", "victim", "complainant"}
    victims = [p for p in detail.people if p.role == "victim"]
    assert len(victims) == 2
    assert all(v.protected and v.shown_name == v.code and v.code.startswith("V-") for v in victims)
    salim = next(p for p in detail.people if p.shown_name.startswith("Mohd. Salim"))
    assert salim.accused_roles == ["recruiter"] and salim.accused_role_labels == ["Recruiter"]
    assert [p.role for p in detail.people][:2] == ["victim", "victim"]
    # Events in time order, time of day kept: rescue 01:45, arrests 02:30 and 11:00, hearing.
    assert [e.kind for e in detail.events] == ["rescue", "arrest", "arrest", "hearing"]
    assert [(e.at.hour, e.at.minute) for e in detail.events[:2]] == [(1, 45), (2, 30)]
    assert detail.events[1].participants == [salim.shown_name]
    kinds = {i.kind for i in detail.identifiers}
    assert {"phone", "upi", "url"} <= kinds
    # A victim's phone is contact data: listed as theirs, its value hidden until revealed.
    victim_phone = next(i for i in detail.identifiers if i.person in {v.code for v in victims})
    assert victim_phone.display == views.PROTECTED
    assert all("91234" not in i.display for i in detail.identifiers)
    assert [(s.stage, s.place) for s in detail.route] == [
        ("source", "Kolkata"), ("transit", "Pune"), ("destination", "Shahapur"),
    ]  # fmt: skip
    (document,) = detail.documents
    assert (document.filename, document.media_type, document.added_by) == (
        "fir.pdf", "application/pdf", "inv",
    )  # fmt: skip
    assert [c.action for c in document.custody] == ["added", "viewed"]
    assert detail.links == [] and detail.restricted_to is None
    # Victims only by code: their names are nowhere in what a page or the API gets.
    text = as_json(detail)
    assert "Rina" not in text and "Mou Roy" not in text
    entry = last_entry(db)
    assert (entry.action, entry.actor, entry.target_id, entry.ip) == (
        "case.view", "inv", str(world.case_a), "10.0.0.5",
    )  # fmt: skip


def test_invisible_cases_are_not_found_and_not_audited(world: World) -> None:
    entries = count(world.db, audit.AuditEntry)
    for case_id in (world.case_b, 999_999):
        with pytest.raises(NotFound, match=f"no case with id {case_id}"):
            views.case_detail(world.db, world.users["inv"], case_id)
    assert count(world.db, audit.AuditEntry) == entries


def test_linked_cases_the_user_cannot_see_are_left_out(world: World) -> None:
    db, admin, inv = world.db, world.users["admin"], world.users["inv"]
    case_c = edit.create_case(db, inv, NEW_CASE)
    edit.link_cases(db, admin, world.case_a, world.case_b, "same_accused", "Salim")
    edit.link_cases(db, inv, world.case_a, case_c, "same_network")
    edit.link_cases(db, admin, world.case_b, world.case_a, "related")
    seen = views.case_detail(db, inv, world.case_a).links
    assert [(link.id, link.kind, link.direction) for link in seen] == [
        (case_c, "same_network", "to")
    ]
    assert "MH-PAL" not in as_json(views.case_detail(db, inv, world.case_a))
    every = views.case_detail(db, admin, world.case_a).links
    assert {(link.id, link.direction) for link in every} == {
        (world.case_b, "to"), (case_c, "to"), (world.case_b, "from"),
    }  # fmt: skip
    assert next(link for link in every if link.kind == "same_accused").note == "Salim"


def test_restricted_cases_say_to_whom(world: World) -> None:
    grants.restrict_case(world.db, "test", world.case_a, ["inv", "view"], REASON)
    assert views.case_detail(world.db, world.users["inv"], world.case_a).restricted_to == [
        "inv",
        "view",
    ]
    with pytest.raises(NotFound):
        views.case_detail(world.db, world.users["sup"], world.case_a)


def _accused(world: World, user: str, case_id: int, name: str, contact: str) -> int:
    data = {"role": "accused", "name": name, "contact": contact}
    return edit_people.add_person(world.db, world.users[user], case_id, data)


def test_people_are_linked_through_shared_identifiers_within_need_to_know(world: World) -> None:
    db = world.db
    anil = _accused(world, "inv", world.case_a, "Anil Pawar", "098765-43210, anil.p@okaxis")
    chetan = _accused(world, "inv", world.case_a, "Chetan More", "anil.p@okaxis, 9876543210")
    bhau = _accused(world, "admin", world.case_b, "Bhau Shinde", "+91 98765 43210")

    mine = person_views.person_detail(db, world.users["admin"], anil)
    assert [(p.person_id, p.via, p.shared_cases) for p in mine.linked] == [
        (chetan, ["+91 98765 43210", "anil.p@okaxis"], 1),
        (bhau, ["+91 98765 43210"], 1),
    ]
    # The investigator cannot see case B, so Bhau (and that a case B exists) stays hidden.
    theirs = person_views.person_detail(db, world.users["inv"], anil, ip="10.0.0.6")
    assert [p.person_id for p in theirs.linked] == [chetan]
    assert "Bhau" not in as_json(theirs)
    entry = last_entry(db)
    assert (entry.action, entry.target_id, entry.ip) == ("person.view", str(anil), "10.0.0.6")
    grants.grant_case(db, "test", "inv", world.case_b, REASON)
    granted = person_views.person_detail(db, world.users["inv"], anil)
    assert [p.shown_name for p in granted.linked] == ["Chetan More", "Bhau Shinde"]
    assert {(i.display, i.case_id) for i in granted.identifiers} == {
        ("+91 98765 43210", world.case_a),
        ("anil.p@okaxis", world.case_a),
    }


def test_victims_are_linked_and_shown_only_by_code(world: World) -> None:
    # Rina Das appears in both imported cases with the same phone number.
    victim_a = people_of(world, world.case_a, "victim")[0]
    victim_b = people_of(world, world.case_b, "victim")[0]
    admin_view = person_views.person_detail(world.db, world.users["admin"], victim_a)
    (link,) = admin_view.linked
    assert link.person_id == victim_b and link.shown_name.startswith("V-")
    assert link.via == [views.PROTECTED]  # the shared value is the victim's contact
    inv_view = person_views.person_detail(world.db, world.users["inv"], victim_a)
    assert inv_view.linked == [] and inv_view.protected
    assert inv_view.shown_name == inv_view.code and inv_view.aliases == []
    assert inv_view.address == "" and inv_view.date_of_birth is None
    assert [r.role_label for r in inv_view.roles] == ["Victim"]
    assert "Rina" not in as_json(inv_view) and "Rina" not in as_json(admin_view)
    assert_plain(inv_view)


def test_person_roles_cover_visible_cases_only(world: World) -> None:
    anil = _accused(world, "inv", world.case_a, "Anil Pawar", "")
    edit_people.update_person(world.db, world.users["inv"], anil, {"aliases": "Anya"})
    with world.db.session() as s:
        s.add(CaseRole(case_id=world.case_b, person_id=anil, role="accused", accused_roles=""))
    inv_view = person_views.person_detail(world.db, world.users["inv"], anil)
    assert [(r.case_id, r.role) for r in inv_view.roles] == [(world.case_a, "accused")]
    assert inv_view.aliases == ["Anya"] and inv_view.shown_name == "Anil Pawar"
    admin_view = person_views.person_detail(world.db, world.users["admin"], anil)
    assert {r.case_id for r in admin_view.roles} == {world.case_a, world.case_b}
    with pytest.raises(NotFound):
        person_views.person_detail(
            world.db, world.users["inv-b"], people_of(world, world.case_a, "victim")[0]
        )
    with pytest.raises(NotFound):
        person_views.person_detail(world.db, world.users["inv"], 999_999)


def test_case_form_data_round_trips_and_is_audited_as_a_view(world: World) -> None:
    db, inv = world.db, world.users["inv"]
    case_id = edit.create_case(db, inv, NEW_CASE)
    data = views.case_form_data(db, inv, case_id)
    entries = count(db, audit.AuditEntry)
    assert (audit.tail(db, 1)[0].action, audit.tail(db, 1)[0].target_id) == (
        "case.view",
        str(case_id),
    )
    assert list(data) == list(edit.CASE_FIELDS)
    assert data["fir_at"] == "2024-03-14T22:15" and data["crime_heads"] == "HT,SEXTORTION"
    assert data["police_station_code"] == data["unit_code"] == "MH-THR-SHAHAPUR"
    assert edit.update_case(db, inv, case_id, data) == case_id
    assert count(db, audit.AuditEntry) == entries
    with pytest.raises(NotFound):
        views.case_form_data(db, inv, world.case_b)
    with pytest.raises(PermissionDenied):
        views.case_form_data(db, world.users["view"], case_id)


def test_a_victim_added_by_form_shows_only_by_code(world: World) -> None:
    person_id = edit_people.add_person(world.db, world.users["inv"], world.case_a, VICTIM)
    detail = views.case_detail(world.db, world.users["inv"], world.case_a)
    shown = next(p for p in detail.people if p.person_id == person_id)
    assert shown.protected and shown.shown_name.startswith("V-") and shown.age_band == "minor"
    assert "Sunita" not in as_json(detail)
