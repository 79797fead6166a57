"""Editing cases: validation per field, permissions, need-to-know, audit; charges, events, links."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nervecentre.cases import edit, edit_people
from nervecentre.cases.forms import FormErrors
from nervecentre.cases.models import Case, CaseLink, Charge, Event, EventParticipant
from nervecentre.cases.people import Identifier, IdentifierUse
from nervecentre.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from nervecentre.security import audit, audit_verify, grants, users
from nervecentre.security.models import AuditEntry
from nervecentre.store.db import Database
from tests.cases.editing import (
    NEW_CASE,
    count,
    last_entry,
    people_of,
)
from tests.security.conftest import UNIT_A, UNIT_B, World

# --- cases ----------------------------------------------------------------------------------


def test_create_case_stores_every_field_and_audits_it(world: World) -> None:
    inv = world.users["inv"]
    case_id = edit.create_case(world.db, inv, NEW_CASE, ip="10.0.0.7")
    with world.db.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        assert case.case_key == "MH-THR-SHAHAPUR/2024/77"
        assert (case.district_code, case.unit_code) == ("MH-THR", "MH-THR-SHAHAPUR")
        assert case.fir_at.hour == 22 and case.fir_at.minute == 15
        assert case.info_received_at is not None and case.info_received_at.hour == 21
        assert case.crime_heads == "HT,SEXTORTION" and case.info_mode == "written"
    entry = last_entry(world.db)
    assert (entry.action, entry.actor, entry.target_id, entry.ip) == (
        "case.create", "inv", str(case_id), "10.0.0.7",
    )  # fmt: skip
    detail = entry.details
    assert detail["case_key"] == "MH-THR-SHAHAPUR/2024/77"
    assert detail["before"]["fir_at"] is None and detail["after"]["fir_at"] == "2024-03-14T22:15"
    assert detail["after"]["unit_code"] == "MH-THR-SHAHAPUR"
    # Defaults: the unit is the station, the status 'registered', the year the FIR date's.
    minimal = {"fir_number": "78", "police_station_code": "MH-THR-SHAHAPUR", "fir_at": "2024-01-02"}
    with world.db.session() as s:
        other = s.get(Case, edit.create_case(world.db, inv, minimal))
        assert other is not None
        assert (other.fir_year, other.status, other.unit_code) == (2024, "registered", UNIT_A)
    assert audit_verify.verify(world.db).ok


def test_create_case_into_an_ahtu_of_the_users_own(world: World, db: Database) -> None:
    users.set_units(db, "inv", [UNIT_A, "MH-THR-AHTU"], actor="test")
    inv = world.user("inv")
    case_id = edit.create_case(db, inv, {**NEW_CASE, "unit_code": "Thane Rural AHTU"})
    with db.session() as s:
        assert s.scalar(select(Case.unit_code).where(Case.id == case_id)) == "MH-THR-AHTU"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("fir_at", "2999-01-01T10:00", "FIR date is in the future"),
        ("fir_at", "14/03/2024 22:15", "is not a date and time"),
        ("fir_at", "", "FIR date is required"),
        ("fir_number", "", "FIR number is required"),
        ("fir_number", "12 / 34 / 56", "not an FIR number"),
        ("fir_number", "77/2023", "names the year 2023"),
        ("fir_year", "1800", "FIR year '1800' is not a whole number"),
        ("fir_year", "2023", "does not agree with the FIR date"),
        ("police_station_code", "Nowhere", "no police unit called 'Nowhere'"),
        ("police_station_code", "MH-THR-AHTU", "not a police station"),
        ("unit_code", "MH-NOWHERE", "no police unit"),
        ("info_received_at", "2024-03-15 09:00", "Information received is after the FIR"),
        ("info_mode", "pigeon", "not a valid info mode"),
        ("occurred_to", "2024-03-01 10:00", "Occurrence ends before it starts"),
        ("occurrence_place", "x" * 401, "at most 400"),
        ("brief_facts", "facts\x00hidden", "control characters"),
        ("crime_heads", "HT, XYZ", "unknown crime head 'XYZ'"),
        ("status", "closed", "not a valid case status"),
        ("csrf_token", "abc", "not a field here"),
    ],
)
def test_each_bad_field_is_named(world: World, field: str, value: str, message: str) -> None:
    before = count(world.db, Case)
    with pytest.raises(InvalidValue, match=message) as caught:
        edit.create_case(world.db, world.users["inv"], {**NEW_CASE, field: value})
    assert not isinstance(caught.value, FormErrors)
    assert caught.value.kind == field
    assert count(world.db, Case) == before


def test_several_bad_fields_are_reported_together(world: World) -> None:
    bad = {**NEW_CASE, "fir_at": "2999-01-01 10:00", "status": "closed", "info_mode": "pigeon"}
    entries = count(world.db, AuditEntry)
    with pytest.raises(FormErrors) as caught:
        edit.create_case(world.db, world.users["inv"], bad)
    errors = caught.value.errors
    assert set(errors) == {"fir_at", "status", "info_mode"}
    assert errors["fir_at"] == "FIR date is in the future"
    assert isinstance(caught.value, InvalidValue) and "3 fields" in str(caught.value)
    assert "FIR date is in the future" in str(caught.value)
    assert count(world.db, AuditEntry) == entries


def test_roles_without_edit_rights_are_refused(world: World) -> None:
    for name in ("view", "ana"):
        user = world.users[name]
        with pytest.raises(PermissionDenied, match=r"case\.create"):
            edit.create_case(world.db, user, NEW_CASE)
        with pytest.raises(PermissionDenied, match=r"case\.edit"):
            edit.update_case(world.db, user, world.case_a, {"brief_facts": "x"})
        with pytest.raises(PermissionDenied):
            edit.add_charge(world.db, user, world.case_a, {"section": "IPC 370"})
        person = people_of(world, world.case_a, "accused")[0]
        with pytest.raises(PermissionDenied, match=r"person\.edit"):
            edit_people.update_person(world.db, user, person, {"name": "Someone Else"})


def test_other_units_cases_are_not_found_for_editing(world: World) -> None:
    inv = world.users["inv"]
    person_b = people_of(world, world.case_b, "accused")[0]
    calls = [
        lambda: edit.update_case(world.db, inv, world.case_b, {"brief_facts": "x"}),
        lambda: edit.add_charge(world.db, inv, world.case_b, {"section": "IPC 370"}),
        lambda: edit_people.add_event(
            world.db, inv, world.case_b, {"kind": "raid", "at": "2023-05-01"}
        ),
        lambda: edit_people.add_identifier(world.db, inv, world.case_b, {"value": "9876543210"}),
        lambda: edit_people.add_person(
            world.db, inv, world.case_b, {"role": "witness", "name": "A B"}
        ),
        lambda: edit_people.update_person(world.db, inv, person_b, {"name": "A B"}),
        lambda: edit.link_cases(world.db, inv, world.case_a, world.case_b),
        lambda: edit.update_case(world.db, inv, 999_999, {"brief_facts": "x"}),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            call()


def test_cases_are_registered_only_in_the_users_units(world: World) -> None:
    boisar = {**NEW_CASE, "police_station_code": "Boisar"}
    with pytest.raises(PermissionDenied, match="MH-PAL-BOISAR"):
        edit.create_case(world.db, world.users["inv"], boisar)
    with pytest.raises(PermissionDenied, match="own: MH-THR-SHAHAPUR"):
        edit.update_case(world.db, world.users["inv"], world.case_a, {"unit_code": UNIT_B})
    grants.grant_unit(world.db, "test", "inv", UNIT_B, "covering for leave in Boisar")
    assert edit.create_case(world.db, world.users["inv"], boisar)
    assert edit.create_case(world.db, world.users["admin"], {**boisar, "fir_number": "9"})


def test_duplicate_fir_is_a_conflict(world: World) -> None:
    # Case A was imported as FIR 1/2023 of Shahapur; leading zeros are the same number.
    again = {**NEW_CASE, "fir_number": "0001/2023", "fir_year": "", "fir_at": "2023-03-14 22:15"}
    for field in ("info_received_at", "occurred_from", "occurred_to"):
        again[field] = ""
    with pytest.raises(Conflict, match="already registered"):
        edit.create_case(world.db, world.users["inv"], again)
    other = edit.create_case(world.db, world.users["inv"], NEW_CASE)
    with pytest.raises(Conflict):
        edit.update_case(world.db, world.users["inv"], other, {"fir_number": "1", **again})


def test_cases_are_registered_only_at_the_stations_of_the_users_units(world: World) -> None:
    inv, before = world.users["inv"], count(world.db, Case)
    # Case B is FIR 2/2023 of Boisar: probing it and a free number get the same refusal.
    for number in ("2", "4711"):
        probe = {**NEW_CASE, "fir_number": number, "fir_year": "2023", "fir_at": "2023-03-14"}
        for field in ("info_received_at", "occurred_from", "occurred_to"):
            probe[field] = ""
        with pytest.raises(PermissionDenied) as refused:
            edit.create_case(world.db, inv, {**probe, "police_station_code": "Boisar",
                                             "unit_code": UNIT_A})  # fmt: skip
        assert str(refused.value) == (
            "inv may register cases only at the police stations of their own or granted units"
            " (own: MH-THR-SHAHAPUR); not at MH-PAL-BOISAR"
        )
    with pytest.raises(PermissionDenied, match="not at MH-PAL-BOISAR"):
        edit.update_case(world.db, inv, world.case_a, {"police_station_code": "Boisar"})
    assert count(world.db, Case) == before
    # A district unit (an AHTU) registers at its district's stations, and only there.
    users.set_units(world.db, "inv", ["MH-THR-AHTU"], actor="test")
    ahtu = world.user("inv")
    assert edit.create_case(world.db, ahtu, {**NEW_CASE, "unit_code": "MH-THR-AHTU"})
    with pytest.raises(PermissionDenied, match="not at MH-PAL-BOISAR"):
        edit.create_case(world.db, ahtu, {**NEW_CASE, "police_station_code": "Boisar",
                                          "unit_code": "MH-THR-AHTU"})  # fmt: skip
    # A granted unit's station is allowed, as for the unit itself.
    grants.grant_unit(world.db, "test", "inv", UNIT_B, "covering for leave in Boisar")
    assert edit.create_case(world.db, ahtu, {**NEW_CASE, "police_station_code": "Boisar",
                                             "unit_code": "MH-THR-AHTU"})  # fmt: skip


def test_a_duplicate_fir_in_a_case_the_user_cannot_see_is_not_revealed(world: World) -> None:
    # Case A (FIR 1/2023 of Shahapur) belongs to Shahapur; an AHTU member may register at
    # Shahapur but cannot see case A: the refusal names no case and does not confirm it.
    users.set_units(world.db, "inv-b", ["MH-THR-AHTU"], actor="test")
    ahtu = world.user("inv-b")
    again = {**NEW_CASE, "fir_number": "1", "fir_year": "2023", "fir_at": "2023-03-14 22:15",
             "unit_code": "MH-THR-AHTU"}  # fmt: skip
    for field in ("info_received_at", "occurred_from", "occurred_to"):
        again[field] = ""
    with pytest.raises(Conflict) as hidden:
        edit.create_case(world.db, ahtu, again)
    assert str(hidden.value) == (
        "FIR 1/2023 of Shahapur cannot be registered: check its number and year, or ask an"
        " administrator"
    )
    with pytest.raises(Conflict) as seen:
        edit.create_case(world.db, world.users["inv"], again | {"unit_code": ""})
    assert (
        str(seen.value)
        == "FIR 1/2023 of Shahapur is already registered: case MH-THR-SHAHAPUR/2023/1"
    )


def test_update_changes_only_the_fields_sent(world: World) -> None:
    inv = world.users["inv"]
    before = edit.case_form_data(world.db, world.users["admin"], world.case_a)
    edit.update_case(world.db, inv, world.case_a, {"brief_facts": "Updated facts."}, ip="10.1.1.1")
    after = edit.case_form_data(world.db, world.users["admin"], world.case_a)
    assert after == {**before, "brief_facts": "Updated facts."}
    entry = audit.find(world.db, action="case.update", limit=1)[0]  # (the form read is newer)
    assert (entry.action, entry.target_id) == ("case.update", str(world.case_a))
    assert entry.details["before"] == {"brief_facts": before["brief_facts"]}
    assert entry.details["after"] == {"brief_facts": "Updated facts."}
    # Sending the same values back changes nothing and writes no entry.
    entries = count(world.db, AuditEntry)
    assert edit.update_case(world.db, inv, world.case_a, after) == world.case_a
    assert count(world.db, AuditEntry) == entries


def test_cross_field_problems_go_on_the_field_sent(world: World) -> None:
    inv = world.users["inv"]
    # Case A's information came at 21:40 on 14/03/2023; moving the FIR earlier is the problem.
    with pytest.raises(InvalidValue, match="Information received is after") as caught:
        edit.update_case(world.db, inv, world.case_a, {"fir_at": "2023-03-14 20:00"})
    assert caught.value.kind == "fir_at"
    with pytest.raises(InvalidValue, match="does not agree") as caught:
        edit.update_case(world.db, inv, world.case_a, {"fir_at": "2024-03-14 23:00"})
    assert caught.value.kind == "fir_at"


def test_status_follows_the_lifecycle(world: World) -> None:
    inv = world.users["inv"]
    assert _case(world, world.case_a).status == "under_investigation"
    with pytest.raises(InvalidValue, match="cannot go from Under investigation to Convicted") as e:
        edit.update_case(world.db, inv, world.case_a, {"status": "convicted"})
    assert e.value.kind == "status" and "Charge-sheeted" in str(e.value)
    for step in ("charge_sheeted", "trial", "convicted"):
        edit.update_case(world.db, inv, world.case_a, {"status": step})
    assert _case(world, world.case_a).status == "convicted"
    with pytest.raises(InvalidValue, match=r"none \(final\)"):
        edit.update_case(world.db, inv, world.case_a, {"status": "trial"})
    with pytest.raises(InvalidValue, match="Status is required"):
        edit.update_case(world.db, inv, world.case_a, {"status": ""})


def test_markup_and_sql_are_stored_verbatim(world: World) -> None:
    nasty = {
        "brief_facts": "<script>alert('x')</script>\nline two",
        "occurrence_place": "'; DROP TABLE cases; --",
        "investigating_officer": '"><img src=x onerror=alert(1)>',
    }
    case_id = edit.create_case(world.db, world.users["inv"], {**NEW_CASE, **nasty})
    values = edit.case_form_data(world.db, world.users["admin"], case_id)
    assert {k: values[k] for k in nasty} == nasty
    assert count(world.db, Case) == 3
    event = edit_people.add_event(
        world.db, world.users["inv"], case_id,
        {"kind": "raid", "at": "2024-03-15 02:00", "place": nasty["occurrence_place"],
         "description": nasty["brief_facts"]},
    )  # fmt: skip
    with world.db.session() as s:
        stored = s.get(Event, event)
        assert stored is not None and stored.description == nasty["brief_facts"]


def _case(world: World, case_id: int) -> Case:
    with world.db.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        return case


# --- charges, events, identifiers, links --------------------------------------------------


def test_charges_fill_the_equivalent_and_are_audited(world: World) -> None:
    inv = world.users["inv"]
    first = edit.add_charge(world.db, inv, world.case_a, {"section": "IPC 370(3)"})
    entry = last_entry(world.db)
    assert entry.action == "case.update" and entry.details["change"] == "charge.add"
    assert entry.details["before"]["charge"] is None
    assert entry.details["after"]["charge"] == "IPC 370(3) (At FIR)"
    second = edit.add_charge(
        world.db, inv, world.case_a, {"section": "bns 143", "stage": "charge_sheet"}
    )
    # A bare number takes the penal code in force when the offence began (2023: IPC).
    third = edit.add_charge(world.db, inv, world.case_a, {"section": "372"})
    with world.db.session() as s:
        rows = {
            c.id: c for c in s.scalars(select(Charge).where(Charge.id.in_([first, second, third])))
        }
    assert (rows[first].law, rows[first].section, rows[first].subsection) == ("IPC", "370", "3")
    assert rows[first].section_key == "IPC 370" and rows[first].equivalent == "BNS 143"
    assert (rows[second].stage, rows[second].equivalent) == ("charge_sheet", "IPC 370")
    assert rows[third].section_key == "IPC 372"
    with pytest.raises(Conflict, match="already charged"):
        edit.add_charge(world.db, inv, world.case_a, {"section": "IPC 370(3)", "stage": "fir"})
    edit.remove_charge(world.db, inv, world.case_a, first)
    entry = last_entry(world.db)
    assert entry.details["change"] == "charge.remove"
    assert entry.details["before"]["charge"] == "IPC 370(3) (At FIR)"
    assert entry.details["after"]["charge"] is None
    with world.db.session() as s:
        assert s.get(Charge, first) is None
    with pytest.raises(NotFound):
        edit.remove_charge(world.db, inv, world.case_a, first)
    with world.db.session() as s:
        charge_b = s.scalars(select(Charge.id).where(Charge.case_id == world.case_b)).first()
    assert charge_b is not None
    with pytest.raises(NotFound):
        edit.remove_charge(world.db, inv, world.case_a, charge_b)


def test_bad_charges_name_their_field(world: World) -> None:
    inv = world.users["inv"]
    with pytest.raises(InvalidValue, match="IPC 9999 is not in") as caught:
        edit.add_charge(world.db, inv, world.case_a, {"section": "IPC 9999"})
    assert caught.value.kind == "section"
    with pytest.raises(InvalidValue, match="not a valid charge stage") as caught:
        edit.add_charge(world.db, inv, world.case_a, {"section": "IPC 370", "stage": "appeal"})
    assert caught.value.kind == "stage"
    with pytest.raises(FormErrors) as errors:
        edit.add_charge(world.db, inv, world.case_a, {"section": "", "stage": "appeal"})
    assert set(errors.value.errors) == {"section", "stage"}


def test_events_keep_the_time_of_day_and_their_people(world: World) -> None:
    inv = world.users["inv"]
    accused = people_of(world, world.case_a, "accused")
    data = {
        "kind": "arrest",
        "at": "2023-03-16T04:45",
        "place": "Kasara station",
        "description": "Arrested on the platform",
        "person_ids": ",".join(map(str, accused)),
    }
    event_id = edit_people.add_event(world.db, inv, world.case_a, data)
    with world.db.session() as s:
        event = s.get(Event, event_id)
        assert event is not None and (event.occurred_at.hour, event.occurred_at.minute) == (4, 45)
        query = select(EventParticipant.person_id).where(EventParticipant.event_id == event_id)
        assert sorted(s.scalars(query)) == accused
    entry = last_entry(world.db)
    assert entry.details["change"] == "event.add" and entry.details["after"]["kind"] == "arrest"
    assert len(entry.details["after"]["participants"]) == 2
    # Hearings may be scheduled ahead; arrests cannot lie in the future.
    assert edit_people.add_event(
        world.db, inv, world.case_a, {"kind": "hearing", "at": "2999-01-05"}
    )
    with pytest.raises(InvalidValue, match="in the future") as caught:
        edit_people.add_event(world.db, inv, world.case_a, {"kind": "arrest", "at": "2999-01-05"})
    assert caught.value.kind == "at"
    outsider = people_of(world, world.case_b, "accused")[0]
    with pytest.raises(InvalidValue, match="has no part") as caught:
        edit_people.add_event(
            world.db, inv, world.case_a,
            {"kind": "raid", "at": "2023-04-01", "person_ids": str(outsider)},
        )  # fmt: skip
    assert caught.value.kind == "person_ids"
    with pytest.raises(FormErrors) as errors:
        edit_people.add_event(world.db, inv, world.case_a, {"kind": "party", "person_ids": "x"})
    assert set(errors.value.errors) == {"kind", "at", "person_ids"}


def test_identifiers_are_normalised_to_one_row(world: World) -> None:
    inv, admin = world.users["inv"], world.users["admin"]
    first = edit_people.add_identifier(world.db, inv, world.case_a, {"value": "098765-43210"})
    entry = last_entry(world.db)
    assert entry.details["change"] == "identifier.add"
    assert entry.details["after"] == {"kind": "phone", "value": "+91 98765 43210"}
    assert entry.details["before"]["value"] is None
    accused_b = people_of(world, world.case_b, "accused")[0]
    data = {"kind": "phone", "value": "+91 98765 43210", "person_id": str(accused_b)}
    assert edit_people.add_identifier(world.db, admin, world.case_b, data) == first
    with world.db.session() as s:
        assert s.scalar(select(Identifier.value).where(Identifier.id == first)) == "+919876543210"
        uses = s.scalars(select(IdentifierUse).where(IdentifierUse.identifier_id == first)).all()
        assert {(u.case_id, u.person_id) for u in uses} == {
            (world.case_a, None),
            (world.case_b, accused_b),
        }
    with pytest.raises(Conflict, match="already recorded"):
        edit_people.add_identifier(world.db, inv, world.case_a, {"value": "+919876543210"})
    assert edit_people.add_identifier(world.db, inv, world.case_a, {"value": "upi:ravi.j@okaxis"})


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"value": "not an identifier at all"}, "value", "does not look like"),
        ({"value": ""}, "value", "Value is required"),
        ({"kind": "phone", "value": "12"}, "value", "phone"),
        ({"kind": "fax", "value": "9876543210"}, "kind", "not a kind of identifier"),
        ({"value": "9876543210", "person_id": "abc"}, "person_id", "whole number"),
        ({"value": "9876543210", "person_id": "999999"}, "person_id", "has no part"),
    ],
)
def test_bad_identifiers_name_their_field(
    world: World, data: dict[str, str], field: str, message: str
) -> None:
    with pytest.raises(InvalidValue, match=message) as caught:
        edit_people.add_identifier(world.db, world.users["inv"], world.case_a, data)
    assert caught.value.kind == field


def test_linking_cases_needs_both_visible(world: World) -> None:
    admin, inv = world.users["admin"], world.users["inv"]
    link = edit.link_cases(world.db, admin, world.case_a, world.case_b, "same_accused", "Salim")
    entry = last_entry(world.db)
    assert (entry.action, entry.target_id) == ("case.link", str(world.case_a))
    assert entry.details["after"]["note"] == "Salim" and entry.details["before"]["note"] is None
    with world.db.session() as s:
        row = s.get(CaseLink, link)
        assert row is not None and (row.other_case_id, row.kind) == (world.case_b, "same_accused")
    with pytest.raises(Conflict):
        edit.link_cases(world.db, admin, world.case_a, world.case_b, "same_accused")
    with pytest.raises(NotFound):
        edit.link_cases(world.db, inv, world.case_a, world.case_b)
    with pytest.raises(InvalidValue, match="itself") as caught:
        edit.link_cases(world.db, inv, world.case_a, world.case_a)
    assert caught.value.kind == "other_case_id"
    with pytest.raises(InvalidValue) as caught:
        edit.link_cases(world.db, admin, world.case_a, world.case_b, "cousin")
    assert caught.value.kind == "kind"
