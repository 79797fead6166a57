"""Re-importing rows that changed nothing says "unchanged" and writes nothing for them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from nervecentre.cases.models import Case, CaseLink, Charge, Event, RouteStop
from nervecentre.cases.people import CaseRole, IdentifierUse, Person, PersonAlias
from nervecentre.imports import import_register
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv

TABLES: tuple[Any, ...] = (
    Case, Charge, Event, RouteStop, CaseRole, IdentifierUse, Person, PersonAlias, CaseLink,
)  # fmt: skip


def _register() -> list[dict[str, Any]]:
    rich = {
        "Victims": "Rina Das @ Rinu (F/16) - 9123456780, rina.d@okaxis; Mou Roy (F/19)",
        "Identifiers": "https://classifieds.example.in/ad/42; "
        "btc:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
        "Next Hearing": "02/05/2024 11:00",
    }
    rows = [row(1, **rich), row(2), row(3, **{"Crime Head": "Human trafficking"})]
    rows[1]["Related FIRs"] = "MH-THR-SHAHAPUR/2023/1"
    return rows


def _counts(db: Database) -> list[int]:
    with db.session() as s:
        return [s.scalar(select(func.count()).select_from(m)) or 0 for m in TABLES]


def _stamps(db: Database) -> dict[str, tuple[datetime, int | None]]:
    with db.session() as s:
        return {
            k: (at, b)
            for k, at, b in s.execute(select(Case.fir_number, Case.updated_at, Case.batch_id))
        }


def test_the_same_register_again_is_unchanged_and_writes_nothing(
    db: Database, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "reg.csv", _register())
    first = import_register(db, path)
    assert (first.cases_created, first.rejected_rows) == (3, 0), first.rejects
    assert not [w for w in first.warnings if "related" in w]  # FIR 2's link to FIR 1 was made
    before, stamps = _counts(db), _stamps(db)
    for dry_run in (True, False):
        again = import_register(db, path, dry_run=dry_run)
        assert (again.cases_created, again.cases_updated, again.cases_unchanged) == (0, 0, 3)
    assert _counts(db) == before
    assert _stamps(db) == stamps  # not even touched


@pytest.mark.parametrize(
    "change",
    [
        {"Status": "CS"},
        {"Sections": "IPC 370"},
        {"FIR Time": "22:16"},
        {"Accused": str(row(1)["Accused"]).replace("@ Salu", "@ Sallu")},
        {"Accused": str(row(1)["Accused"]).replace("[recruiter]", "[financier]")},
        {"Victims": "Rina Das (F/16) - 9123456781; Mou Roy (F/19)"},
        {"Victims": "Rina Das (F/16) - 9123456780"},
        {"Arrests": "Mohd. Salim Shaikh 15/03/2023 02:31; Ravi Jadhav 16/03/2023 11:00"},
        {"Rescue": "15/03/2023 01:45 at Hotel Sai Palace, Kasara"},
        {"Route": "Kolkata, WB > Shahapur, MH"},
        {"Identifiers": "https://classifieds.example.in/ad/43"},
        {"Next Hearing": "03/05/2024 11:00"},
        {"Related FIRs": ""},
    ],
)
def test_any_change_is_an_update_and_is_written(
    db: Database, tmp_path: Path, change: dict[str, str]
) -> None:
    rows = _register()
    import_register(db, write_csv(tmp_path / "reg.csv", rows))
    number = 1 if "Related FIRs" not in change else 2
    rows[number - 1].update(change)
    again = import_register(db, write_csv(tmp_path / "changed.csv", rows))
    assert (again.cases_created, again.cases_updated, again.cases_unchanged) == (0, 1, 2)
    # Written: a third import of the changed register changes nothing more.
    third = import_register(db, write_csv(tmp_path / "changed.csv", rows))
    assert (third.cases_updated, third.cases_unchanged) == (0, 3)
