"""CSV export: a folder with one spreadsheet-safe UTF-8 CSV per table, streamed row by row."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, FromClause, Select, exists, false, select

from nervecentre.cases.models import (
    Case,
    CaseLink,
    Charge,
    District,
    Event,
    EventParticipant,
    RouteStop,
    Unit,
)
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person, PersonAlias
from nervecentre.evidence.models import CustodyEntry, Document
from nervecentre.exports._bundles import snapshot
from nervecentre.exports._output import ExportStats, atomic_folder
from nervecentre.exports.privacy import (
    exportable_columns,
    public_person,
    uses_with_people,
    visible_use,
)
from nervecentre.exports.safety import neutralise
from nervecentre.store.db import Database

Progress = Callable[[int], None]

# Rows fetched per round trip, and rows between progress reports.
_YIELD_PER = 2000
_REPORT_EVERY = 5000


@dataclass(frozen=True, slots=True)
class _Table:
    file: str
    query: Select[Any]
    transform: Callable[[Mapping[Any, Any]], Mapping[Any, Any]] | None = None


def _all(table: FromClause, *order: Any) -> Select[Any]:
    return select(*exportable_columns(table)).order_by(*order)


def _tables() -> list[_Table]:
    """The exported tables, in an order where every reference points to an earlier file."""
    visible_identifier = exists(
        select(IdentifierUse.id)
        .select_from(uses_with_people())
        .where(IdentifierUse.identifier_id == Identifier.id, visible_use())
    )
    return [
        _Table("districts", _all(District.__table__, District.code)),
        _Table("units", _all(Unit.__table__, Unit.code)),
        _Table("cases", _all(Case.__table__, Case.id)),
        _Table("case_links", _all(CaseLink.__table__, CaseLink.id)),
        _Table("charges", _all(Charge.__table__, Charge.id)),
        _Table("people", _all(Person.__table__, Person.id), public_person),
        _Table(
            "person_aliases",
            _all(PersonAlias.__table__, PersonAlias.id)
            .join(Person, Person.id == PersonAlias.person_id)
            .where(Person.protected == false()),
        ),
        _Table("case_roles", _all(CaseRole.__table__, CaseRole.id)),
        _Table(
            "identifiers",
            _all(Identifier.__table__, Identifier.id).where(visible_identifier),
        ),
        _Table(
            "identifier_uses",
            _all(IdentifierUse.__table__, IdentifierUse.id)
            .select_from(uses_with_people())
            .where(visible_use()),
        ),
        _Table("events", _all(Event.__table__, Event.id)),
        _Table("event_participants", _all(EventParticipant.__table__, EventParticipant.id)),
        _Table("route_stops", _all(RouteStop.__table__, RouteStop.id)),
        _Table("documents", _all(Document.__table__, Document.id)),
        _Table("custody_entries", _all(CustodyEntry.__table__, CustodyEntry.id)),
    ]


#: The files a CSV export writes.
CSV_FILES: tuple[str, ...] = tuple(f"{t.file}.csv" for t in _tables())


def cell(value: object) -> object:
    """One CSV cell: text made inert for spreadsheets, dates in ISO 8601, booleans as words."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def _write_table(conn: Connection, spec: _Table, path: Path, report: Callable[[int], None]) -> int:
    result = conn.execute(spec.query.execution_options(yield_per=_YIELD_PER)).mappings()
    count = 0
    # utf-8-sig: Excel, which most registers are kept in, reads Devanagari and other
    # non-Latin text correctly only when the file starts with a byte-order mark.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(result.keys())
        for row in result:
            values = spec.transform(row) if spec.transform else row
            writer.writerow([cell(v) for v in values.values()])
            count += 1
            if count % _REPORT_EVERY == 0:
                report(_REPORT_EVERY)
    report(count % _REPORT_EVERY)
    return count


def export_csv(db: Database, output: Path, progress: Progress | None = None) -> ExportStats:
    """Write every table to ``output``/<table>.csv; victims appear by code only."""
    stats = ExportStats("csv")

    def report(n: int) -> None:
        if progress and n:
            progress(n)

    with atomic_folder(output, CSV_FILES) as folder, snapshot(db) as conn:
        for spec in _tables():
            count = _write_table(conn, spec, folder / f"{spec.file}.csv", report)
            stats.rows += count
            stats.files += 1
            if spec.file == "cases":
                stats.cases = count
            elif spec.file == "people":
                stats.people = count
    return stats
