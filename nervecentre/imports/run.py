"""Runs an import: stream rows, convert, write for a user in short batches, report every reject.

An import writes as the user it runs for (need-to-know: :mod:`nervecentre.security.case_writes`)
and commits batch by batch (``NERVECENTRE_IMPORT_BATCH_SIZE`` rows each), so that it never
holds the database for long. It is therefore not all-or-nothing: an import that stops (an
error, an interruption) keeps the batches it committed, leaves its import batch unfinished
(no ``finished_at``) and says how many cases it wrote; importing the same register again
finishes it, because every row is upserted by its FIR (written rows are updated, never
duplicated). A dry run (the web's check) only reads.
"""

from __future__ import annotations

import copy
import csv
import gc
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, insert, update
from sqlalchemy.orm import Session

from nervecentre.cases.batches import (
    AuditNote,
    Held,
    batch_transaction,
    read_batch,
    write_transaction,
)
from nervecentre.cases.models import ImportBatch
from nervecentre.cases.records import CaseRecord
from nervecentre.cases.writer import CaseWriter, WriteStats
from nervecentre.errors import InputFileError, NervecentreError
from nervecentre.exports.safety import neutralise
from nervecentre.imports import cells
from nervecentre.imports.columns import IgnoredColumn
from nervecentre.imports.conversion import (
    CHUNK,
    Converted,
    conversion_workers,
    convert_here,
    convert_parallel,
)
from nervecentre.imports.convert import Problem
from nervecentre.imports.dateorder import DateOrders
from nervecentre.imports.mapping import Mapping, load_mapping
from nervecentre.imports.readers import REJECTS_COLUMNS, Cell, Register, open_register
from nervecentre.imports.sqlite_bulk import defer_indexes, import_checkpoints, restore_indexes
from nervecentre.search.fulltext import refresh_index
from nervecentre.security import audit
from nervecentre.security.keys import bound_cipher
from nervecentre.security.models import User
from nervecentre.settings import Settings
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database


@dataclass(frozen=True, slots=True)
class Reject:
    """One refused cell of one row."""

    row: int
    column: str
    value: str
    reason: str


