"""Migrations: the schema Alembic builds is exactly the one the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from nervecentre.cases import vocab
from nervecentre.cases.models import District, Unit
from nervecentre.store.db import Database
from nervecentre.store.migrate import current_revision, head_revision, include_name
from nervecentre.store.schema import metadata


def test_migrated_schema_matches_models(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, metadata)
    assert diff == []
    assert current_revision(db) == head_revision(db)


def test_upgrade_is_repeatable_and_loads_reference_data(db: Database) -> None:
    db.upgrade()
    db.upgrade()
    with db.session() as s:
        districts = s.scalars(select(District.code)).all()
        units = s.scalars(select(Unit)).all()
    assert len(districts) >= 9
    kinds = {u.kind for u in units}
    assert {"police_station", "ahtu", "cyber_cell"} <= kinds <= set(vocab.codes("unit_kind"))
    assert all(u.district_code in districts for u in units)


def test_sqlite_runs_with_wal_and_foreign_keys(sqlite_db: Database) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
