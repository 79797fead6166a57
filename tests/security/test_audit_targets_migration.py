"""Migration 0012 ties the entries already written to their cases, as appends do now."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import select, text

from nervecentre.security import audit, audit_verify
from nervecentre.security.models import AuditHead, AuditTarget
from nervecentre.store.db import Database
from nervecentre.store.migrate import alembic_config, upgrade
from tests.security.conftest import make_world


def _targets(db: Database) -> set[tuple[int, int]]:
    with db.session() as s:
        return {(t.entry_id, t.case_id) for t in s.scalars(select(AuditTarget))}


def test_the_migration_back_fills_what_appends_write_and_starts_time_order_after(
    db: Database, tmp_path: Path, fast_hashing: None
) -> None:
    world = make_world(db, tmp_path)
    with db.session() as s:
        person = s.execute(text("SELECT person_id FROM case_roles WHERE case_id = :c"),
                           {"c": world.case_a}).scalars().first()  # fmt: skip
    audit.record(db, "inv", "case.view", "case", world.case_a)
    audit.record(db, "inv", "person.view", "person", person)
    audit.record(db, "inv", "case.link", "case", world.case_a, {"other_case_id": world.case_b})
    audit.record(db, "inv", "victim.reveal", "person", person, {"cases": [world.case_a]})
    audit.record(db, "inv", "search", "case", None, {"query": {"q": "x"}})
    audit.record(db, "inv", "user.update", "user", "12345")
    written = _targets(db)
    assert len({e for e, _ in written}) >= 4  # the entries about cases and people
    config = alembic_config(db)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0011_kept_answers")
    upgrade(db)
    assert _targets(db) == written
    with db.session() as s:
        head = s.execute(select(AuditHead.last_id, AuditHead.ordered_from)).one()
    assert head.ordered_from == head.last_id + 1
    assert audit_verify.verify(db).ok
