"""Writing case records as the demo FIR register (docs/register-format.md), CSV or XLSX.

``format_row`` is a pure function of a record, so the same record always gives the same
row, whichever process formats it; optional deliberately bad rows are spliced in by
:mod:`nervecentre.synth.badrows`.
"""

from __future__ import annotations

import csv
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from nervecentre import law, places
from nervecentre.cases.records import CaseRecord, PersonRecord
from nervecentre.errors import ConfigError
from nervecentre.synth import _data
from nervecentre.synth.badrows import BadRowPlan
from nervecentre.synth.columns import COLUMN, COLUMNS
from nervecentre.synth.xlsx import save_reproducibly

_SEX = {"male": "M", "female": "F", "transgender": "T", "unknown": ""}
Progress = Callable[[int], None]


class BadRow(NamedTuple):
    """A deliberately bad row: where it is, the column at fault, and what is wrong."""

    row: int
    column: str
    reason: str


@dataclass
class RegisterStats:
    """What ``write_register`` wrote."""

    path: Path
    rows: int = 0
    cases: int = 0
    bad: list[BadRow] = field(default_factory=list)


_TWO = [f"{n:02d}" for n in range(100)]


def day(when: datetime) -> str:
    """DD/MM/YYYY."""
    return f"{_TWO[when.day]}/{_TWO[when.month]}/{when.year}"


def moment(when: datetime | None) -> str:
    """DD/MM/YYYY HH:MM, or '' for none."""
    if when is None:
        return ""
    two = _TWO
    return f"{two[when.day]}/{two[when.month]}/{when.year} {two[when.hour]}:{two[when.minute]}"


@cache
def _lookups() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    districts = {d.code: d.name for d in places.districts()}
    units = {u.code: u.name for u in places.units()}
    heads = {}
    for head in law.crime_heads():
        # The importer splits a crime-head cell at ',' and ';', so such names go as codes.
        heads[head.code] = head.code if ("," in head.name or ";" in head.name) else head.name
    return districts, units, heads


@cache
def _labels() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    world = _data.world()
    return world["status_labels"], world["info_mode_labels"]


@lru_cache(maxsize=4096)
def _sections(refs: tuple[law.SectionRef, ...]) -> str:
    return law.format_sections(refs)


def person_entry(p: PersonRecord) -> str:
    """One entry of a person list: NAME [@ ALIAS]... [(SEX/AGE)] [[ROLES]] [- IDENTIFIERS]."""
    text = p.name
    for alias in p.aliases:
        text += " @ " + alias
    sex = _SEX.get(p.gender, "")
    if p.age is not None:
        text += f" ({sex}/{p.age})"
    elif p.age_band in ("minor", "adult"):
        text += f" ({sex}/{p.age_band})"
    elif sex:
        text += f" ({sex})"
    if p.accused_roles:
        text += " [" + ", ".join(p.accused_roles) + "]"
    if p.identifiers:
        text += " - " + ", ".join([raw for _, raw in p.identifiers])
    return text


def format_row(record: CaseRecord, serial: int) -> list[str]:
    """The register row of a record (every cell as text)."""
    districts, units, heads = _lookups()
    statuses, modes = _labels()
    # Label spellings vary between rows but never between runs: chosen by the case key.
    spin = zlib.crc32(record.key.encode())
    lists: dict[str, list[str]] = {"accused": [], "victim": [], "complainant": [], "witness": []}
    names: dict[str, str] = {}
    for p in record.people:
        entries = lists.get(p.role)
        if entries is not None:
            entries.append(person_entry(p))
            names[p.ref] = p.name
    arrests, rescue, hearing, verdict = [], "", "", ""
    for e in record.events:
        if e.kind == "arrest" and e.person_refs and e.person_refs[0] in names:
            arrests.append(f"{names[e.person_refs[0]]} {moment(e.at)}")
        elif e.kind == "rescue" and not rescue:
            rescue = f"{moment(e.at)} at {e.place}" if e.place else moment(e.at)
        elif e.kind == "hearing":
            hearing = moment(e.at)
        elif e.kind == "verdict":
            verdict = day(e.at) if not (e.at.hour or e.at.minute) else moment(e.at)
    status = statuses.get(record.status) or [record.status]
    mode = modes.get(record.info_mode or "") or [record.info_mode or ""]
    fir = record.fir_at
    return [
        str(serial),
        districts.get(record.district_code, record.district_code),
        units.get(record.police_station_code, record.police_station_code),
        "" if record.unit_code == record.police_station_code else units.get(record.unit_code, ""),
        f"{record.fir_number}/{record.fir_year}",
        str(record.fir_year),
        day(fir),
        f"{_TWO[fir.hour]}:{_TWO[fir.minute]}",
        moment(record.info_received_at),
        mode[spin % len(mode)],
        moment(record.occurred_from),
        moment(record.occurred_to),
        record.occurrence_place,
        _sections(tuple(c.ref for c in record.charges)) if record.charges else "",
        "; ".join([heads.get(h, h) for h in record.crime_heads]),
        status[spin % len(status)],
        record.investigating_officer,
        record.brief_facts,
        "; ".join(lists["accused"]),
        "; ".join(lists["victim"]),
        "; ".join(lists["complainant"]),
        "; ".join(lists["witness"]),
        "; ".join(arrests),
        rescue,
        " > ".join([f"{s.place}, {s.state}" if s.state else s.place for s in record.route]),
        "; ".join([raw for _, raw in record.identifiers]),
        "; ".join(record.related_keys),
        hearing,
        verdict,
    ]


