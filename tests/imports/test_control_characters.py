"""The importer refuses control characters in a register's text, as the forms and API do."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from nervecentre.cases.models import Case
from nervecentre.imports import import_register
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv


def test_control_characters_reject_the_row_and_name_the_column(
    db: Database, tmp_path: Path
) -> None:
    rows = [
        row(1, **{"Brief Facts": "facts\x1b[2Jhidden"}),
        row(2, **{"Place of Occurrence": "Lodge\x7f"}),
        row(3, Accused="Ravi\x1b Jadhav (M/30)"),
        row(4, **{"Brief Facts": "Two paragraphs.\n\tThe second."}),
    ]
    report = import_register(db, write_csv(tmp_path / "register.csv", rows))
    assert report.cases_created == 1 and report.rejected_rows == 3
    columns = sorted(r.column for r in report.rejects)
    assert columns == ["Accused", "Brief Facts", "Place of Occurrence"]
    assert all("control characters" in r.reason for r in report.rejects)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1
        assert s.scalar(select(Case.brief_facts)) == "Two paragraphs.\n\tThe second."
