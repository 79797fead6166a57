"""An import into an empty SQLite registry builds secondary indexes after its rows are in."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nervecentre.cases import writer
from nervecentre.imports import import_register
from nervecentre.imports.sqlite_bulk import BULK_TABLES
from nervecentre.store.db import Database
from nervecentre.store.migrate import upgrade
from tests.imports.registers import row, write_csv

_MARKS = ", ".join("?" * len(BULK_TABLES))
_INDEXES = (
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    f" AND tbl_name IN ({_MARKS}) ORDER BY name"
)


def _indexes(db: Database) -> list[tuple[str, str]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.exec_driver_sql(_INDEXES, BULK_TABLES)]  # type: ignore[misc]


def _waiting(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM deferred_indexes").scalar_one())


def _watch(
    monkeypatch: pytest.MonkeyPatch,
    seen: list[int],
    fail: BaseException | None = None,
    at: int = 1,
) -> None:
    """Note the indexes each batch finds; raise ``fail`` at the ``at``-th batch."""
    original = writer.CaseWriter.write

    def noting(self: writer.CaseWriter, records: list[object]) -> None:
        found = self.conn.exec_driver_sql(_INDEXES, BULK_TABLES).fetchall()
        seen.append(len(found))
        if fail is not None and len(seen) == at:
            raise fail
        original(self, records)  # type: ignore[arg-type]

    monkeypatch.setattr(writer.CaseWriter, "write", noting)


@pytest.fixture
def lite(db: Database) -> Database:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's bulk load (PostgreSQL writes with COPY and keeps its indexes)")
    return db


def test_into_an_empty_registry_indexes_are_built_after_the_rows(
    lite: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _indexes(lite)
    unique = {name for name, sql in before if sql.startswith("CREATE UNIQUE")}
    seen: list[int] = []
    _watch(monkeypatch, seen)
    report = import_register(lite, write_csv(tmp_path / "reg.csv", [row(1), row(2), row(3)]))
    assert report.cases_created == 3
    assert seen and set(seen) == {len(unique)}  # only unique ones while the rows went in
    assert _indexes(lite) == before and _waiting(lite) == 0
    with lite.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_into_a_registry_with_cases_indexes_stay(
    lite: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_register(lite, write_csv(tmp_path / "first.csv", [row(1)]))
    before = _indexes(lite)
    seen: list[int] = []
    _watch(monkeypatch, seen)
    report = import_register(lite, write_csv(tmp_path / "reg.csv", [row(2), row(3)]))
    assert report.cases_created == 2
    assert seen and set(seen) == {len(before)}
    assert _indexes(lite) == before


def test_an_import_that_fails_builds_them_before_it_stops(
    lite: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _indexes(lite)
    _watch(monkeypatch, [], OSError("disk full"))
    with pytest.raises(OSError, match="disk full"):
        import_register(lite, write_csv(tmp_path / "reg.csv", [row(1)]))
    assert _indexes(lite) == before and _waiting(lite) == 0


def test_a_stopped_import_leaves_them_to_the_next_import_or_upgrade(
    lite: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _indexes(lite)
    # Interrupted (as by a kill: nothing after the stop runs), its indexes wait, recorded.
    _watch(monkeypatch, [], KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        import_register(lite, write_csv(tmp_path / "reg.csv", [row(1)]))
    assert _waiting(lite) == len(before) - sum(s.startswith("CREATE UNIQUE") for _, s in before)
    assert len(_indexes(lite)) < len(before)
    monkeypatch.undo()
    upgrade(lite)
    assert _indexes(lite) == before and _waiting(lite) == 0
    # Stopped after its first batch: the next import finds cases, builds the indexes before
    # it writes, and keeps them.
    lite.settings = dataclasses.replace(lite.settings, import_batch_size=1)
    _watch(monkeypatch, [], KeyboardInterrupt(), at=2)
    with pytest.raises(KeyboardInterrupt):
        import_register(lite, write_csv(tmp_path / "reg.csv", [row(1), row(2)]))
    assert _waiting(lite) > 0
    monkeypatch.undo()
    seen: list[int] = []
    _watch(monkeypatch, seen)
    report = import_register(lite, write_csv(tmp_path / "reg.csv", [row(1), row(2)]))
    assert report.cases_created == 1 and report.cases_unchanged == 1
    assert set(seen) == {len(before)}
    assert _indexes(lite) == before and _waiting(lite) == 0
