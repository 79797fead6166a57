"""Editing people: victims stay encrypted and out of the audit log; aliases, roles, checks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nervecentre.cases import edit_people
from nervecentre.cases.forms import FormErrors
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person, PersonAlias
from nervecentre.errors import Conflict, InvalidValue, NotFound
from nervecentre.security import audit_verify
from nervecentre.security.models import AuditEntry
from nervecentre.security.reveal import reveal_victim
from tests.cases.editing import (
    REASON,
    assert_nowhere_in_database,
    count,
    last_entry,
    people_of,
)
from tests.security.conftest import World

# --- people ---------------------------------------------------------------------------------

WITNESS = {"role": "witness", "name": "A B"}
VICTIM = {
    "role": "victim",
    "name": "Sunita Kalekar",
    "gender": "female",
    "age": "15",
    "nationality": "in",
    "home_state": "West Bengal",
    "address": "Room 4, Shivaji Chawl, Kalyan",
    "contact": "+91 90000 11111",
}


def test_victims_are_encrypted_and_never_audited_in_clear(world: World) -> None:
    inv = world.users["inv"]
    person_id = edit_people.add_person(world.db, inv, world.case_a, VICTIM, ip="10.0.0.7")
    with world.db.session() as s:
        person = s.get(Person, person_id)
        assert person is not None
        assert person.protected and person.name == "" and person.address == ""
        assert person.code.startswith("V-") and person.shown_name == person.code
        assert person.name_enc and person.address_enc and person.contact_enc
        assert (person.age, person.age_band, person.home_state) == (15, "minor", "WB")
        assert person.nationality == "IN"
        assert s.scalar(select(CaseRole.role).where(CaseRole.person_id == person_id)) == "victim"
    entry = last_entry(world.db)
    assert (entry.action, entry.target_id) == ("person.create", str(person_id))
    assert entry.details["protected"] is True and entry.details["code"] == person.code
    assert entry.details["after"]["name"] == "(protected)"
    assert entry.details["before"]["name"] is None
    assert_nowhere_in_database(world.db, "Sunita", "Shivaji Chawl", "90000 11111", "9000011111")
    revealed = reveal_victim(world.db, inv, person_id, REASON)
    assert revealed == {
        "name": "Sunita Kalekar",
        "address": "Room 4, Shivaji Chawl, Kalyan",
        "contact": "+91 90000 11111",
    }


def test_victims_identifiers_link_by_blind_index_only(world: World) -> None:
    inv = world.users["inv"]
    first = edit_people.add_person(
        world.db, inv, world.case_a, {**VICTIM, "contact": "+91 90000 11111, c/o shelter"}
    )
    again = edit_people.add_person(
        world.db, inv, world.case_a, {**VICTIM, "name": "S. Kalekar", "contact": "090000-11111"}
    )
    with world.db.session() as s:
        rows = s.execute(
            select(IdentifierUse.person_id, Identifier.value, Identifier.display, IdentifierUse.raw)
            .join(Identifier, Identifier.id == IdentifierUse.identifier_id)
            .where(IdentifierUse.person_id.in_([first, again]))
        ).all()
    assert {r[0] for r in rows} == {first, again}
    assert len({r[1] for r in rows}) == 1  # one number, written two ways: one blind index
    assert all(r[1].startswith("protected:") and r[2] == r[3] == "" for r in rows)
    # Recorded later through the identifier form: kept in the encrypted contact, not shown.
    edit_people.add_identifier(
        world.db, inv, world.case_a, {"value": "sunita.k@okaxis", "person_id": str(first)}
    )
    assert last_entry(world.db).details["after"]["value"] == "(protected)"
    with pytest.raises(Conflict):
        edit_people.add_identifier(
            world.db, inv, world.case_a, {"value": "sunita.k@okaxis", "person_id": str(first)}
        )
    assert_nowhere_in_database(world.db, "90000 11111", "9000011111", "sunita.k")
    contact = reveal_victim(world.db, inv, first, REASON)["contact"]
    assert contact == "+91 90000 11111, c/o shelter, sunita.k@okaxis"


def test_updating_a_victim_re_encrypts_and_audits_only_that_it_changed(world: World) -> None:
    inv = world.users["inv"]
    person_id = edit_people.add_person(world.db, inv, world.case_a, VICTIM)
    change = {"name": "Sunita R. Kalekar", "address": "Flat 9, Ganesh Nagar", "age": "16"}
    assert edit_people.update_person(world.db, inv, person_id, change, ip="10.0.0.8") == person_id
    entry = last_entry(world.db)
    assert (entry.action, entry.target_id) == ("person.update", str(person_id))
    detail = entry.details
    assert detail["before"]["name"] == detail["after"]["name"] == "(protected)"
    assert detail["before"]["address"] == detail["after"]["address"] == "(protected)"
    assert "contact" not in detail["after"]
    assert (detail["before"]["age"], detail["after"]["age"]) == ("15", "16")
    assert_nowhere_in_database(world.db, "Sunita", "Ganesh Nagar", "Shivaji Chawl", "Kalekar")
    revealed = reveal_victim(world.db, inv, person_id, REASON)
    assert revealed["name"] == "Sunita R. Kalekar" and revealed["address"] == "Flat 9, Ganesh Nagar"
    assert revealed["contact"] == "+91 90000 11111"
    # The same name again is no change: no entry.
    entries = count(world.db, AuditEntry)
    edit_people.update_person(world.db, inv, person_id, {"name": "Sunita R. Kalekar"})
    assert count(world.db, AuditEntry) == entries


def test_a_victims_imported_aliases_stay_out_of_the_audit_log(world: World) -> None:
    victim = people_of(world, world.case_a, "victim")[0]
    with world.db.session() as s:
        s.add(PersonAlias(person_id=victim, alias="Rinu Dasgupta"))
    edit_people.update_person(world.db, world.users["inv"], victim, {"aliases": "", "age": "17"})
    detail = last_entry(world.db).details
    assert detail["before"]["aliases"] == detail["after"]["aliases"] == "(protected)"
    assert "Rinu" not in last_entry(world.db).detail and "Rina" not in last_entry(world.db).detail
    with world.db.session() as s:
        assert s.scalars(select(PersonAlias).where(PersonAlias.person_id == victim)).all() == []
    with pytest.raises(InvalidValue, match="unencrypted") as caught:
        edit_people.update_person(world.db, world.users["inv"], victim, {"aliases": "Rinu"})
    assert caught.value.kind == "aliases"


def test_accused_get_aliases_roles_and_contact_identifiers(world: World) -> None:
    inv = world.users["inv"]
    data = {
        "role": "accused",
        "name": "Anil  Pawar",
        "aliases": "Anya, Pappu",
        "gender": "male",
        "age": "38",
        "accused_roles": "recruiter, financier",
        "contact": "098765-43210, anil.p@okaxis",
    }
    person_id = edit_people.add_person(world.db, inv, world.case_a, data)
    with world.db.session() as s:
        person = s.get(Person, person_id)
        assert person is not None and not person.protected
        assert person.name == "Anil Pawar" and person.code.startswith("P-")
        assert person.age_band == "adult"
        aliases = s.scalars(select(PersonAlias.alias).where(PersonAlias.person_id == person_id))
        assert sorted(aliases) == ["Anya", "Pappu"]
        role = s.scalars(select(CaseRole).where(CaseRole.person_id == person_id)).one()
        assert role.accused_roles == "recruiter,financier"
        idents = s.scalars(
            select(Identifier.value)
            .join(IdentifierUse, IdentifierUse.identifier_id == Identifier.id)
            .where(IdentifierUse.person_id == person_id)
        )
        assert sorted(idents) == ["+919876543210", "anil.p@okaxis"]
    entry = last_entry(world.db)
    assert entry.details["after"]["name"] == "Anil Pawar"
    assert entry.details["after"]["identifiers"] == ["+91 98765 43210", "anil.p@okaxis"]
    edit_people.update_person(
        world.db, inv, person_id, {"name": "Anil B. Pawar", "aliases": "Pappu, Bunty"}
    )
    entry = last_entry(world.db)
    assert entry.details["before"] == {"name": "Anil Pawar", "aliases": "Anya,Pappu"}
    assert entry.details["after"] == {"name": "Anil B. Pawar", "aliases": "Pappu,Bunty"}
    with world.db.session() as s:
        aliases = s.scalars(select(PersonAlias.alias).where(PersonAlias.person_id == person_id))
        assert sorted(aliases) == ["Bunty", "Pappu"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"role": "suspect", "name": "A B"}, "role", "not a valid person role"),
        ({"role": "witness"}, "name", "Name is required"),
        ({"role": "witness", "name": "<b>A</b>"}, "name", "characters names do not have"),
        ({**WITNESS, "age": "200"}, "age", "0 to 120"),
        ({**WITNESS, "age": "16", "age_band": "adult"}, "age_band", "does not agree with the age"),
        ({**WITNESS, "gender": "x"}, "gender", "not a valid gender"),
        ({**WITNESS, "nationality": "IND"}, "nationality", "two-letter"),
        ({**WITNESS, "home_state": "Atlantis"}, "home_state", "no state"),
        ({**WITNESS, "date_of_birth": "2999-01-01"}, "date_of_birth", "out of range"),
        ({**WITNESS, "accused_roles": "recruiter"}, "accused_roles", "Only the accused"),
        ({"role": "victim", "name": "A B", "aliases": "Rinu"}, "aliases", "unencrypted"),
        ({**WITNESS, "contact": "not a phone"}, "contact", "Contact"),
    ],
)
def test_bad_person_fields_are_named(
    world: World, data: dict[str, str], field: str, message: str
) -> None:
    people = count(world.db, Person)
    with pytest.raises(InvalidValue, match=message) as caught:
        edit_people.add_person(world.db, world.users["inv"], world.case_a, data)
    assert caught.value.kind == field
    assert count(world.db, Person) == people


def test_person_updates_are_checked(world: World) -> None:
    inv = world.users["inv"]
    accused = people_of(world, world.case_a, "accused")[0]
    with pytest.raises(InvalidValue, match="identifiers") as caught:
        edit_people.update_person(world.db, inv, accused, {"contact": "9876543210"})
    assert caught.value.kind == "contact"
    with pytest.raises(InvalidValue, match="not a field here"):
        edit_people.update_person(world.db, inv, accused, {"role": "witness"})
    with pytest.raises(FormErrors) as errors:
        edit_people.update_person(world.db, inv, accused, {"name": "", "age": "-1"})
    assert set(errors.value.errors) == {"name", "age"}
    with pytest.raises(NotFound):
        edit_people.update_person(world.db, inv, 999_999, {"name": "A B"})
    assert audit_verify.verify(world.db).ok
