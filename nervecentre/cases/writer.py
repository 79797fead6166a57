"""Stores validated case records in bulk, for a user: upsert by the case's natural key.

Re-writing a case (same police station, year and FIR number) updates it and replaces
what an import attached to it, so importing the same register twice changes nothing.
People are upserted by their source reference, so they keep their id and pseudonymous code.

What was done by hand in nervecentre survives a re-import: rows added there (charges,
events, people's parts, identifiers, links, aliases: ``imported`` False) are kept, and
an import row that would repeat one is not written; fields edited there
(``edited_fields``) keep their values, and the writer reports each case and person it
left so (:attr:`WriteStats.kept_edits`).

Lookups of existing rows go by unique keys and are skipped where they cannot find anything:
the people of a case that is new, in a table that was empty when the writer started, and
identifiers this writer has already stored (it remembers their ids).

The writer acts for a user and applies need-to-know (:mod:`nervecentre.security.case_writes`)
to every record before writing it: a record it may not create or change is refused (reported
through ``refused``, never written) with words that say nothing of the case it names. In a
dry run it reads what a write would (existing cases, edits kept) and writes nothing at all,
so that checking a register takes no write lock. Each batch it writes is audited against the
cases it created and changed, in that batch's transaction.

:meth:`CaseWriter.write_all` with ``commit`` commits each batch on its own (an import): on
SQLite the write lock is held only for one batch at a time, so other users' requests (each
writes an audit entry) wait for a batch, never for a whole import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

from sqlalchemy import Connection

from nervecentre.cases.batches import FIRST_ROWS, audit_batch, batch_transaction, read_batch
from nervecentre.cases.models import Case, CaseLink, Charge, Event, RouteStop
from nervecentre.cases.people import CaseRole, IdentifierUse
from nervecentre.cases.records import CaseRecord
from nervecentre.cases.unchanged import unchanged
from nervecentre.cases.write_children import ChildWrites
from nervecentre.cases.write_people import PeopleWrites
from nervecentre.cases.write_rows import CASE_COLS, WriteStats, case_values, person_code
from nervecentre.security.case_writes import REFUSED
from nervecentre.security.fields import FieldCipher
from nervecentre.security.keys import confirm_key
from nervecentre.security.models import User
from nervecentre.store.base import utcnow
from nervecentre.store.bulk import Bulk

__all__ = ["CaseWriter", "WriteStats", "person_code", "write_cases"]


class CaseWriter(PeopleWrites, ChildWrites):
    """Writes batches of :class:`CaseRecord` on one connection, for ``user`` (None: the
    installation itself). Unless :meth:`write_all` commits, the caller owns the transaction."""

    def write(self, records: Sequence[CaseRecord]) -> None:
        """Insert or update a batch of cases and everything attached to them."""
        if not records:
            return
        # The last occurrence of a key wins, as when the same FIR is written twice in a row.
        records = list({r.key: r for r in records}.values())
        self.now = utcnow()
        if self._idents_complete is None:
            # Asked before this writer stores anything in either table.
            self._persons_were_empty = self.bulk.was_empty("persons")
            self._idents_complete = self.bulk.was_empty("identifiers")
        existing = self.bulk.lookup("cases", "case_key", (r.key for r in records))
        records = self._allowed(records, existing)
        if self.dry_run:
            self.stats.examined += [existing[r.key] for r in records if r.key in existing]
        records = self._changed(records, existing)
        if self.dry_run:
            self._plan(records, existing)
            return
        confirm_key(self.conn, self.cipher)  # the database's key, in this transaction, or nothing
        case_ids, new_keys = self._upsert_cases(records, existing)
        person_ids = self._upsert_people(records, new_keys)
        self._write_children(records, case_ids, person_ids)
        if self.note is not None:
            created = [case_ids[r.key] for r in records if r.key in new_keys]
            changed = [case_ids[r.key] for r in records if r.key not in new_keys]
            audit_batch(self.conn, self.note, self.batch_id, created, changed)

    def _changed(self, records: list[CaseRecord], existing: dict[str, int]) -> list[CaseRecord]:
        """The records a write would change; the others are counted unchanged (their hand
        edits noted as kept) and not written (:mod:`nervecentre.cases.unchanged`)."""
        same = unchanged(self.conn, self.cipher, records, existing)
        if not same.keys:
            return records
        self.stats.unchanged += len(same.keys)
        self._case_edits([r for r in records if r.key in same.keys], existing)
        self.stats.kept_edits += same.person_edits
        return [r for r in records if r.key not in same.keys]

    def write_all(
        self,
        records: Iterable[CaseRecord],
        batch_size: int,
        *,
        commit: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Write every record in batches; with ``commit``, each batch in a short transaction
        of its own (a dry run's reads, too, end with each batch), of at most ``batch_size``
        rows and as many as hold the write lock about half a second. :meth:`finish` follows."""
        rows = iter(records)
        size = min(batch_size, FIRST_ROWS) if commit and not self.dry_run else batch_size
        while chunk := list(islice(rows, size)):
            before = self.stats.created + self.stats.updated
            with self._batch(commit):
                self.write(chunk)
            if commit and not self.dry_run:
                self.committed += self.stats.created + self.stats.updated - before
                # Short spells of the write lock, whatever the machine's speed and load.
                size = self._held.next_rows(len(chunk), batch_size)
            if progress:
                progress(len(chunk))

    @contextmanager
    def _batch(self, commit: bool) -> Iterator[None]:
        if not commit:
            yield
        elif self.dry_run:
            with read_batch(self.conn):
                yield
        else:
            with batch_transaction(self.conn, self._held):
                # Another writer may have written since the last batch: ids are reserved
                # afresh, and identifiers looked up again if someone else stored any.
                self.bulk = Bulk(self.conn)
                if self._idents_complete and self._last_ident != self._max_ident():
                    self._idents_complete = False
                yield

    def _max_ident(self) -> int:
        top = self.conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM identifiers").scalar()
        return int(top or 0)

    def _allowed(self, records: list[CaseRecord], existing: dict[str, int]) -> list[CaseRecord]:
        """The records the user may write; the others are refused (and reported)."""

        def unit_kept(ids: list[int]) -> set[int]:
            edited = self._edited_fields("cases", ids)
            return {i for i, fields in edited.items() if "unit_code" in fields}

        allowed, refused = self.access.sort(self.conn, records, existing, unit_kept)
        self.stats.refused += len(refused)
        for r in refused:
            if self.refused:
                self.refused(r, REFUSED)
        return allowed

    def _plan(self, records: list[CaseRecord], existing: dict[str, int]) -> None:
        """Dry run: count what a write would do and note the edits it would keep (reads only)."""
        stale = [r for r in records if r.key in existing]
        fresh = {r.key for r in records if r.key not in existing}
        self._case_edits(stale, existing)
        self.stats.updated += len(stale)
        self.stats.created += len(fresh)
        self._planned |= fresh
        people = [p for rec in records for p in rec.people]
        stored = self.bulk.lookup("persons", "source_ref", self._maybe_stored(records, fresh))
        edited = self._edited_fields("persons", stored.values())
        for p in people:
            fields = edited.get(stored.get(p.ref, 0))
            if fields:
                self.stats.kept_edits.append((p.code or p.ref, tuple(sorted(fields))))
        self.stats.people += len(people)
        self._pending_links += [(0, key, rec.key) for rec in records for key in rec.related_keys]

    def finish(self) -> WriteStats:
        """Resolve links to related cases (they may have come in a later batch)."""
        keys = {key for _, key, _ in self._pending_links}
        found = self.bulk.lookup("cases", "case_key", keys)
        if not self.access.everything:
            # A case the user may not see is not linked, and reported as any missing FIR is.
            seen = self.access.linkable(self.conn, set(found.values()))
            found = {key: i for key, i in found.items() if i in seen}
        links: dict[tuple[int, int], tuple[Any, ...]] = {}
        for case_id, key, source_key in self._pending_links:
            other = found.get(key)
            if other is None:
                if key not in self._planned:
                    self.stats.unresolved_links.append((source_key, key))
            elif other != case_id:
                links[(case_id, other)] = (case_id, other, "related", "", True)
        if self.dry_run:
            return self.stats
        rows = self._without_manual("case_links", list(links.values()))
        self.bulk.insert(
            "case_links", ("case_id", "other_case_id", "kind", "note", "imported"), rows
        )
        return self.stats

    def _upsert_cases(
        self, records: Sequence[CaseRecord], existing: dict[str, int]
    ) -> tuple[dict[str, int], set[str]]:
        fresh = [r for r in records if r.key not in existing]
        stale = [r for r in records if r.key in existing]
        if stale:
            ids = [existing[r.key] for r in stale]
            self._old_cases.update(ids)
            for model in (Charge, Event, RouteStop, CaseRole, IdentifierUse, CaseLink):
                self._delete_children(model.__tablename__, "case_id", ids)
            edited = self._case_edits(stale, existing)
            names = CASE_COLS[1:-2]
            rows = []
            for r in stale:
                values = dict(zip(names, case_values(r, self.batch_id), strict=True))
                kept = edited.get(existing[r.key], frozenset()) & values.keys()
                if "police_station_code" in kept:
                    kept |= {"district_code"}
                values = {k: v for k, v in values.items() if k not in kept}
                rows.append({"b_id": existing[r.key], "updated_at": self.now, **values})
            self._update(Case, rows)
            self.stats.updated += len(stale)
        new_ids = self.bulk.reserve_ids("cases", len(fresh))
        self.bulk.insert(
            "cases",
            CASE_COLS,
            [
                (i, *case_values(r, self.batch_id), self.now, self.now)
                for i, r in zip(new_ids, fresh, strict=True)
            ],
        )
        existing.update((r.key, i) for i, r in zip(new_ids, fresh, strict=True))
        self.stats.created += len(fresh)
        return existing, {r.key for r in fresh}


def write_cases(
    conn: Connection,
    records: Iterable[CaseRecord],
    cipher: FieldCipher,
    *,
    batch_id: int | None = None,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
    user: User | None = None,
) -> WriteStats:
    """Write every record on ``conn`` in batches, for ``user`` (None: the installation);
    the caller commits or rolls back."""
    writer = CaseWriter(conn, cipher, batch_id, user=user)
    writer.write_all(records, batch_size, progress=progress)
    return writer.finish()
