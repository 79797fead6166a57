"""Formula cells: imported by their computed values; one saved without a value is a reject."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.imports import import_register
from nervecentre.imports.formulas import scan_formulas
from nervecentre.store.db import Database
from tests.imports.registers import HEADERS, cache_formula_values, row, write_xlsx

FACTS = HEADERS.index("Brief Facts")  # column R


def test_a_formula_without_a_computed_value_is_a_reject_not_an_empty_cell(
    db: Database, tmp_path: Path
) -> None:
    rows = [row(1), row(2, **{"Brief Facts": '=CONCAT("Rescued ", "2")'}), row(3)]
    rows[2]["Remarks"] = "=1+1"  # in a column the mapping does not read: no matter
    path = write_xlsx(tmp_path / "reg.xlsx", rows, headers=[*HEADERS, "Remarks"])
    report = import_register(db, path)
    assert (report.cases_created, report.rejected_rows) == (2, 1)
    [reject] = report.rejects
    assert (reject.row, reject.column, reject.value) == (
        3,
        "Brief Facts",
        '=CONCAT("Rescued ", "2")',
    )
    assert "without its computed value" in reject.reason
    assert not any("computed values" in w for w in report.warnings)  # nothing was "imported"


def test_computed_formulas_are_imported_by_their_values_and_said_so(
    db: Database, tmp_path: Path
) -> None:
    rows = [row(1), row(2, **{"Brief Facts": '=CONCAT("Rescued ", "2")'})]
    path = write_xlsx(tmp_path / "reg.xlsx", rows)
    cache_formula_values(path, {"R3": "Rescued 2"})
    report = import_register(db, path)
    assert (report.cases_created, report.rejected_rows) == (2, 0), report.rejects
    assert any("1 cell(s) with formulas" in w and "R3" in w for w in report.warnings)
    with db.session() as s:
        facts = s.scalar(select(Case.brief_facts).where(Case.fir_number == "2"))
    assert facts == "Rescued 2"


def test_the_scan_reads_the_named_sheet_and_unescapes_formulas(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "Cover"
    first["A1"] = "=1+1"
    data = wb.create_sheet("Register & more")
    data["B2"] = '=A1&"<x>"'
    data["C2"] = 5
    wb.save(tmp_path / "two.xlsx")
    assert scan_formulas(tmp_path / "two.xlsx", None).uncomputed == {1: [(0, "=1+1")]}
    found = scan_formulas(tmp_path / "two.xlsx", "Register & more")
    assert found.uncomputed == {2: [(1, '=A1&"<x>"')]}
    assert scan_formulas(tmp_path / "nothing.xlsx", None).uncomputed == {}
