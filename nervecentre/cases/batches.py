"""Short write transactions for bulk writers, and the audit entries of each batch.

An import commits batch by batch, so that on SQLite the one write lock is held for a batch
at a time and every other user's request (each writes an audit entry) waits for a batch,
never for a whole import. Each batch's audit entries name the cases it created and changed
and commit with them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from nervecentre.security import audit

# How long one batch should hold the write lock: the rows of the next batch are as many as
# the last one wrote in that time (HOLD_S), between MIN_ROWS and the configured batch size.
# The first batch, before any is timed, takes FIRST_ROWS.
HOLD_S = 0.5
MIN_ROWS = 20
FIRST_ROWS = 200
# After committing a batch, a SQLite writer pauses for this share of the time it held the
# write lock (at most _PAUSE_MAX_S): another writer sleeping in SQLite's busy handler (it
# looks again every 100 ms at most) finds the lock free before the next batch takes it.
_PAUSE_SHARE = 0.2
_PAUSE_MAX_S = 0.1


@contextmanager
def write_transaction(conn: Connection) -> Iterator[None]:
    """One transaction on ``conn``, committed at its end (rolled back on any error).

    On SQLite it takes the write lock as it begins (BEGIN IMMEDIATE, waiting out another
    writer for the busy timeout), so that the ids and keys it reads cannot change before it
    writes; a deferred transaction would read first and could then fail to upgrade.
    """
    if conn.in_transaction():
        conn.commit()
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.begin()
    try:
        yield
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


class Held:
    """How long the last batch held its transaction (seconds, from BEGIN to COMMIT), and
    when the next one may take the write lock (``time.monotonic()``)."""

    seconds: float = 0.0
    free_until: float = 0.0

    def next_rows(self, rows: int, most: int) -> int:
        """How many rows the next batch may take to hold its transaction about HOLD_S: as
        many as the last batch's pace allows, but at most twice as many as it had (one fast
        batch on a busy machine says little)."""
        per_row = self.seconds / max(rows, 1)
        fit = int(HOLD_S / per_row) if per_row else most
        return max(min(MIN_ROWS, most), min(most, 2 * rows, fit))


@contextmanager
def batch_transaction(conn: Connection, held: Held) -> Iterator[None]:
    """A :func:`write_transaction` for one batch, timed into ``held``. On SQLite the lock is
    then left free for a pause (for other writers) before the next batch takes it; the caller
    prepares its next batch meanwhile, so the pause costs the import little or no time."""
    wait = held.free_until - time.monotonic()
    if wait > 0:
        time.sleep(wait)
    with write_transaction(conn):
        started = time.monotonic()
        try:
            yield
        finally:
            held.seconds = time.monotonic() - started
    if conn.dialect.name == "sqlite":
        held.free_until = time.monotonic() + min(_PAUSE_MAX_S, held.seconds * _PAUSE_SHARE)


@contextmanager
def read_batch(conn: Connection) -> Iterator[None]:
    """A dry run's batch: it only reads, and its transaction ends with it (no snapshot is
    kept between batches on PostgreSQL; SQLite reads take no lock that blocks writers)."""
    try:
        yield
    finally:
        conn.rollback()


@dataclass(frozen=True)
class AuditNote:
    """Whom a writer's audit entries name, and what their detail says besides the cases."""

    actor: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    ip: str | None = None


def audit_batch(
    conn: Connection,
    note: AuditNote,
    batch_id: int | None,
    created: list[int],
    changed: list[int],
) -> None:
    """Audit entries (``case.create``, ``case.update``) for the cases a batch created and
    changed, in the batch's transaction on ``conn``. Each names its cases in its detail
    (``cases``: in the hash chain, and the log ties the entry to each of them)."""
    with Session(bind=conn) as session:
        for action, ids in (("case.create", created), ("case.update", changed)):
            if ids:
                detail = {**note.detail, "cases": sorted(ids)}
                audit.record(
                    session, note.actor, action, "import_batch", batch_id, detail, ip=note.ip
                )
