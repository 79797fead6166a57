"""An import's SQLite settings: fewer checkpoints while it runs, restored after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from nervecentre.cases import writer
from nervecentre.imports import import_register
from nervecentre.imports.sqlite_bulk import IMPORT_CHECKPOINT_PAGES
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv


def _pages(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def test_an_import_checkpoints_less_often_and_restores_the_setting(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting")
    usual = _pages(db)
    seen: list[int] = []
    original = writer.CaseWriter.write

    def noting(self: writer.CaseWriter, records: list[object]) -> None:
        seen.append(int(self.conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()))
        original(self, records)  # type: ignore[arg-type]

    monkeypatch.setattr(writer.CaseWriter, "write", noting)
    report = import_register(db, write_csv(tmp_path / "reg.csv", [row(1), row(2)]))
    assert report.cases_created == 2
    assert seen and set(seen) == {IMPORT_CHECKPOINT_PAGES}
    assert usual < IMPORT_CHECKPOINT_PAGES and _pages(db) == usual  # the pool's connection


def test_a_failed_import_restores_the_setting_too(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting")
    usual = _pages(db)

    def failing(self: writer.CaseWriter, records: list[object]) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(writer.CaseWriter, "write", failing)
    with pytest.raises(OSError, match="disk full"):
        import_register(db, write_csv(tmp_path / "reg.csv", [row(1)]))
    assert _pages(db) == usual
