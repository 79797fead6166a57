"""The state a case writer keeps across batches, and the statements its parts share."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, update

from nervecentre import law
from nervecentre.cases.batches import AuditNote, Held
from nervecentre.cases.records import CaseRecord
from nervecentre.cases.write_rows import (
    IN_CHUNK,
    SAME,
    WRITTEN_CASE_COLS,
    Refused,
    WriteStats,
    chunks,
)
from nervecentre.security.case_writes import WriteAccess
from nervecentre.security.fields import FieldCipher
from nervecentre.security.models import User
from nervecentre.store.base import edited_set
from nervecentre.store.bulk import Bulk


class WriterBase:
    """One writer's connection, key, user and memory of what it stored (see
    :class:`nervecentre.cases.writer.CaseWriter`)."""

    #: When the batch being written began (its rows' created_at / updated_at).
    now: datetime

    def __init__(
        self,
        conn: Connection,
        cipher: FieldCipher,
        batch_id: int | None = None,
        *,
        user: User | None = None,
        dry_run: bool = False,
        refused: Refused | None = None,
        note: AuditNote | None = None,
    ) -> None:
        self.conn = conn
        self.access = WriteAccess.of(user)
        self.dry_run, self.refused, self.note = dry_run, refused, note
        if not dry_run:
            law.equivalence_pairs()  # read now, not while the first batch holds the write lock
        self.bulk = Bulk(conn)
        self.cipher = cipher
        self.batch_id = batch_id
        self.stats = WriteStats()
        #: Cases created or changed by the batches :meth:`write_all` committed.
        self.committed = 0
        self._held = Held()
        self._pending_links: list[tuple[int, str, str]] = []
        # Cases that existed before this writer: they may hold rows added by hand.
        self._old_cases: set[int] = set()
        # Ids of identifiers known to be stored; while _idents_complete, that is all of them.
        self._idents: dict[tuple[str, str], int] = {}
        self._idents_complete: bool | None = None
        self._persons_were_empty = False
        # The highest identifier id this writer stored: another writer's would be higher.
        self._last_ident = 0
        # Dry run: keys of the cases it would create (a related FIR may name one).
        self._planned: set[str] = set()
        # Refs this writer stored that person_ref() did not make (normally none).
        self._foreign_refs: set[str] = set()

    def _in(self, sql: str, ids: Iterable[int]) -> Iterator[tuple[Any, ...]]:
        """Run ``sql`` (ending in ``IN``) for chunks of ``ids``; yields the rows it returns."""
        mark = "%s" if self.bulk.postgres else "?"
        for part in chunks(sorted(ids), IN_CHUNK):
            # The SQL is our own; the ids are bound.
            found = self.conn.exec_driver_sql(
                f"{sql} ({', '.join([mark] * len(part))})", tuple(part)
            )
            if found.returns_rows:
                yield from (tuple(row) for row in found)

    def _delete_children(self, table: str, column: str, ids: Iterable[int]) -> None:
        """Delete the rows an import attached to these parents (not those added by hand)."""
        # Consumed for its effect: a DELETE returns no rows.
        list(self._in(f"DELETE FROM {table} WHERE imported AND {column} IN", ids))

    def _edited_fields(self, table: str, ids: Iterable[int]) -> dict[int, frozenset[str]]:
        sql = f"SELECT id, edited_fields FROM {table} WHERE edited_fields <> '' AND id IN"
        return {row[0]: edited_set(row[1]) for row in self._in(sql, ids)}

    def _without_manual(self, table: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """``rows`` less those that repeat a row added by hand to a case that existed before."""
        key = SAME[table]
        cases = {row[key.index("case_id")] for row in rows} & self._old_cases
        if not cases:
            return rows
        sql = f"SELECT {', '.join(key)} FROM {table} WHERE NOT imported AND case_id IN"
        manual = set(self._in(sql, cases))
        if not manual:
            return rows
        return [row for row in rows if tuple(row[: len(key)]) not in manual]

    def _case_edits(
        self, stale: Sequence[CaseRecord], existing: dict[str, int]
    ) -> dict[int, frozenset[str]]:
        """The fields of these existing cases edited by hand; notes each case whose edited
        fields a write keeps."""
        edited = self._edited_fields("cases", [existing[r.key] for r in stale])
        for r in stale:
            kept = edited.get(existing[r.key], frozenset()) & WRITTEN_CASE_COLS
            if kept:
                self.stats.kept_edits.append((r.key, tuple(sorted(kept))))
        return edited

    def _update(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """UPDATE by ``b_id``, one executemany per set of columns (edits leave some out)."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(row)
        for group in groups.values():
            self.conn.execute(update(model).where(model.id == bindparam("b_id")), group)
