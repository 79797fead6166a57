"""Columns the mapping does not read are reported, never dropped without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from nervecentre.imports import import_register, load_mapping
from nervecentre.imports.columns import ColumnTally, column_letter, suggest
from nervecentre.store.db import Database
from tests.imports.registers import HEADERS, row, write_csv, write_xlsx

MAPPING = load_mapping("demo-register")


def _renamed(old: str, new: str) -> list[str]:
    return [new if h == old else h for h in HEADERS]


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_a_misnamed_column_is_reported_with_its_likely_name(
    db: Database, tmp_path: Path, writer: object
) -> None:
    rows = [{**row(n), "Victim Names": row(n)["Victims"]} for n in range(1, 6)]
    suffix = "csv" if writer is write_csv else "xlsx"
    path = writer(tmp_path / f"reg.{suffix}", rows, headers=_renamed("Victims", "Victim Names"))  # type: ignore[operator]
    report = import_register(db, path)
    assert (report.cases_created, report.rejected_rows) == (5, 0)
    [ignored] = report.ignored_columns
    assert (ignored.header, ignored.cells, ignored.suggestion) == ("Victim Names", 5, "Victims")
    assert ignored.matters
    assert ignored.message == (
        "column 'Victim Names' is not in the mapping (5 rows hold data there, not imported); "
        "did you mean 'Victims'?"
    )


def test_known_and_empty_columns_and_cells_past_the_header(db: Database, tmp_path: Path) -> None:
    headers = [*HEADERS, "Remarks", "Notes"]
    rows = [{**row(1), "Remarks": ""}, {**row(2), "Notes": "seen by SP"}]
    path = write_csv(tmp_path / "reg.csv", rows, headers=headers)
    # A cell right of the last header: data with no column name at all.
    text = path.read_text(encoding="utf-8").splitlines()
    text[1] += ",stray"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    report = import_register(db, path)
    assert report.cases_created == 2
    shown = {c.name: (c.cells, c.matters) for c in report.ignored_columns}
    # "Sr No" is listed under ignore: in the mapping; "Remarks" is empty.
    assert shown == {
        "'Remarks'": (0, False),
        "'Notes'": (1, True),
        f"column {column_letter(len(headers))} (no header)": (1, True),
    }


def test_a_register_with_every_column_mapped_reports_nothing(db: Database, tmp_path: Path) -> None:
    report = import_register(db, write_csv(tmp_path / "reg.csv", [row(1)]))
    assert report.ignored_columns == []


def test_suggestions_name_only_missing_columns() -> None:
    found = {"fir_number": 1, "police_station": 2, "fir_date": 3}
    assert suggest("Victim Names", MAPPING, found) == "Victims"
    assert suggest("accused persons", MAPPING, found) == "Accused"
    assert suggest("Brief Fact", MAPPING, found) == "Brief Facts"
    assert suggest("FIR Number", MAPPING, found) is None  # FIR No is there already
    assert suggest("Remarks", MAPPING, found) is None
    assert suggest("", MAPPING, found) is None


def test_tally_counts_only_cells_with_something() -> None:
    tally = ColumnTally.of(["FIR No", "Other", ""], {"fir_number": 0}, MAPPING)
    for cells in (["1", None, None], ["2", "x", ""], ["3", 0, "y", "z"]):
        tally.count(cells)
    assert [(c.name, c.cells) for c in tally.ignored()] == [
        ("'Other'", 2),
        ("column C (no header)", 1),
        ("column D (no header)", 1),
    ]
    assert [column_letter(n) for n in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
