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

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any

from sqlalchemy import Connection, bindparam, update

from nervecentre import law
from nervecentre.cases.batches import (
    FIRST_ROWS,
    AuditNote,
    Held,
    audit_batch,
    batch_transaction,
    read_batch,
)
from nervecentre.cases.models import Case, CaseLink, Charge, Event, RouteStop
from nervecentre.cases.people import CaseRole, IdentifierUse, Person
from nervecentre.cases.records import CaseRecord, EventRecord, PersonRecord
from nervecentre.cases.unchanged import unchanged
from nervecentre.cases.vocab import protected_role
from nervecentre.security.case_writes import REFUSED, WriteAccess
from nervecentre.security.fields import FieldCipher
from nervecentre.security.keys import confirm_key
from nervecentre.security.models import User
from nervecentre.store.base import edited_set, utcnow
from nervecentre.store.bulk import Bulk
from nervecentre.types import Value

# Stay well under SQLite's limit on bound parameters in one IN (...) list.
_IN_CHUNK = 900
# Identifier ids remembered across batches; past this many the memory is given back and
# unknown identifiers are looked up again (a million-case register has a few million).
_IDENT_CACHE = 1_000_000

_CASE_COLS = (
    "id", "case_key", "fir_number", "fir_year", "police_station_code", "district_code",
    "unit_code", "fir_at", "info_received_at", "info_mode", "occurred_from", "occurred_to",
    "occurrence_place", "brief_facts", "crime_heads", "status", "investigating_officer",
    "batch_id", "created_at", "updated_at",
)  # fmt: skip
# The case columns a write sets from the register (an edit by hand keeps its value).
_WRITTEN_CASE_COLS = frozenset(_CASE_COLS[1:-2])
_PERSON_COLS = (
    "id", "code", "source_ref", "protected", "name", "name_enc", "address_enc", "contact_enc",
    "address", "gender", "date_of_birth", "age", "age_band", "nationality", "home_state",
    "batch_id", "created_at",
)  # fmt: skip


# A person's editable fields and the columns an import writes for each.
_PERSON_FIELD_COLUMNS = {
    "name": ("name", "name_enc"),
    "address": ("address", "address_enc"),
    "contact": ("contact_enc",),
}
# Rows attached to cases that an import writes, and what makes two of them the same.
_SAME = {
    "charges": ("case_id", "law", "section", "subsection", "stage"),
    "case_roles": ("case_id", "person_id", "role"),
    "identifier_uses": ("identifier_id", "case_id", "person_id"),
    "case_links": ("case_id", "other_case_id", "kind"),
}


@dataclass
class WriteStats:
    """What a write did."""

    created: int = 0
    updated: int = 0
    #: Existing cases the records would not change (not written).
    unchanged: int = 0
    people: int = 0
    unresolved_links: list[tuple[str, str]] = field(default_factory=list)
    #: (FIR case key or person code, fields kept as edited in nervecentre)
    kept_edits: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    #: Records refused by need-to-know (not written).
    refused: int = 0
    #: Dry run: ids of the existing cases it read (named by records the user may write).
    examined: list[int] = field(default_factory=list)


#: Told of each record refused by need-to-know, with the reason to report.
Refused = Callable[[CaseRecord, str], None]


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _owned(key: str, ref: str) -> bool:
    # A ref made by person_ref() for this case: it can only exist if the case existed.
    return "#" not in key and ref.startswith(key) and ref[len(key) : len(key) + 1] == "#"


def person_code(cipher: FieldCipher, person: PersonRecord) -> str:
    """The pseudonymous code a new person gets: its own, or V-…/P-… derived from its ref."""
    return person.code or cipher.pseudonym("V" if protected_role(person.role) else "P", person.ref)


def _secret_name(p: PersonRecord) -> str:
    # A protected person's aliases go into the encrypted name, in the register's notation.
    return " @ ".join([p.name, *(a for a in p.aliases if a)])


def _secret_contact(p: PersonRecord) -> str:
    # Their phones and e-mails are contact details: encrypted; identifiers get a blind index.
    return p.contact or ", ".join(raw for _, raw in p.identifiers)


@lru_cache(maxsize=4096)
def _equivalent(ref: law.SectionRef) -> str:
    return ", ".join(str(e) for e in law.equivalents(ref))


