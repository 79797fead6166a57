"""Dates that read either way (03/07/2023) are judged by the dates around them, not guessed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.imports import import_register
from nervecentre.imports.cells import day_month_order
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv

NO_OTHER_DATES = {
    "Info Received": "",
    "Occurrence From": "",
    "Occurrence To": "",
    "Arrests": "",
    "Rescue": "",
}


def _rows(*fir_dates: str, **other: Any) -> list[dict[str, Any]]:
    return [
        row(n, **{**NO_OTHER_DATES, "FIR Date": day, **other})
        for n, day in enumerate(fir_dates, start=1)
    ]


def _fir_dates(db: Database) -> dict[str, str]:
    with db.session() as s:
        return {n: f"{at:%Y-%m-%d}" for n, at in s.execute(select(Case.fir_number, Case.fir_at))}


def test_a_date_read_either_way_in_a_month_first_column_is_refused(
    db: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "us.csv", _rows("03/27/2023", "03/07/2023", "14/03/2023"))
    report = import_register(db, path)
    by_row = {r.row: r for r in report.rejects}
    assert set(by_row) == {2, 3}
    assert "reads only month first" in by_row[2].reason
    assert by_row[3].value == "03/07/2023"
    assert "run month first (row 2: 03/27/2023)" in by_row[3].reason
    assert _fir_dates(db) == {"3": "2023-03-14"}  # never 3 July


def test_a_date_read_before_the_evidence_is_reported(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "us.csv", _rows("03/07/2023", "03/27/2023"))
    report = import_register(db, path)
    assert [r.row for r in report.rejects] == [3]
    [warning] = [w for w in report.warnings if w.startswith("FIR Date")]
    assert "read day first" in warning and "run month first (row 3: 03/27/2023)" in warning
    assert "check rows 2 (03/07/2023)" in warning


def test_day_first_evidence_anywhere_settles_a_column(db: Database, tmp_path: Path) -> None:
    rows = _rows("03/07/2023", "04/08/2023", **{"Info Received": "01/01/2023 10:00"})
    rows[0]["Occurrence From"] = "25/12/2022 10:00"  # only day first: the register's order
    report = import_register(db, write_csv(tmp_path / "in.csv", rows))
    assert (report.cases_created, report.rejected_rows) == (2, 0), report.rejects
    assert not [w for w in report.warnings if "day first" in w]
    assert _fir_dates(db) == {"1": "2023-07-03", "2": "2023-08-04"}


def test_a_register_that_never_says_is_reported(db: Database, tmp_path: Path) -> None:
    report = import_register(db, write_csv(tmp_path / "in.csv", _rows("03/07/2023", "05/06/2023")))
    assert report.cases_created == 2
    [warning] = [w for w in report.warnings if w.startswith("FIR Date")]
    assert "2 date(s)" in warning and "no date in the register can be read only one way" in warning


def test_orders_of_single_cells() -> None:
    assert [day_month_order(c) for c in ("14/03/2023", "03/14/2023", "03/04/2023")] == [
        "d",
        "m",
        "?",
    ]
    assert day_month_order("2023-03-04") == day_month_order("04/04/2023") == ""
    assert day_month_order("31.12.2023 10:00") == "d"
