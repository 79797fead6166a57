"""Large and interrupted imports: 200,000 rows, and a process killed mid-import."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nervecentre.cases.models import Case, ImportBatch
from nervecentre.cases.people import Person
from nervecentre.imports import import_register
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv


def _big_register(path: Path, n: int) -> Path:
    return write_csv(path, [row(i, **{"FIR No": str(i)}) for i in range(1, n + 1)])


@pytest.mark.slow
def test_200k_row_register_imports_completely(sqlite_db: Database, tmp_path: Path) -> None:
    path = _big_register(tmp_path / "big.csv", 200_000)
    report = import_register(sqlite_db, path)
    assert report.rows_read == 200_000 and report.rejected_rows == 0
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count(Case.id))) == 200_000


def test_killed_import_keeps_whole_batches_only(sqlite_db: Database, tmp_path: Path) -> None:
    import_register(sqlite_db, write_csv(tmp_path / "first.csv", [row(1, **{"FIR No": "1"})]))
    path = _big_register(tmp_path / "big.csv", 60_000)
    env = {
        **os.environ,
        "NERVECENTRE_DATABASE_URL": sqlite_db.url,
        "NERVECENTRE_DATA_DIR": str(sqlite_db.settings.data_dir),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "nervecentre", "import", str(path), "--as-installation"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group: the kill takes its workers too
    )
    # Wait until the import is writing (the WAL grows), then kill it without warning.
    wal = Path(sqlite_db.url.removeprefix("sqlite:///") + "-wal")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not wal.exists() or wal.stat().st_size < 2_000_000):
        assert proc.poll() is None, "import finished before it could be killed"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    sqlite_db.dispose()
    with sqlite_db.session() as s:
        # Batches commit one by one: each committed case has all its people (5 a row), the
        # batch in progress left nothing, and the import is marked unfinished.
        cases = s.scalar(select(func.count(Case.id))) or 0
        assert s.scalar(select(func.count(Person.id))) == 5 * cases
        assert s.scalar(select(func.count(ImportBatch.id)).where(ImportBatch.finished_at.is_(None)))
        assert s.connection().exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