class CaseWriter:
    """Writes batches of :class:`CaseRecord` on one connection, for ``user`` (None: the
    installation itself). Unless :meth:`write_all` commits, the caller owns the transaction."""

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

    def _case_values(self, rec: CaseRecord) -> tuple[Any, ...]:
        return (
            rec.key, rec.fir_number, rec.fir_year, rec.police_station_code, rec.district_code,
            rec.unit_code, rec.fir_at, rec.info_received_at, rec.info_mode, rec.occurred_from,
            rec.occurred_to, rec.occurrence_place, rec.brief_facts, ",".join(rec.crime_heads),
            rec.status, rec.investigating_officer, self.batch_id,
        )  # fmt: skip

    def _in(self, sql: str, ids: Iterable[int]) -> Iterator[tuple[Any, ...]]:
        """Run ``sql`` (ending in ``IN``) for chunks of ``ids``; yields the rows it returns."""
        mark = "%s" if self.bulk.postgres else "?"
        for part in _chunks(sorted(ids), _IN_CHUNK):
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
        key = _SAME[table]
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
            kept = edited.get(existing[r.key], frozenset()) & _WRITTEN_CASE_COLS
            if kept:
                self.stats.kept_edits.append((r.key, tuple(sorted(kept))))
        return edited

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
            names = _CASE_COLS[1:-2]
            rows = []
            for r in stale:
                values = dict(zip(names, self._case_values(r), strict=True))
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
            _CASE_COLS,
            [
                (i, *self._case_values(r), self.now, self.now)
                for i, r in zip(new_ids, fresh, strict=True)
            ],
        )
        existing.update((r.key, i) for i, r in zip(new_ids, fresh, strict=True))
        self.stats.created += len(fresh)
        return existing, {r.key for r in fresh}

    def _update(self, model: Any, rows: list[dict[str, Any]]) -> None:
        """UPDATE by ``b_id``, one executemany per set of columns (edits leave some out)."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(row)
        for group in groups.values():
            self.conn.execute(update(model).where(model.id == bindparam("b_id")), group)

    def _person_values(self, p: PersonRecord, pid: int) -> tuple[Any, ...]:
        protected = protected_role(p.role)
        if protected:
            enc = self.cipher.encrypt
            secret: tuple[Any, ...] = (
                "",
                enc(_secret_name(p), "persons", "name_enc", pid),
                enc(p.address, "persons", "address_enc", pid),
                enc(_secret_contact(p), "persons", "contact_enc", pid),
                "",
            )
        else:
            secret = (p.name, None, None, None, p.address)
        return (
            p.ref,
            protected,
            *secret,
            p.gender,
            p.date_of_birth,
            p.age,
            p.age_band,
            p.nationality,
            p.home_state,
            self.batch_id,
        )

    def _maybe_stored(self, records: Sequence[CaseRecord], new_keys: set[str]) -> list[str]:
        """Refs of the batch's people that may already be stored (the rest cannot be)."""
        if not self._persons_were_empty:
            return [p.ref for rec in records for p in rec.people]
        foreign = self._foreign_refs
        return [
            p.ref
            for rec in records
            for p in rec.people
            if rec.key not in new_keys or not _owned(rec.key, p.ref) or p.ref in foreign
        ]

    def _upsert_people(self, records: Sequence[CaseRecord], new_keys: set[str]) -> dict[str, int]:
        people = [p for rec in records for p in rec.people]
        existing = self.bulk.lookup("persons", "source_ref", self._maybe_stored(records, new_keys))
        stale = [p for p in people if p.ref in existing]
        fresh = [p for p in people if p.ref not in existing]
        keep_aliases: set[int] = set()
        manual_aliases: set[tuple[int, str]] = set()
        if stale:
            ids = [existing[p.ref] for p in stale]
            edited = self._edited_fields("persons", ids)
            keep_aliases = {i for i, fields in edited.items() if "aliases" in fields}
            self._delete_children("person_aliases", "person_id", set(ids) - keep_aliases)
            sql = "SELECT person_id, alias FROM person_aliases WHERE NOT imported AND person_id IN"
            manual_aliases = set(self._in(sql, ids))
            names = _PERSON_COLS[2:-1]
            rows = []
            for p in stale:
                pid = existing[p.ref]
                values = dict(zip(names, self._person_values(p, pid), strict=True))
                fields = edited.get(pid, frozenset())
                kept = {c for f in fields for c in _PERSON_FIELD_COLUMNS.get(f, (f,))}
                kept &= values.keys()
                if fields:
                    self.stats.kept_edits.append((p.code or p.ref, tuple(sorted(fields))))
                rows.append({"b_id": pid, **{k: v for k, v in values.items() if k not in kept}})
            self._update(Person, rows)
        new_ids = self.bulk.reserve_ids("persons", len(fresh))
        cipher = self.cipher
        rows_new = [
            (i, person_code(cipher, p), *self._person_values(p, i), self.now)
            for i, p in zip(new_ids, fresh, strict=True)
        ]
        self.bulk.insert("persons", _PERSON_COLS, rows_new)
        existing.update((p.ref, i) for i, p in zip(new_ids, fresh, strict=True))
        self._foreign_refs.update(
            p.ref for rec in records for p in rec.people if not _owned(rec.key, p.ref)
        )
        self.stats.people += len(people)
        aliases = {
            (existing[p.ref], a)
            for p in people
            if not protected_role(p.role)
            for a in p.aliases
            if a
        }
        aliases -= manual_aliases
        rows_alias = [(i, a, True) for i, a in sorted(aliases) if i not in keep_aliases]
        self.bulk.insert("person_aliases", ("person_id", "alias", "imported"), rows_alias)
        return existing

    def _identifier_ids(self, values: Iterable[Value]) -> dict[tuple[str, str], int]:
        known = self._idents
        wanted = {(v.kind, v.value): v for v in values}
        found = {key: known[key] for key in wanted.keys() & known.keys()}
        unknown = [v for key, v in wanted.items() if key not in found]
        if unknown and not self._idents_complete:
            by_kind: dict[str, list[str]] = {}
            for v in unknown:
                by_kind.setdefault(v.kind, []).append(v.value)
            for kind, names in by_kind.items():
                found.update(
                    ((kind, value), i)
                    for value, i in self.bulk.lookup("identifiers", "value", names, kind).items()
                )
            unknown = [v for v in unknown if (v.kind, v.value) not in found]
        ids = self.bulk.reserve_ids("identifiers", len(unknown))
        self._last_ident = max(self._last_ident, *ids) if ids else self._last_ident
        self.bulk.insert(
            "identifiers",
            ("id", "kind", "value", "display", "extra"),
            [
                (
                    i,
                    v.kind,
                    v.value,
                    v.display,
                    json.dumps(dict(v.extra), sort_keys=True) if v.extra else "",
                )
                for i, v in zip(ids, unknown, strict=True)
            ],
        )
        found.update(((v.kind, v.value), i) for i, v in zip(ids, unknown, strict=True))
        if len(known) + len(found) > _IDENT_CACHE:
            known.clear()
            self._idents_complete = False
        known.update(found)
        return found

    def _idents_of(self, p: PersonRecord) -> list[tuple[Value, str]]:
        """A person's identifiers as stored: a protected person's by blind index only (their
        values are in the encrypted contact), so that the same victim still links."""
        if not protected_role(p.role):
            return p.identifiers
        blind = self.cipher.blind_index
        return [(Value(v.kind, blind(v.kind, v.value), ""), "") for v, _ in p.identifiers]

    def _write_children(
        self, records: Sequence[CaseRecord], case_ids: dict[str, int], person_ids: dict[str, int]
    ) -> None:
        charges: list[tuple[Any, ...]] = []
        roles: list[tuple[Any, ...]] = []
        stops: list[tuple[Any, ...]] = []
        events: list[tuple[int, EventRecord]] = []
        uses: dict[tuple[int, int, int | None], str] = {}
        ident_values = [v for rec in records for v, _ in rec.identifiers]
        ident_values += [v for rec in records for p in rec.people for v, _ in self._idents_of(p)]
        ident_ids = self._identifier_ids(ident_values)
        for rec in records:
            cid = case_ids[rec.key]
            for ch in rec.charges:
                ref = ch.ref
                charges.append(
                    (cid, ref.law, ref.section, ref.subsection, ch.stage, ref.key,
                     _equivalent(ref), True)
                )  # fmt: skip
            for p in rec.people:
                pid = person_ids[p.ref]
                roles.append((cid, pid, p.role, ",".join(p.accused_roles), True))
                for v, raw in self._idents_of(p):
                    uses[(ident_ids[(v.kind, v.value)], cid, pid)] = raw
            for v, raw in rec.identifiers:
                uses.setdefault((ident_ids[(v.kind, v.value)], cid, None), raw)
            stops += [
                (cid, seq, s.stage, s.place, s.state, s.country, True)
                for seq, s in enumerate(rec.route, start=1)
            ]
            events += [(cid, ev) for ev in rec.events]
            self._pending_links += [(cid, key, rec.key) for key in rec.related_keys]
        for table, cols, rows in (
            (
                "charges",
                ("case_id", "law", "section", "subsection", "stage", "section_key", "equivalent"),
                charges,
            ),
            ("case_roles", ("case_id", "person_id", "role", "accused_roles"), roles),
            ("route_stops", ("case_id", "seq", "stage", "place", "state", "country"), stops),
            (
                "identifier_uses",
                ("identifier_id", "case_id", "person_id", "raw"),
                [(*k, raw, True) for k, raw in uses.items()],
            ),
        ):
            if table in _SAME:
                rows = self._without_manual(table, rows)
            self.bulk.insert(table, (*cols, "imported"), rows)
        self._write_events(events, person_ids)

    def _write_events(
        self, events: list[tuple[int, EventRecord]], person_ids: dict[str, int]
    ) -> None:
        ids = self.bulk.reserve_ids("events", len(events))
        self.bulk.insert(
            "events",
            ("id", "case_id", "kind", "occurred_at", "place", "description", "imported"),
            [
                (i, cid, ev.kind, ev.at, ev.place, ev.description, True)
                for i, (cid, ev) in zip(ids, events, strict=True)
            ],
        )
        parts = {
            (event_id, person_ids[ref])
            for event_id, (_, ev) in zip(ids, events, strict=True)
            for ref in ev.person_refs
            if ref in person_ids
        }
        self.bulk.insert("event_participants", ("event_id", "person_id"), sorted(parts))


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