class RowSink:
    """Where rows go: a CSV file (UTF-8, no BOM) or an XLSX sheet (openpyxl write-only)."""

    def __init__(self, path: Path, fmt: str) -> None:
        if fmt not in ("csv", "xlsx"):
            raise ConfigError(f"register format must be 'csv' or 'xlsx', not {fmt!r}")
        self.path, self.fmt = Path(path), fmt
        self._book: Any = None
        if fmt == "csv":
            self._file = self.path.open("w", encoding="utf-8", newline="")
            self._csv = csv.writer(self._file)
            self._csv.writerow(COLUMNS)
        else:
            from openpyxl import Workbook

            self._book = Workbook(write_only=True)
            self._sheet = self._book.create_sheet("FIR Register")
            self._sheet.append(list(COLUMNS))

    def write(self, cells: Sequence[str]) -> None:
        """Append one row."""
        if self._book is None:
            self._csv.writerow(cells)
            return
        row: list[Any] = list(cells)
        for i in (COLUMN["Sr No"], COLUMN["Year"]):
            if row[i].isdigit():
                row[i] = int(row[i])
        self._sheet.append(row)

    def write_text(self, text: str) -> None:
        """Append rows already rendered as CSV text (CSV only)."""
        self._file.write(text)

    def close(self) -> None:
        """Finish the file."""
        if self._book is None:
            self._file.close()
        else:
            save_reproducibly(self._book, self.path)


def _bad_row(
    sink: RowSink, stats: RegisterStats, plan: BadRowPlan, kind: str, cells: list[str]
) -> None:
    stats.rows += 1
    bad, column, reason = plan.make(kind, cells, stats.rows)
    sink.write(bad)
    # Row numbers count the header as row 1, as spreadsheets and the importer do.
    stats.bad.append(BadRow(stats.rows + 1, column, reason))


def write_register(
    records: Iterable[CaseRecord],
    path: Path,
    *,
    fmt: str = "xlsx",
    bad_rows: int = 0,
    seed: int = 1,
    progress: Progress | None = None,
    expected_rows: int | None = None,
) -> RegisterStats:
    """Write records as a register; with ``bad_rows``, also that many deliberately bad rows.

    Bad rows are placed at positions fixed by ``seed`` and ``expected_rows`` (the number of
    records, when known: it spreads them through the file) and listed in the result.
    """
    if expected_rows is None and isinstance(records, Sequence):
        expected_rows = len(records)
    plan = BadRowPlan(bad_rows, seed, expected_rows)
    sink = RowSink(path, fmt)
    stats = RegisterStats(path=Path(path))
    cells: list[str] = []
    try:
        for index, record in enumerate(records):
            stats.rows += 1
            stats.cases += 1
            cells = format_row(record, stats.rows)
            sink.write(cells)
            for kind in plan.after(index):
                _bad_row(sink, stats, plan, kind, cells)
            if progress is not None and (index + 1) % 1000 == 0:
                progress(1000)
        for kind in plan.leftover():
            if cells:
                _bad_row(sink, stats, plan, kind, cells)
    finally:
        sink.close()
    if progress is not None and stats.cases % 1000:
        progress(stats.cases % 1000)
    return stats