@dataclass
class ImportReport:
    """What an import read, stored and refused."""

    source: str
    mapping: str
    dry_run: bool
    rows_read: int = 0
    cases_created: int = 0
    cases_updated: int = 0
    #: Rows whose case is already stored exactly as the row says (nothing to write).
    cases_unchanged: int = 0
    people: int = 0
    rejected_rows: int = 0
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejects_file: Path | None = None
    batch_id: int | None = None
    #: Cases and people whose fields edited in nervecentre the import left as they were.
    kept_edits: int = 0
    #: Columns of the register the import did not read (those holding data lost nothing
    #: only if they were meant to be left out: see :attr:`IgnoredColumn.message`).
    ignored_columns: list[IgnoredColumn] = field(default_factory=list)
    #: What a dry run wrote, if anything (it writes no case, and no rejects file unless asked).
    dry_run_wrote: list[str] = field(default_factory=list)

    @property
    def cases_ok(self) -> int:
        """Rows that are (or would be) cases: created, updated or already stored as they are."""
        return self.cases_created + self.cases_updated + self.cases_unchanged


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count_rows(path: Path) -> int | None:
    """A fast upper bound of data rows in a CSV (lines less the header's), for progress bars."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return None
    with path.open("rb") as handle:
        lines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
    return max(lines - 1, 0)


# Cases named in one audit entry of a check, at most (a larger check writes several).
_CASES_PER_ENTRY = 5000
# Kept edits listed one by one in the report's warnings; the rest are counted.
_SHOWN_EDITS = 20


class _Rows:
    """Converts a register's rows, recording rejects, and yields the good records."""

    def __init__(
        self,
        register: Register,
        mapping: Mapping,
        report: ImportReport,
        settings: Settings,
        progress: Callable[[int], None] | None,
        workers: int,
    ) -> None:
        self.register, self.report, self.progress = register, report, progress
        self.mapping, self.settings, self.workers = mapping, settings, workers
        self.limit = settings.max_import_rows
        # Enough chunks in flight that the workers keep converting while a batch is written.
        self.ahead = workers * 4 + settings.import_batch_size // CHUNK
        self.bad_rows: list[tuple[int, list[Cell], list[Reject]]] = []
        # FIR key → (row number, hash of the row's cells): enough to tell a repeated row from
        # a clash, without holding every row of a million-row register in memory.
        self._seen: dict[str, tuple[int, int]] = {}
        # Rows of the records yielded and not yet written: the writer may refuse them.
        self._waiting: dict[str, tuple[int, list[Cell]]] = {}
        self.headers = {spec.field: spec.headers[0] for spec in mapping.columns}
        self.dates = DateOrders(mapping, register.columns, self.headers)

    def _fir_cell(self, row: list[Cell], record: CaseRecord) -> tuple[str, str]:
        """The FIR number's column and cell as the register has it (e.g. '10/2019')."""
        position = self.register.columns.get("fir_number")
        cell = row[position] if position is not None and position < len(row) else None
        return self.headers.get("fir_number", "FIR No"), cells.text(cell) or record.fir_number

    def _unreadable(self, number: int) -> list[Problem]:
        """Problems with cells the reader could not read (formulas saved without a value)."""
        found = self.register.uncomputed.get(number)
        if not found:
            return []
        fields = {position: name for name, position in self.register.columns.items()}
        return [
            Problem(
                self.headers.get(fields[column], fields[column]),
                formula,
                "a formula saved without its computed value (the file was written by a "
                "program, not saved in Excel or LibreOffice): open and save it there, or type "
                "the value",
            )
            for column, formula in found
            if column in fields
        ]

    def _merged_hint(self, number: int) -> str:
        for r0, _, r1, _ in self.register.merged:
            if r0 <= number <= r1:
                return f" (row is inside merged cells {r0}-{r1}: unmerge and fill the cells)"
        return ""

    def _converted(self) -> Iterator[Converted]:
        today = date.today()
        if self.workers > 1:
            return convert_parallel(
                self.register, self.mapping, today, self.settings, self.workers, self.ahead
            )
        return convert_here(self.register, self.mapping, today)

    def __iter__(self) -> Iterator[CaseRecord]:
        for number, row, record, problems in self._converted():
            self.report.rows_read += 1
            if self.report.rows_read > self.limit:
                raise InputFileError(
                    f"the register has more than {self.limit:,} rows; "
                    "split it or raise NERVECENTRE_MAX_IMPORT_ROWS"
                )
            if self.register.uncomputed or self.dates.columns:
                unread = self._unreadable(number) + self.dates.check(number, row)
                if unread:
                    problems, record = [*problems, *unread], None
            if record is not None:
                earlier = self._seen.get(record.key)
                if earlier is not None:
                    same = earlier[1] == hash(tuple(row))
                    reason = (
                        f"duplicate of row {earlier[0]}"
                        if same
                        else f"the same FIR ({record.key}) is already in row {earlier[0]}"
                    )
                    problems = [Problem(*self._fir_cell(row, record), reason)]
                    record = None
                else:
                    self._seen[record.key] = (number, hash(tuple(row)))
            if record is None:
                hint = self._merged_hint(number)
                rejects = [Reject(number, p.column, p.value, p.reason + hint) for p in problems]
                if not rejects:
                    rejects = [Reject(number, "", "", "row could not be read")]
                self.report.rejects.extend(rejects)
                self.report.rejected_rows += 1
                self.bad_rows.append((number, list(row), rejects))
            else:
                self._waiting[record.key] = (number, row)
                yield record
            if self.progress:
                self.progress(1)

    def refuse(self, record: CaseRecord, reason: str) -> None:
        """Report a record the writer refused (need-to-know) as a rejected row."""
        number, row = self._waiting.pop(record.key, (0, []))
        rejects = [Reject(number, *self._fir_cell(row, record), reason)]
        self.report.rejects.extend(rejects)
        self.report.rejected_rows += 1
        self.bad_rows.append((number, row, rejects))

    def written(self, _count: int) -> None:
        """A batch is written: its rows are no longer needed."""
        self._waiting.clear()


