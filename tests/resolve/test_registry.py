"""Resolving the registry: entities over source records, decisions that bind, need-to-know."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from nervecentre.cases.models import Case
from nervecentre.cases.people import CaseRole, Person
from nervecentre.cli.main import app
from nervecentre.errors import NotFound, PermissionDenied
from nervecentre.imports import import_register
from nervecentre.resolve.models import EntityLink, ResolutionRun
from nervecentre.resolve.registry import decide, entity_of, resolve_registry, undo
from nervecentre.security.fields import cipher_for
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv
from tests.security.conftest import UNIT_A, UNIT_B, World, make_world

SALIM_A = "Mohd. Salim Shaikh @ Salu (M/34) - +91 98765 43001"
SALIM_B = "Md Saleem Sheikh (M/35) - 09876543001"
VICTIM = "Rinki Kumari Mahato (F/16) - 9123456780"


def _world(db: Database, tmp_path: Path) -> World:
    world = make_world(db, tmp_path)
    rows = [
        row(11, Accused=SALIM_A, Victims=VICTIM, Arrests=""),
        row(
            12,
            **{"District": "Palghar", "Police Station": "Boisar"},
            Accused=SALIM_B + "; Prakash Gawade (M/52)",
            Victims=VICTIM,
            Arrests="",
        ),
    ]
    import_register(db, write_csv(tmp_path / "more.csv", rows))
    return world


def _person(db: Database, unit: str, name_starts: str, firs: tuple[str, ...] = ("11", "12")) -> int:
    with db.session() as s:
        query = (
            select(Person.id, Person.name, Person.protected)
            .join(CaseRole, CaseRole.person_id == Person.id)
            .join(Case, Case.id == CaseRole.case_id)
            .where(Case.unit_code == unit, Case.fir_number.in_(firs))
        )
        for pid, name, protected in s.execute(query):
            if (protected and name_starts == "victim") or name.startswith(name_starts):
                return int(pid)
    raise AssertionError(name_starts)


def _run(world: World) -> None:
    resolve_registry(world.db, world.user("admin"), cipher_for(world.db.settings), full=True)


def test_one_suspect_across_two_units_is_one_entity_and_sources_stay(
    db: Database, tmp_path: Path
) -> None:
    world = _world(db, tmp_path)
    with db.session() as s:
        before = [tuple(r) for r in s.execute(text("SELECT * FROM persons ORDER BY id"))]
    _run(world)
    with db.session() as s:
        after = [tuple(r) for r in s.execute(text("SELECT * FROM persons ORDER BY id"))]
    assert after == before  # resolution never edits a source record
    a, b = _person(db, UNIT_A, "Mohd"), _person(db, UNIT_B, "Md")
    entity = entity_of(db, world.user("admin"), a)
    assert {m.person_id for m in entity.members} >= {a, b}
    victim_a, victim_b = _person(db, UNIT_A, "victim"), _person(db, UNIT_B, "victim")
    # the re-trafficked victim is found across cases, and shown by code only
    victims = entity_of(db, world.user("admin"), victim_a)
    assert {m.person_id for m in victims.members} == {victim_a, victim_b}
    assert all(m.shown_name.startswith("V") for m in victims.members)
    # the stranger is not pulled in
    gawade = _person(db, UNIT_B, "Prakash")
    assert {m.person_id for m in entity_of(db, world.user("admin"), gawade).members} == {gawade}


def test_an_entity_shows_each_user_only_what_they_may_see(db: Database, tmp_path: Path) -> None:
    world = _world(db, tmp_path)
    _run(world)
    a, b = _person(db, UNIT_A, "Mohd"), _person(db, UNIT_B, "Md")
    assert b in {m.person_id for m in entity_of(db, world.user("admin"), a).members}
    seen_by_a = entity_of(db, world.user("inv"), a)
    assert a in {m.person_id for m in seen_by_a.members}
    assert b not in {m.person_id for m in seen_by_a.members}
    assert {_unit(db, case) for case in seen_by_a.case_ids} == {UNIT_A}
    with pytest.raises(NotFound):
        entity_of(db, world.user("inv"), b)
    seen_by_b = entity_of(db, world.user("inv-b"), b)
    assert a not in {m.person_id for m in seen_by_b.members}
    assert {_unit(db, case) for case in seen_by_b.case_ids} == {UNIT_B}


def _unit(db: Database, case_id: int) -> str:
    with db.session() as s:
        return str(s.scalar(select(Case.unit_code).where(Case.id == case_id)))


def test_decisions_bind_every_later_run_and_can_be_undone(db: Database, tmp_path: Path) -> None:
    world = _world(db, tmp_path)
    admin = world.user("admin")
    _run(world)
    a, b = _person(db, UNIT_A, "Mohd"), _person(db, UNIT_B, "Md")
    decision = decide(db, admin, a, b, "different", note="different fathers per the IO")
    _run(world)
    assert b not in {m.person_id for m in entity_of(db, admin, a).members}
    undo(db, admin, decision)
    _run(world)
    assert b in {m.person_id for m in entity_of(db, admin, a).members}
    gawade = _person(db, UNIT_B, "Prakash")
    decide(db, admin, a, gawade, "same")
    _run(world)
    assert gawade in {m.person_id for m in entity_of(db, admin, a).members}
    with db.session() as s:
        actions = [r[0] for r in s.execute(text("SELECT action FROM audit_log ORDER BY id"))]
    assert actions.count("resolve.decide") == 2 and "resolve.undo" in actions
    assert actions.count("resolve.run") == 4


def test_decisions_need_the_permission_and_both_records_in_sight(
    db: Database, tmp_path: Path
) -> None:
    world = _world(db, tmp_path)
    a, b = _person(db, UNIT_A, "Mohd"), _person(db, UNIT_B, "Md")
    with pytest.raises(NotFound):
        decide(db, world.user("inv"), a, b, "same")  # b is another unit's
    with pytest.raises(PermissionDenied):
        decide(db, world.user("view"), a, a + 1, "same")
    with pytest.raises(PermissionDenied):
        resolve_registry(db, world.user("inv"), cipher_for(db.settings))


def test_no_victim_name_reaches_the_disk(db: Database, tmp_path: Path) -> None:
    if db.dialect != "sqlite":
        pytest.skip("reads the SQLite file itself")
    world = _world(db, tmp_path)
    _run(world)
    db.engine.dispose()
    needle = b"Rinki"
    folder = Path(db.engine.url.database or "").parent
    for path in [*folder.rglob("*"), *tmp_path.rglob("*")]:
        if path.is_file() and not path.name.endswith(".csv"):
            assert needle not in path.read_bytes(), path


def test_an_incremental_run_keeps_the_model_and_a_full_run_retrains(
    db: Database, tmp_path: Path
) -> None:
    world = _world(db, tmp_path)
    admin = world.user("admin")
    cipher = cipher_for(db.settings)
    first = resolve_registry(db, admin, cipher, full=True)
    import_register(
        db, write_csv(tmp_path / "third.csv", [row(13, Accused=SALIM_A, Victims="", Arrests="")])
    )
    second = resolve_registry(db, admin, cipher)
    assert second.records == first.records + 2  # the suspect and the complainant
    with db.session() as s:
        models = [r.model for r in s.scalars(select(ResolutionRun).order_by(ResolutionRun.id))]
        links = {link.person_id: link.entity_id for link in s.scalars(select(EntityLink))}
    assert models[0] == models[1]  # same parameters: earlier scores do not move
    newest = _person(db, UNIT_A, "Mohd", firs=("13",))
    assert links[newest] == links[_person(db, UNIT_A, "Mohd")]
    third = resolve_registry(db, admin, cipher, full=True)
    assert third.full
    with db.session() as s:
        assert s.scalar(select(ResolutionRun.model).where(ResolutionRun.id == third.run_id))


def test_the_cli_resolves_the_registry_and_explains_a_pair(db: Database, tmp_path: Path) -> None:
    _world(db, tmp_path)
    env = {"NERVECENTRE_DATABASE_URL": db.url, "NERVECENTRE_DATA_DIR": str(db.settings.data_dir)}
    runner = CliRunner()
    result = runner.invoke(app, ["resolve", "--full", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["entities"] >= 1
    a, b = _person(db, UNIT_A, "Mohd"), _person(db, UNIT_B, "Md")
    explained = runner.invoke(app, ["resolve", "--explain", str(a), str(b), "--json"], env=env)
    assert explained.exit_code == 0, explained.output
    assert json.loads(explained.stdout)["probability"] > 0.5
