"""CSV registers as they come: any common delimiter, UTF-8 or UTF-16, with or without a mark."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.errors import InputFileError
from nervecentre.imports import import_register, load_mapping
from nervecentre.imports.readers import open_register
from nervecentre.imports.run import count_rows
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv

PLACE = "Café Sâi, Thāne"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_found(db: Database, tmp_path: Path, delimiter: str) -> None:
    rows = [row(1, **{"Place of Occurrence": PLACE}), row(2)]
    path = write_csv(tmp_path / "reg.csv", rows, delimiter=delimiter)
    report = import_register(db, path)
    assert (report.cases_created, report.rejected_rows) == (2, 0), report.rejects
    with db.session() as s:
        assert s.scalar(select(Case.occurrence_place).where(Case.fir_number == "1")) == PLACE


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_unicode_encodings_are_recognised(db: Database, tmp_path: Path, encoding: str) -> None:
    rows = [row(1, **{"Place of Occurrence": PLACE})]
    path = write_csv(tmp_path / "reg.csv", rows, encoding=encoding, delimiter="\t")
    report = import_register(db, path)
    assert report.cases_created == 1, report.rejects
    with db.session() as s:
        assert s.scalar(select(Case.occurrence_place)) == PLACE


def test_a_semicolon_file_with_commas_in_its_cells(db: Database, tmp_path: Path) -> None:
    # Commas abound in the cells (sections, route): they must not win over the semicolons.
    path = write_csv(tmp_path / "reg.csv", [row(n) for n in range(1, 4)], delimiter=";")
    assert import_register(db, path).cases_created == 3


def test_binary_is_still_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "reg.csv"
    path.write_bytes(b"\x00\x01\x02\x03binary\x00\xff" * 50)
    with pytest.raises(InputFileError, match="binary"):
        import_register(db, path)


def test_progress_totals_count_data_rows_not_lines(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "reg.csv", [row(n) for n in range(1, 8)])
    register = open_register(path, load_mapping("demo-register"))
    assert register.total_rows == 7 == count_rows(path)
    path.write_bytes(path.read_bytes().rstrip(b"\r\n"))  # no line break after the last row
    assert open_register(path, load_mapping("demo-register")).total_rows == 7