@contextmanager
def _gc_relaxed() -> Iterator[None]:
    """Cyclic garbage collection far less often while rows stream through (workers inherit it).

    An import allocates millions of short-lived objects without reference cycles, which
    reference counting frees; at the default threshold the collector ran every 700 of them
    and cost a quarter of the conversion time. It still runs, so cycles are still freed.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], 20_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def write_rejects(
    path: Path,
    headers: list[str],
    rows: list[tuple[int, list[Cell], list[Reject]]],
    skip: int = 0,
) -> None:
    """A CSV of refused rows: the reasons first, then the row as it was, ready to fix and
    import again (formula-like text is quoted, and the quote taken off on the way back in).
    The first ``skip`` columns of the rows (a rejects file's own) are left out."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow([*REJECTS_COLUMNS, *headers[skip:]])
        for number, row, rejects in rows:
            reasons = "; ".join(
                f"{r.column}: {r.reason}" if r.column else r.reason for r in rejects
            )
            cells_out = (neutralise(cells.portable(c)) for c in row[skip:])
            out.writerow([number, neutralise(reasons), *cells_out])


def _summarise(report: ImportReport, stats: WriteStats) -> None:
    """What the writer did (or, in a dry run, would do), into the report."""
    report.cases_created, report.cases_updated = stats.created, stats.updated
    report.cases_unchanged = stats.unchanged
    report.people = stats.people
    # The same words for a FIR that is nowhere and one the user may not see.
    report.warnings += [
        f"related FIR {k} (in {src}) was not linked: it is not in the registry, or not a case"
        " you may see"
        for src, k in stats.unresolved_links[:20]
    ]
    report.kept_edits = len(stats.kept_edits)
    report.warnings += [
        f"{what}: kept {', '.join(fields)} as edited in nervecentre"
        " (the register's values were not applied)"
        for what, fields in stats.kept_edits[:_SHOWN_EDITS]
    ]
    if len(stats.kept_edits) > _SHOWN_EDITS:
        more = len(stats.kept_edits) - _SHOWN_EDITS
        report.warnings.append(f"… and {more:,} more cases and people with kept edits")


def _outcome(report: ImportReport) -> dict[str, object]:
    return {
        "rows_read": report.rows_read,
        "created": report.cases_created,
        "updated": report.cases_updated,
        "rejected": report.rejected_rows,
        "kept_edits": report.kept_edits,
    }


def _stopped(exc: BaseException, committed: int, batch: int | None) -> BaseException:
    """The error an import stopped by, telling what it had committed and how to finish."""
    if not committed:
        return exc
    note = (
        f"the import stopped after committing {committed:,} cases (import batch {batch} is left"
        " unfinished); import the same register again to finish it: cases already written"
        " are updated, not duplicated"
    )
    if isinstance(exc, NervecentreError):
        again = copy.copy(exc)
        again.args = (f"{exc}; {note}",)
        return again
    exc.add_note(note)
    return exc


def _build_deferred(conn: Connection) -> None:
    """Build the indexes deferred for a bulk load, one transaction each (each holds the
    write lock for one index's sort, then leaves it free for a moment)."""
    held = Held()
    while True:
        with batch_transaction(conn, held):
            if not restore_indexes(conn, at_most=1):
                return


def import_register(
    db: Database,
    path: Path,
    mapping: Mapping | str = "demo-register",
    *,
    dry_run: bool = False,
    rejects_path: Path | None = None,
    encoding: str | None = None,
    actor: str = "cli",
    user: User | None = None,
    ip: str | None = None,
    progress: Callable[[int], None] | None = None,
    on_open: Callable[[Register], None] | None = None,
) -> ImportReport:
    """Import a register for ``user``: only the cases they may create or change are written,
    the other rows are rejected. ``user`` None is the installation's own authority (the
    CLI's ``--as-installation``, the demo); ``actor`` is who runs it (audited as the
    operator). Batches commit one by one (see the module's docstring); a dry run only reads.
    Every case written, and the cases a dry run read, are audited.
    """
    mapping = load_mapping(mapping) if isinstance(mapping, str) else mapping
    path = Path(path)
    if path.is_file() and path.stat().st_size > db.settings.max_upload_bytes:
        raise InputFileError(
            f"{path.name} is larger than NERVECENTRE_MAX_UPLOAD_BYTES "
            f"({db.settings.max_upload_bytes:,} bytes)"
        )
    register = open_register(path, mapping, encoding=encoding)
    if on_open:
        on_open(register)
    report = ImportReport(
        source=str(path), mapping=mapping.name, dry_run=dry_run, warnings=list(register.warnings)
    )
    expected = register.total_rows or count_rows(path) or 0
    workers = conversion_workers(db.settings.import_workers, expected)
    rows = _Rows(register, mapping, report, db.settings, progress, workers)
    sha256 = _sha256(path)  # before any transaction: a large file takes a while to read
    name = user.username if user is not None else actor
    detail: dict[str, object] = {"file": path.name, "mapping": mapping.name}
    if user is None:
        detail["authority"] = "installation"
    elif actor != user.username:
        detail["operator"] = actor
    with _gc_relaxed(), db.engine.connect() as conn, import_checkpoints(conn):
        with read_batch(conn) if dry_run else write_transaction(conn):
            # Before the workers start (a new database's key file is made here), and before
            # anything is written: another key than the database's stops the import.
            cipher = bound_cipher(conn, db.settings)
            batch = None
            deferred = False
            if not dry_run:
                # Indexes an earlier import left to build (it was stopped) first; into an
                # empty registry, secondary indexes are built after the load (SQLite).
                restore_indexes(conn)
                deferred = defer_indexes(conn)
                batch = conn.execute(
                    insert(ImportBatch)
                    .values(
                        source=path.name,
                        sha256=sha256,
                        mapping=mapping.name,
                        actor=name,
                        started_at=utcnow(),
                    )
                    .returning(ImportBatch.id)
                ).scalar_one()
                detail["import_batch"] = batch
        note = None if dry_run else AuditNote(name, detail, ip)
        writer = CaseWriter(
            conn, cipher, batch, user=user, dry_run=dry_run, refused=rows.refuse, note=note
        )
        try:
            writer.write_all(
                rows, db.settings.import_batch_size, commit=True, progress=rows.written
            )
            with read_batch(conn) if dry_run else write_transaction(conn):
                stats = writer.finish()
                _summarise(report, stats)
                if not dry_run:
                    conn.execute(
                        update(ImportBatch)
                        .where(ImportBatch.id == batch)
                        .values(
                            finished_at=utcnow(),
                            rows_read=report.rows_read,
                            cases_created=stats.created,
                            cases_updated=stats.updated,
                            rows_rejected=report.rejected_rows,
                        )
                    )
                    with Session(bind=conn) as session:
                        entry = {**detail, **_outcome(report)}
                        audit.record(
                            session, name, "import.run", "import_batch", batch, entry, ip=ip
                        )
        except BaseException as exc:
            if deferred and isinstance(exc, Exception):
                with suppress(Exception):  # else the next import builds them
                    _build_deferred(conn)
            stopped = _stopped(exc, writer.committed, batch)
            if stopped is exc:
                raise
            raise stopped from exc
        if deferred:
            _build_deferred(conn)
        report.batch_id = batch
    if dry_run:
        # A check reads the cases it would change: audited, naming them (short writes).
        read = sorted(stats.examined)
        for at in range(0, max(len(read), 1), _CASES_PER_ENTRY):
            entry = {**detail, "dry_run": True, **_outcome(report)}
            entry["cases"] = read[at : at + _CASES_PER_ENTRY]
            audit.record(db, name, "import.run", "import_check", None, entry, ip=ip)
        report.dry_run_wrote.append("an entry in the audit log (the check, and the cases it read)")
    if not dry_run and report.cases_ok:
        # Index the new text now, so that the first search after the import does not wait.
        refresh_index(db)
    report.ignored_columns = register.ignored
    report.warnings += rows.dates.warnings()
    rows.bad_rows.sort(key=lambda bad: bad[0])  # refused rows are told after their batch
    report.rejects.sort(key=lambda reject: reject.row)
    # A dry run writes the rejected rows only where it is told to.
    if rows.bad_rows and (rejects_path or not dry_run):
        report.rejects_file = rejects_path or path.with_name(path.stem + ".rejects.csv")
        write_rejects(report.rejects_file, register.headers, rows.bad_rows, register.own_columns)
        if dry_run:
            report.dry_run_wrote.append(f"the rejected rows, to {report.rejects_file}")
    return report
