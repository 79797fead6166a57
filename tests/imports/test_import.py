"""Spreadsheet import: good rows stored, bad rows reported, nothing lost or duplicated."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import func, select

from nervecentre.cases.models import Case, Charge, Event, ImportBatch, RouteStop
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person, PersonAlias
from nervecentre.errors import InputFileError
from nervecentre.imports import import_register
from nervecentre.security.fields import cipher_for
from nervecentre.store.db import Database
from tests.imports.registers import HEADERS, row, write_csv, write_xlsx


def count(db: Database, model: type) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_valid_rows_become_cases_with_everything_attached(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "reg.csv", [row(1), row(2)])
    report = import_register(db, path)
    assert (report.rows_read, report.cases_created, report.rejected_rows) == (2, 2, 0)
    with db.session() as s:
        case = s.scalars(select(Case).where(Case.fir_number == "1")).one()
        assert case.fir_year == 2023 and case.status == "under_investigation"
        assert case.fir_at.hour == 22 and case.fir_at.minute == 15
        assert case.info_mode == "written"
        keys = {c.section_key for c in case.charges}
        assert {"IPC 370", "IPC 370A", "ITPA 3", "ITPA 4", "ITPA 5"} == keys
        ipc370 = next(c for c in case.charges if c.section_key == "IPC 370")
        assert "BNS 143" in ipc370.equivalent
        assert [r.stage for r in case.route] == ["source", "transit", "destination"]
        assert case.route[0].state == "WB"
        kinds = sorted(e.kind for e in case.events)
        assert kinds == ["arrest", "arrest", "rescue"]
        roles = s.execute(
            select(CaseRole.role, func.count())
            .where(CaseRole.case_id == case.id)
            .group_by(CaseRole.role)
        ).all()
        assert dict(roles) == {"accused": 2, "victim": 2, "complainant": 1}
        salim = s.scalars(select(Person).where(Person.name == "Mohd. Salim Shaikh")).first()
        assert salim is not None and [a.alias for a in salim.aliases] == ["Salu"]
        phones = s.scalars(select(Identifier.value).where(Identifier.kind == "phone")).all()
        assert "+919876543001" in phones


def test_victims_are_encrypted_and_pseudonymous(db: Database, tmp_path: Path) -> None:
    import_register(db, write_csv(tmp_path / "reg.csv", [row(1)]))
    with db.session() as s:
        victims = s.scalars(select(Person).where(Person.protected.is_(True))).all()
        assert len(victims) == 2
        for v in victims:
            assert v.name == "" and v.name_enc and b"Rina" not in v.name_enc
            assert v.code.startswith("V-") and v.shown_name == v.code
    raw = Path(db.url.removeprefix("sqlite:///")).read_bytes() if db.dialect == "sqlite" else b""
    assert b"Rina Das" not in raw


def test_victims_contacts_and_aliases_are_encrypted_not_identifiers(
    db: Database, tmp_path: Path
) -> None:
    victims = "Rina Das @ Rinu (F/16) - 9123456780, rina.d@okaxis; Mou Roy (F/19)"
    import_register(db, write_csv(tmp_path / "reg.csv", [row(1, Victims=victims)]))
    with db.session() as s:
        values = set(s.scalars(select(Identifier.value)))
        aliases = set(s.scalars(select(PersonAlias.alias)))
        rina = next(
            p
            for p in s.scalars(select(Person).where(Person.protected.is_(True)))
            if cipher_for(db.settings)
            .decrypt(p.name_enc, "persons", "name_enc", p.id)
            .startswith("Rina")
        )
        used = s.execute(
            select(Identifier.kind, Identifier.value, Identifier.display, IdentifierUse.raw)
            .join(IdentifierUse, IdentifierUse.identifier_id == Identifier.id)
            .where(IdentifierUse.person_id == rina.id)
        ).all()
    assert "+919123456780" not in values and "rina.d@okaxis" not in values
    assert "Rinu" not in aliases
    # A keyed blind index stands in for each, so the same victim still links across cases.
    assert sorted(kind for kind, *_ in used) == ["phone", "upi"]
    assert all(v.startswith("protected:") and d == r == "" for _, v, d, r in used)
    cipher = cipher_for(db.settings)
    assert cipher.decrypt(rina.name_enc, "persons", "name_enc", rina.id) == "Rina Das @ Rinu"
    contact = cipher.decrypt(rina.contact_enc, "persons", "contact_enc", rina.id)
    assert contact == "9123456780, rina.d@okaxis"
    assert "+919876543001" in values  # the accused's phones are identifiers as before


def test_reimport_updates_instead_of_duplicating(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "reg.csv", [row(1), row(2), row(3)])
    first = import_register(db, path)
    counts = [
        count(db, m)
        for m in (Case, Person, Identifier, IdentifierUse, Charge, Event, RouteStop, CaseRole)
    ]
    second = import_register(db, path)
    assert (first.cases_created, second.cases_created, second.cases_updated) == (3, 0, 0)
    assert second.cases_unchanged == 3
    assert counts == [
        count(db, m)
        for m in (Case, Person, Identifier, IdentifierUse, Charge, Event, RouteStop, CaseRole)
    ]
    changed = write_csv(tmp_path / "reg2.csv", [row(1, Status="CS", Sections="IPC 370")])
    import_register(db, changed)
    with db.session() as s:
        case = s.scalars(select(Case).where(Case.fir_number == "1")).one()
        assert case.status == "charge_sheeted"
        assert [c.section_key for c in case.charges] == ["IPC 370"]
    assert count(db, Case) == 3


@pytest.mark.parametrize(
    ("override", "column", "reason_part"),
    [
        ({"FIR Date": "31/02/2023"}, "FIR Date", "not a valid date"),
        ({"FIR Date": "14/03/2999"}, "FIR Date", "out of range"),
        ({"Police Station": "Atlantis"}, "Police Station", "Atlantis"),
        ({"Police Station": "'; DROP TABLE cases; --"}, "Police Station", "DROP"),
        ({"Sections": "IPC 9999"}, "Sections", "9999"),
        ({"FIR No": ""}, "FIR No", "missing"),
        ({"Status": "Pending??"}, "Status", "status"),
        ({"Accused": "Ravi (M/abc)"}, "Accused", "age"),
        ({"Accused": "Ravi - 98765"}, "Accused", "phone"),
        ({"FIR No": "5/2022"}, "FIR No", "FIR year"),
        ({"Arrests": "Nobody Known 15/03/2023 02:30"}, "Arrests", "not among the accused"),
        ({"Info Received": "15/03/2023 23:00"}, "Info Received", "after the FIR"),
    ],
)
def test_bad_rows_are_rejected_with_row_column_value_reason(
    db: Database, tmp_path: Path, override: dict[str, str], column: str, reason_part: str
) -> None:
    path = write_csv(tmp_path / "reg.csv", [row(1), row(2, **override), row(3)])
    report = import_register(db, path)
    assert (report.cases_created, report.rejected_rows) == (2, 1)
    rejects = [r for r in report.rejects if r.row == 3]
    assert rejects, report.rejects
    assert any(
        r.column == column and reason_part.lower() in (r.reason + r.value).lower() for r in rejects
    ), rejects
    assert count(db, Case) == 2
    with report.rejects_file.open(encoding="utf-8") as handle:  # type: ignore[union-attr]
        lines = list(csv.reader(handle))
    assert lines[0][:2] == ["row", "problems"] and lines[1][0] == "3"
    assert len(lines) == 2


def test_duplicate_rows_in_one_file_are_rejected_not_stored_twice(
    db: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "reg.csv", [row(1), row(1), row(1, Status="CS")])
    report = import_register(db, path)
    assert (report.cases_created, report.rejected_rows) == (1, 2)
    assert "duplicate of row 2" in report.rejects[0].reason
    assert "already in row 2" in report.rejects[1].reason
    assert count(db, Case) == 1


def test_dry_run_writes_nothing(db: Database, tmp_path: Path) -> None:
    report = import_register(db, write_csv(tmp_path / "reg.csv", [row(1), row(2)]), dry_run=True)
    assert report.cases_created == 2 and report.dry_run
    assert count(db, Case) == 0 and count(db, Person) == 0


def test_wrong_columns_are_refused_with_what_was_found(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("Name,Amount\nRavi,10\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"required columns not found.*Name"):
        import_register(db, path)
    assert count(db, Case) == 0


@pytest.mark.parametrize("content", [b"", b"\n\n\n", b"\x00\x01\x02binary\x00"])
def test_empty_and_binary_files_are_refused(db: Database, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "reg.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=r"empty|binary"):
        import_register(db, path)


def test_fake_spreadsheet_is_refused(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "reg.xlsx"
    path.write_bytes(b"this is not a spreadsheet")
    with pytest.raises(InputFileError, match=r"not one|not a readable"):
        import_register(db, path)


def test_non_utf8_csv_gets_a_clear_error_and_works_with_encoding(
    db: Database, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "reg.csv", [row(1, **{"Place of Occurrence": "Café Sâi"})], encoding="cp1252"
    )
    with pytest.raises(InputFileError, match=r"not valid utf-8.*--encoding"):
        import_register(db, path)
    assert count(db, Case) == 0
    report = import_register(db, path, encoding="cp1252")
    assert report.cases_created == 1
    with db.session() as s:
        assert s.scalar(select(Case.occurrence_place)) == "Café Sâi"


def test_xlsx_register_with_merged_cells_and_formulas(db: Database, tmp_path: Path) -> None:
    rows = [row(1), row(2), row(3)]
    rows[2]["Brief Facts"] = '=HYPERLINK("http://evil.example","click")'
    path = write_xlsx(tmp_path / "reg.xlsx", rows, merge="C3:C4")
    report = import_register(db, path)
    assert report.cases_created == 2 and report.rejected_rows == 1
    assert report.rejects[0].row == 4 and "merged" in report.rejects[0].reason
    assert any("merged" in w for w in report.warnings)
    # openpyxl computes no formula: the cell is refused by name, not imported as empty.
    assert any(r.row == 4 and r.value.startswith("=HYPERLINK") for r in report.rejects)


def test_hostile_text_is_stored_verbatim_and_neutralised_in_rejects(
    db: Database, tmp_path: Path
) -> None:
    xss = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    path = write_csv(
        tmp_path / "reg.csv",
        [
            row(1, **{"Brief Facts": xss}),
            row(2, **{"FIR Date": "bad", "Place of Occurrence": "=cmd|' /C calc'!A0"}),
        ],
    )
    report = import_register(db, path)
    assert report.cases_created == 1
    with db.session() as s:
        assert s.scalar(select(Case.brief_facts)) == xss
    text = report.rejects_file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    assert "'=cmd|" in text and ",=cmd" not in text


def test_header_not_on_first_row_is_found(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "reg.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["Thane Rural Police - FIR register 2023"])
        out.writerow([])
        out.writerow(HEADERS)
        out.writerow([row(1)[h] for h in HEADERS])
    report = import_register(db, path)
    assert report.cases_created == 1 and report.rejected_rows == 0


def test_failed_import_keeps_whole_batches_says_so_and_a_rerun_finishes_it(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_register(db, write_csv(tmp_path / "a.csv", [row(1)]))
    from nervecentre.cases import writer

    calls = {"n": 0}
    original = writer.CaseWriter.write

    def failing(self: writer.CaseWriter, records: list[object]) -> None:
        calls["n"] += 1
        original(self, records)  # type: ignore[arg-type]
        if calls["n"] == 2:
            raise OSError("disk full")  # after writing: the batch's transaction rolls back

    monkeypatch.setattr(writer.CaseWriter, "write", failing)
    db.settings = dataclasses.replace(db.settings, import_batch_size=2)
    path = write_csv(tmp_path / "b.csv", [row(n) for n in range(2, 9)])
    with pytest.raises(OSError, match="disk full") as stopped:
        import_register(db, path)
    assert calls["n"] == 2
    assert "committing 2 cases" in " ".join(stopped.value.__notes__)
    # The first batch (2 cases, 5 people each) is kept whole; the second left nothing.
    assert [count(db, m) for m in (Case, Person)] == [3, 15]
    with db.session() as s:
        batch = s.scalars(select(ImportBatch).order_by(ImportBatch.id.desc())).first()
        assert batch is not None and batch.finished_at is None  # unfinished, for all to see
    monkeypatch.setattr(writer.CaseWriter, "write", original)
    report = import_register(db, path)  # the same register again finishes it
    assert (report.cases_created, report.cases_updated, report.cases_unchanged) == (5, 0, 2)
    assert [count(db, m) for m in (Case, Person)] == [8, 40]
