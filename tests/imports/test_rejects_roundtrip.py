"""A rejects file is fixed and imported again: it gives what the original register would have."""

from __future__ import annotations

import csv
from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.cases.people import IdentifierUse
from nervecentre.exports.safety import neutralise, restore
from nervecentre.imports import import_register
from nervecentre.imports.readers import REJECTS_COLUMNS
from nervecentre.store.db import Database
from tests.imports.registers import HEADERS, row, write_csv, write_xlsx

HOSTILE = '@SUM(1+1)*cmd|" /C calc"!A0'


def _fix(path: Path, column: str, value: str) -> list[list[str]]:
    """Correct one column in every row of a rejects file, as a clerk would, and save it."""
    with path.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    at = lines[0].index(column)
    for line in lines[1:]:
        line[at] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(lines)
    return lines


def _stored(db: Database, number: str) -> tuple[str, str, list[str]]:
    with db.session() as s:
        case = s.scalars(select(Case).where(Case.fir_number == number)).one()
        raws = s.scalars(select(IdentifierUse.raw).where(IdentifierUse.case_id == case.id))
        return case.brief_facts, case.occurrence_place, sorted(raws)


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_a_fixed_rejects_file_imports_as_the_original_would(
    db: Database, tmp_path: Path, writer: object
) -> None:
    original = row(
        1,
        **{
            "Brief Facts": HOSTILE,
            "Place of Occurrence": "-",
            "Identifiers": "+91 98200 11223",
        },
    )
    suffix = "csv" if writer is write_csv else "xlsx"
    broken = writer(tmp_path / f"reg.{suffix}", [{**original, "FIR Date": "31/02/2023"}])  # type: ignore[operator]
    report = import_register(db, broken)
    assert report.rejected_rows == 1 and report.rejects_file is not None
    lines = _fix(report.rejects_file, "FIR Date", "14/03/2023")
    # The guard still protects whoever opens the file in a spreadsheet.
    assert lines[0] == [*REJECTS_COLUMNS, *HEADERS]
    assert {"'" + HOSTILE, "'-", "'+91 98200 11223"} <= set(lines[1])

    again = import_register(db, report.rejects_file)
    assert (again.cases_created, again.rejected_rows) == (1, 0), again.rejects
    assert again.ignored_columns == []  # the file's own columns are not "unknown"
    fixed = _stored(db, "1")

    reference = import_register(db, write_csv(tmp_path / "right.csv", [original]))
    assert reference.rejected_rows == 0
    assert fixed == _stored(db, "1")
    assert fixed[0] == HOSTILE and fixed[1] == "-"  # never our quote
    assert "+91 98200 11223" in fixed[2]


def test_rejects_of_a_rejects_file_keep_its_layout(db: Database, tmp_path: Path) -> None:
    first = import_register(db, write_csv(tmp_path / "reg.csv", [row(1, **{"Status": "??"})]))
    assert first.rejects_file is not None
    second = import_register(db, first.rejects_file, rejects_path=tmp_path / "again.csv")
    assert second.rejected_rows == 1
    with (tmp_path / "again.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == [*REJECTS_COLUMNS, *HEADERS]


def test_the_rejects_table_shows_the_cell_as_it_was(db: Database, tmp_path: Path) -> None:
    rows = [row(10), row(10, Status="CS"), row(11, **{"FIR No": "11/2019"})]
    report = import_register(db, write_csv(tmp_path / "reg.csv", rows))
    shown = {(r.row, r.column, r.value) for r in report.rejects}
    assert (3, "FIR No", "10/2023") in shown  # the same FIR as row 2
    assert (4, "FIR No", "11/2019") in shown  # its year disagrees


def test_spreadsheet_dates_and_times_come_back_under_any_mapping(
    db: Database, tmp_path: Path
) -> None:
    typed = row(
        1,
        **{
            "FIR Date": date(2023, 3, 14),
            "FIR Time": time(22, 15, 30),
            "Info Received": datetime(2023, 3, 14, 21, 40, 5),
            "Status": "??",
        },
    )
    report = import_register(db, write_xlsx(tmp_path / "reg.xlsx", [typed]))
    assert report.rejects_file is not None
    _fix(report.rejects_file, "Status", "UI")
    mapping = tmp_path / "us.yaml"
    yaml_text = Path(__file__).parents[2] / "nervecentre/imports/mappings/demo-register.yaml"
    mapping.write_text(
        yaml_text.read_text(encoding="utf-8")
        .replace(
            'date_formats: ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"]',
            'date_formats: ["%m/%d/%Y"]',
        )
        .replace(
            'time_formats: ["%H:%M", "%H.%M", "%I:%M %p", "%H:%M:%S"]', 'time_formats: ["%I:%M %p"]'
        ),
        encoding="utf-8",
    )
    # Another mapping reads this file's text dates month first: the spreadsheet's own dates,
    # written as YYYY-MM-DD, still read back the same.
    _fix(report.rejects_file, "Occurrence From", "")
    _fix(report.rejects_file, "Occurrence To", "")
    _fix(report.rejects_file, "Arrests", "")
    _fix(report.rejects_file, "Rescue", "")
    again = import_register(db, report.rejects_file, mapping=str(mapping))
    assert again.rejected_rows == 0, again.rejects
    with db.session() as s:
        case = s.scalars(select(Case)).one()
        assert case.fir_at == datetime(2023, 3, 14, 22, 15, 30)
        assert case.info_received_at == datetime(2023, 3, 14, 21, 40, 5)


@pytest.mark.parametrize(
    "text",
    ["plain", "", "=1+2", "+91 98200 11223", "-", "@x", "\tx", "'", "'x", "'=x", "''=x", "''"],
)
def test_the_guard_is_undone_exactly(text: str) -> None:
    quoted = neutralise(text)
    assert isinstance(quoted, str)
    assert not quoted.startswith(("=", "+", "-", "@", "\t"))
    assert restore(quoted) == text
