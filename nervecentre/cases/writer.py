"""Stores validated case records in bulk: one transaction, upsert by the case's natural key.

Re-writing a case (same police station, year and FIR number) updates it and replaces
what hangs off it, so importing the same register twice changes nothing. People are
upserted by their source reference, so they keep their id and pseudonymous code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from nervecentre import law
from nervecentre.cases.models import Case, CaseLink, Charge, Event, RouteStop
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person, PersonAlias
from nervecentre.cases.records import CaseRecord, EventRecord, PersonRecord
from nervecentre.security.fields import FieldCipher
from nervecentre.store.base import utcnow
from nervecentre.store.bulk import Bulk
from nervecentre.types import Value

# Stay well under SQLite's limit on bound parameters in one IN (...) list.
_IN_CHUNK = 900

_CASE_COLS = (
    "id", "case_key", "fir_number", "fir_year", "police_station_code", "district_code",
    "unit_code", "fir_at", "info_received_at", "info_mode", "occurred_from", "occurred_to",
    "occurrence_place", "brief_facts", "crime_heads", "status", "investigating_officer",
    "batch_id", "created_at", "updated_at",
)  # fmt: skip
_PERSON_COLS = (
    "id", "code", "source_ref", "protected", "name", "name_enc", "address_enc", "contact_enc",
    "address", "gender", "date_of_birth", "age", "age_band", "nationality", "home_state",
    "batch_id", "created_at",
)  # fmt: skip


@dataclass
class WriteStats:
    """What a write did."""

    created: int = 0
    updated: int = 0
    people: int = 0
    unresolved_links: list[tuple[str, str]] = field(default_factory=list)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _select_in(conn: Connection, cols: Sequence[Any], col: Any, values: Sequence[Any]) -> list[Any]:
    rows: list[Any] = []
    for part in _chunks(values, _IN_CHUNK):
        rows.extend(conn.execute(select(*cols).where(col.in_(part))).all())
    return rows


@lru_cache(maxsize=4096)
def _equivalent(ref: law.SectionRef) -> str:
    return ", ".join(str(e) for e in law.equivalents(ref))


class CaseWriter:
    """Writes batches of :class:`CaseRecord` on one connection (the caller owns the transaction)."""

    def __init__(self, conn: Connection, cipher: FieldCipher, batch_id: int | None = None) -> None:
        self.conn = conn
        self.bulk = Bulk(conn)
        self.cipher = cipher
        self.batch_id = batch_id
        self.stats = WriteStats()
        self._pending_links: list[tuple[int, str, str]] = []

    def write(self, records: Sequence[CaseRecord]) -> None:
        """Insert or update a batch of cases and everything attached to them."""
        if not records:
            return
        # The last occurrence of a key wins, as when the same FIR is written twice in a row.
        records = list({r.key: r for r in records}.values())
        self.now = utcnow()
        case_ids = self._upsert_cases(records)
        person_ids = self._upsert_people(records)
        self._write_children(records, case_ids, person_ids)

    def finish(self) -> WriteStats:
        """Resolve links to related cases (they may have come in a later batch)."""
        keys = sorted({key for _, key, _ in self._pending_links})
        found = {
            k: i for i, k in _select_in(self.conn, [Case.id, Case.case_key], Case.case_key, keys)
        }
        links: dict[tuple[int, int], tuple[Any, ...]] = {}
        for case_id, key, source_key in self._pending_links:
            other = found.get(key)
            if other is None:
                self.stats.unresolved_links.append((source_key, key))
            elif other != case_id:
                links[(case_id, other)] = (case_id, other, "related", "")
        ids = self.bulk.reserve_ids("case_links", len(links))
        self.bulk.insert(
            "case_links",
            ("id", "case_id", "other_case_id", "kind", "note"),
            [(i, *row) for i, row in zip(ids, links.values(), strict=True)],
        )
        return self.stats

    def _case_values(self, rec: CaseRecord) -> tuple[Any, ...]:
        return (
            rec.key, rec.fir_number, rec.fir_year, rec.police_station_code, rec.district_code,
            rec.unit_code, rec.fir_at, rec.info_received_at, rec.info_mode, rec.occurred_from,
            rec.occurred_to, rec.occurrence_place, rec.brief_facts, ",".join(rec.crime_heads),
            rec.status, rec.investigating_officer, self.batch_id,
        )  # fmt: skip

    def _upsert_cases(self, records: Sequence[CaseRecord]) -> dict[str, int]:
        keys = [r.key for r in records]
        existing = {
            k: i for i, k in _select_in(self.conn, [Case.id, Case.case_key], Case.case_key, keys)
        }
        fresh = [r for r in records if r.key not in existing]
        stale = [r for r in records if r.key in existing]
        if stale:
            ids = [existing[r.key] for r in stale]
            for model in (Charge, Event, RouteStop, CaseRole, IdentifierUse, CaseLink):
                for part in _chunks(ids, _IN_CHUNK):
                    self.conn.execute(delete(model).where(model.case_id.in_(part)))
            names = _CASE_COLS[1:-2]
            rows = [
                {
                    "b_id": existing[r.key],
                    "updated_at": self.now,
                    **dict(zip(names, self._case_values(r), strict=True)),
                }
                for r in stale
            ]
            self.conn.execute(update(Case).where(Case.id == bindparam("b_id")), rows)
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
        return existing

    def _person_values(self, p: PersonRecord) -> tuple[Any, ...]:
        protected = p.role == "victim"
        if protected:
            enc = self.cipher.encrypt
            secret: tuple[Any, ...] = ("", enc(p.name), enc(p.address), enc(p.contact), "")
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

    def _upsert_people(self, records: Sequence[CaseRecord]) -> dict[str, int]:
        people = [p for rec in records for p in rec.people]
        existing = {
            r: i
            for i, r in _select_in(
                self.conn,
                [Person.id, Person.source_ref],
                Person.source_ref,
                [p.ref for p in people],
            )
        }
        stale = [p for p in people if p.ref in existing]
        fresh = [p for p in people if p.ref not in existing]
        if stale:
            ids = [existing[p.ref] for p in stale]
            for part in _chunks(ids, _IN_CHUNK):
                self.conn.execute(delete(PersonAlias).where(PersonAlias.person_id.in_(part)))
            names = _PERSON_COLS[2:-1]
            rows = [
                {"b_id": existing[p.ref], **dict(zip(names, self._person_values(p), strict=True))}
                for p in stale
            ]
            self.conn.execute(update(Person).where(Person.id == bindparam("b_id")), rows)
        new_ids = self.bulk.reserve_ids("persons", len(fresh))
        rows_new = []
        for i, p in zip(new_ids, fresh, strict=True):
            code = p.code or self.cipher.pseudonym("V" if p.role == "victim" else "P", p.ref)
            rows_new.append((i, code, *self._person_values(p), self.now))
        self.bulk.insert("persons", _PERSON_COLS, rows_new)
        existing.update((p.ref, i) for i, p in zip(new_ids, fresh, strict=True))
        self.stats.people += len(people)
        aliases = {(existing[p.ref], a) for p in people for a in p.aliases if a}
        alias_ids = self.bulk.reserve_ids("person_aliases", len(aliases))
        self.bulk.insert(
            "person_aliases",
            ("id", "person_id", "alias"),
            [(i, *a) for i, a in zip(alias_ids, sorted(aliases), strict=True)],
        )
        return existing

    def _identifier_ids(self, values: Iterable[Value]) -> dict[tuple[str, str], int]:
        wanted = {(v.kind, v.value): v for v in values}
        if not wanted:
            return {}
        found: dict[tuple[str, str], int] = {}
        rows = _select_in(
            self.conn,
            [Identifier.id, Identifier.kind, Identifier.value],
            Identifier.value,
            sorted({value for _, value in wanted}),
        )
        for ident_id, kind, value in rows:
            if (kind, value) in wanted:
                found[(kind, value)] = ident_id
        missing = [v for key, v in wanted.items() if key not in found]
        ids = self.bulk.reserve_ids("identifiers", len(missing))
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
                for i, v in zip(ids, missing, strict=True)
            ],
        )
        found.update(((v.kind, v.value), i) for i, v in zip(ids, missing, strict=True))
        return found

    def _write_children(
        self, records: Sequence[CaseRecord], case_ids: dict[str, int], person_ids: dict[str, int]
    ) -> None:
        charges: list[tuple[Any, ...]] = []
        roles: list[tuple[Any, ...]] = []
        stops: list[tuple[Any, ...]] = []
        events: list[tuple[int, EventRecord]] = []
        uses: dict[tuple[int, int, int | None], str] = {}
        ident_values = [v for rec in records for v, _ in rec.identifiers]
        ident_values += [v for rec in records for p in rec.people for v, _ in p.identifiers]
        ident_ids = self._identifier_ids(ident_values)
        for rec in records:
            cid = case_ids[rec.key]
            for ch in rec.charges:
                ref = ch.ref
                charges.append(
                    (cid, ref.law, ref.section, ref.subsection, ref.key, ch.stage, _equivalent(ref))
                )
            for p in rec.people:
                pid = person_ids[p.ref]
                roles.append((cid, pid, p.role, ",".join(p.accused_roles)))
                for v, raw in p.identifiers:
                    uses[(ident_ids[(v.kind, v.value)], cid, pid)] = raw
            for v, raw in rec.identifiers:
                uses.setdefault((ident_ids[(v.kind, v.value)], cid, None), raw)
            stops += [
                (cid, seq, s.stage, s.place, s.state, s.country)
                for seq, s in enumerate(rec.route, start=1)
            ]
            events += [(cid, ev) for ev in rec.events]
            self._pending_links += [(cid, key, rec.key) for key in rec.related_keys]
        for table, cols, rows in (
            (
                "charges",
                ("case_id", "law", "section", "subsection", "section_key", "stage", "equivalent"),
                charges,
            ),
            ("case_roles", ("case_id", "person_id", "role", "accused_roles"), roles),
            ("route_stops", ("case_id", "seq", "stage", "place", "state", "country"), stops),
            (
                "identifier_uses",
                ("identifier_id", "case_id", "person_id", "raw"),
                [(*k, raw) for k, raw in uses.items()],
            ),
        ):
            ids = self.bulk.reserve_ids(table, len(rows))
            self.bulk.insert(
                table, ("id", *cols), [(i, *r) for i, r in zip(ids, rows, strict=True)]
            )
        self._write_events(events, person_ids)

    def _write_events(
        self, events: list[tuple[int, EventRecord]], person_ids: dict[str, int]
    ) -> None:
        ids = self.bulk.reserve_ids("events", len(events))
        self.bulk.insert(
            "events",
            ("id", "case_id", "kind", "occurred_at", "place", "description"),
            [
                (i, cid, ev.kind, ev.at, ev.place, ev.description)
                for i, (cid, ev) in zip(ids, events, strict=True)
            ],
        )
        parts = {
            (event_id, person_ids[ref])
            for event_id, (_, ev) in zip(ids, events, strict=True)
            for ref in ev.person_refs
            if ref in person_ids
        }
        part_ids = self.bulk.reserve_ids("event_participants", len(parts))
        self.bulk.insert(
            "event_participants",
            ("id", "event_id", "person_id"),
            [(i, *p) for i, p in zip(part_ids, sorted(parts), strict=True)],
        )


def write_cases(
    conn: Connection,
    records: Iterable[CaseRecord],
    cipher: FieldCipher,
    *,
    batch_id: int | None = None,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> WriteStats:
    """Write every record on ``conn`` in batches; the caller commits or rolls back."""
    writer = CaseWriter(conn, cipher, batch_id)
    for chunk in _chunks(records, batch_size):
        writer.write(chunk)
        if progress:
            progress(len(chunk))
    return writer.finish()
