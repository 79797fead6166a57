"""Re-importing a register keeps what was done by hand in nervecentre, and says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from nervecentre.cases import edit, edit_people, views
from nervecentre.cases.models import Case, CaseLink, Charge, Event
from nervecentre.cases.people import CaseRole, IdentifierUse, Person, PersonAlias
from nervecentre.imports import import_register
from nervecentre.store.db import Database
from tests.cases.editing import build_world, people_of
from tests.imports.registers import row, write_csv
from tests.security.conftest import World

CHILDREN: tuple[Any, ...] = (Charge, Event, CaseRole, IdentifierUse, CaseLink)


@pytest.fixture
def world(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return build_world(db, tmp_path, monkeypatch)


def rows_of(db: Database, case_id: int) -> dict[str, int]:
    with db.session() as s:
        return {
            m.__tablename__: s.scalar(
                select(func.count()).select_from(m).where(m.case_id == case_id)
            )
            or 0
            for m in CHILDREN
        }


def case_of(db: Database, case_id: int) -> Case:
    with db.session() as s:
        case = s.get(Case, case_id)
        assert case is not None
        s.expunge(case)
        return case


def sections(db: Database, case_id: int) -> list[tuple[str, str, bool]]:
    with db.session() as s:
        query = select(Charge.section_key, Charge.stage, Charge.imported).where(
            Charge.case_id == case_id
        )
        return sorted((k, st, bool(i)) for k, st, i in s.execute(query))


def test_hand_edits_and_additions_survive_a_reimport(world: World, tmp_path: Path) -> None:
    db, inv, case_id = world.db, world.users["inv"], world.case_a
    imported = rows_of(db, case_id)
    edit.update_case(db, inv, case_id, {"status": "charge_sheeted", "brief_facts": "Corrected."})
    edit.add_charge(db, inv, case_id, {"section": "IPC 372"})
    edit_people.add_event(db, inv, case_id, {"kind": "hearing", "at": "2024-01-05T11:00"})
    edit_people.add_identifier(db, inv, case_id, {"value": "+91 99887 76655"})
    edit_people.add_person(db, inv, case_id, {"role": "witness", "name": "Sunil Kale"})
    edit.link_cases(db, world.users["admin"], case_id, world.case_b)
    by_hand = rows_of(db, case_id)
    assert by_hand == {k: v + 1 for k, v in imported.items()}

    report = import_register(db, tmp_path / "reg.csv")  # the same register again

    # Nothing the register says has changed: unchanged, and the edits are still reported.
    assert (report.cases_created, report.cases_updated, report.kept_edits) == (0, 0, 1)
    assert report.cases_unchanged == 2
    assert any("brief_facts, status" in w and "kept" in w for w in report.warnings)
    assert rows_of(db, case_id) == by_hand  # nothing lost, nothing doubled
    case = case_of(db, case_id)
    assert (case.status, case.brief_facts) == ("charge_sheeted", "Corrected.")
    assert case.investigating_officer == "PSI R. K. Patil"
    assert views.case_detail(db, inv, case_id).edited_fields == ["brief_facts", "status"]

    # The register changes: what was not edited by hand follows it; the hand's rows stay,
    # and a charge the register now repeats is not stored twice.
    changed = {"IO": "PI S. Gaikwad", "Status": "UI", "Sections": "IPC 370, 372"}
    import_register(db, write_csv(tmp_path / "reg2.csv", [row(1, **changed)]))
    case = case_of(db, case_id)
    assert case.investigating_officer == "PI S. Gaikwad"
    assert case.status == "charge_sheeted"
    assert sections(db, case_id) == [("IPC 370", "fir", True), ("IPC 372", "fir", False)]
    assert rows_of(db, case_id)["events"] == by_hand["events"]


def test_a_case_registered_by_hand_keeps_its_values_when_the_register_lists_it(
    world: World, tmp_path: Path
) -> None:
    db, inv = world.db, world.users["inv"]
    data = {"fir_number": "9", "fir_year": "2023", "police_station_code": "Shahapur"}
    case_id = edit.create_case(
        db, inv, {**data, "fir_at": "2023-03-14T22:15", "status": "under_investigation"}
    )
    report = import_register(db, write_csv(tmp_path / "reg9.csv", [row(9, IO="PSI Other")]))
    assert (report.cases_created, report.cases_updated) == (0, 1)
    case = case_of(db, case_id)
    assert case.investigating_officer == "PSI Other"  # the form left it blank
    assert case.status == "under_investigation" and case.fir_at.hour == 22
    assert report.kept_edits == 1
    assert rows_of(db, case_id)["charges"] == 5  # the register's charges came in


def test_person_edits_and_aliases_survive(world: World, tmp_path: Path) -> None:
    db, inv = world.db, world.users["inv"]
    salim, ravi = people_of(world, world.case_a, "accused")
    edit_people.update_person(db, inv, salim, {"aliases": "Salu, Sallu Bhai"})
    edit_people.update_person(db, inv, ravi, {"name": "Ravindra Jadhav", "age": "42"})
    victim = people_of(world, world.case_a, "victim")[0]
    edit_people.update_person(db, inv, victim, {"address": "Shelter home, Thane"})

    report = import_register(db, tmp_path / "reg.csv")

    assert report.kept_edits == 3
    with db.session() as s:
        aliases = s.scalars(select(PersonAlias.alias).where(PersonAlias.person_id == salim))
        assert sorted(aliases) == ["Sallu Bhai", "Salu"]
        person = s.get(Person, ravi)
        assert person is not None and (person.name, person.age) == ("Ravindra Jadhav", 42)
        assert person.gender == "male"  # not edited: the register's
        victim_row = s.get(Person, victim)
        assert victim_row is not None and victim_row.address_enc
    from nervecentre.security.fields import cipher_for

    cipher = cipher_for(db.settings)
    at = ("persons", "address_enc", victim)
    assert cipher.decrypt(victim_row.address_enc, *at) == "Shelter home, Thane"
    assert cipher.decrypt(victim_row.name_enc, "persons", "name_enc", victim) == "Rina Das"


def test_a_plain_reimport_reports_no_kept_edits(world: World, tmp_path: Path) -> None:
    before = rows_of(world.db, world.case_a)
    report = import_register(world.db, tmp_path / "reg.csv")
    assert report.kept_edits == 0 and not any("kept" in w for w in report.warnings)
    assert rows_of(world.db, world.case_a) == before
