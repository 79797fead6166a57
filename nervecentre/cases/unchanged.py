"""Which records the registry already holds exactly as a write would leave them.

Importing a register again tells the rows that change nothing ("unchanged") from those
that change something ("updated"), as hash-set imports do, and writes nothing for the
former. A stored case is compared with its record wherever the writer would write: the
case's columns (less those edited by hand, which a write keeps), and what an import attaches
to it: charges, route, events and who was in them, people (their fields, aliases and roles),
identifiers, links to related FIRs. Rows added by hand are not the import's: a record's row
that repeats one counts as stored, as the writer would not write it. Anything not found as
a write would leave it (a related FIR never linked, a person not stored) counts as a change.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from nervecentre.cases.models import Case, CaseLink, Charge, Event, EventParticipant, RouteStop
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person, PersonAlias
from nervecentre.cases.records import CaseRecord, PersonRecord
from nervecentre.cases.vocab import protected_role
from nervecentre.security.fields import FieldCipher
from nervecentre.store.base import edited_set
from nervecentre.types import Value

_IN_CHUNK = 900
# The case columns a write sets from the register, as the record holds them.
_CASE_FIELDS = (
    "fir_number", "fir_year", "police_station_code", "district_code", "unit_code", "fir_at",
    "info_received_at", "info_mode", "occurred_from", "occurred_to", "occurrence_place",
    "brief_facts", "crime_heads", "status", "investigating_officer",
)  # fmt: skip
_PERSON_FIELDS = ("gender", "date_of_birth", "age", "age_band", "nationality", "home_state")
# A person's fields edited by hand and the stored columns each keeps (as the writer does).
_EDITED_COLUMNS = {
    "name": ("name", "name_enc"),
    "address": ("address", "address_enc"),
    "contact": ("contact_enc",),
}


@dataclass
class Unchanged:
    """The records a write would not change, and the hand edits of their people it keeps."""

    keys: set[str] = field(default_factory=set)
    #: (person code, fields) for each person of those cases with fields edited by hand.
    person_edits: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


def _rows(conn: Connection, query: Any, column: Any, ids: Iterable[Any]) -> Iterator[Any]:
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), _IN_CHUNK):
        yield from conn.execute(query.where(column.in_(wanted[start : start + _IN_CHUNK])))


def _case_values(record: CaseRecord) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in _CASE_FIELDS if name != "crime_heads"}
    values["crime_heads"] = ",".join(record.crime_heads)
    return values


def _secret_name(p: PersonRecord) -> str:
    return " @ ".join([p.name, *(a for a in p.aliases if a)])


def _secret_contact(p: PersonRecord) -> str:
    return p.contact or ", ".join(raw for _, raw in p.identifiers)


class _Stored:
    """What is stored for a batch of existing cases, read in a few queries."""

    def __init__(self, conn: Connection, ids: list[int], refs: list[str]) -> None:
        self.persons = {
            row.source_ref: row for row in _rows(conn, select(Person), Person.source_ref, refs)
        }
        pids = [row.id for row in self.persons.values()]
        self.aliases: dict[int, list[tuple[str, bool]]] = defaultdict(list)
        aliases = select(PersonAlias.person_id, PersonAlias.alias, PersonAlias.imported)
        for pid, alias, imported in _rows(conn, aliases, PersonAlias.person_id, pids):
            self.aliases[pid].append((alias, bool(imported)))
        self.children: dict[str, dict[int, list[Any]]] = {}
        queries: dict[str, tuple[Any, Any]] = {
            "charges": (
                select(Charge.case_id, Charge.law, Charge.section, Charge.subsection,
                       Charge.stage, Charge.imported),
                Charge.case_id,
            ),
            "route": (
                select(RouteStop.case_id, RouteStop.seq, RouteStop.stage, RouteStop.place,
                       RouteStop.state, RouteStop.country, RouteStop.imported),
                RouteStop.case_id,
            ),
            "events": (
                select(Event.case_id, Event.id, Event.kind, Event.occurred_at, Event.place,
                       Event.description, Event.imported),
                Event.case_id,
            ),
            "roles": (
                select(CaseRole.case_id, CaseRole.person_id, CaseRole.role,
                       CaseRole.accused_roles, CaseRole.imported),
                CaseRole.case_id,
            ),
            "uses": (
                select(IdentifierUse.case_id, Identifier.kind, Identifier.value,
                       IdentifierUse.person_id, IdentifierUse.raw, IdentifierUse.imported)
                .join(Identifier, Identifier.id == IdentifierUse.identifier_id),
                IdentifierUse.case_id,
            ),
            "links": (
                select(CaseLink.case_id, Case.case_key, CaseLink.kind, CaseLink.imported)
                .join(Case, Case.id == CaseLink.other_case_id),
                CaseLink.case_id,
            ),
        }  # fmt: skip
        for name, (query, column) in queries.items():
            grouped: dict[int, list[Any]] = defaultdict(list)
            for row in _rows(conn, query, column, ids):
                grouped[row[0]].append(tuple(row[1:]))
            self.children[name] = grouped
        events = [row[0] for rows in self.children["events"].values() for row in rows]
        self.participants: dict[int, frozenset[int]] = {}
        parts = select(EventParticipant.event_id, EventParticipant.person_id)
        found: dict[int, set[int]] = defaultdict(set)
        for event_id, person_id in _rows(conn, parts, EventParticipant.event_id, events):
            found[event_id].add(person_id)
        self.participants = {event: frozenset(pids) for event, pids in found.items()}


class _Comparison:
    """Compares one record with what is stored for its case."""

    def __init__(self, stored: _Stored, cipher: FieldCipher, case_id: int) -> None:
        self.stored, self.cipher, self.case_id = stored, cipher, case_id

    def children(self, name: str) -> list[Any]:
        return self.stored.children[name].get(self.case_id, [])

    def person(self, p: PersonRecord, row: Any) -> bool:
        kept = {c for f in edited_set(row.edited_fields) for c in _EDITED_COLUMNS.get(f, (f,))}
        protected = protected_role(p.role)
        if bool(row.protected) != protected:
            return False
        decrypt = self.cipher.decrypt
        if protected:
            expected: dict[str, Any] = {
                "name": "",
                "address": "",
                "name_enc": _secret_name(p),
                "address_enc": p.address,
                "contact_enc": _secret_contact(p),
            }
        else:
            expected = {"name": p.name, "address": p.address, "name_enc": "", "address_enc": ""}
            expected["contact_enc"] = ""
        expected.update({name: getattr(p, name) for name in _PERSON_FIELDS})
        for name, value in expected.items():
            if name in kept:
                continue
            stored = getattr(row, name)
            if name.endswith("_enc"):
                stored = decrypt(stored, "persons", name, row.id) if stored else ""
            if stored != value:
                return False
        if "aliases" in kept:
            return True
        want = set() if protected else {a for a in p.aliases if a}
        aliases = self.stored.aliases.get(row.id, [])
        manual = {alias for alias, imported in aliases if not imported}
        return {alias for alias, imported in aliases if imported} == want - manual


def _same_rows(stored: list[Any], key: int, want: Counter[Any]) -> bool:
    """Whether the imported rows are ``want``, less the rows that repeat one added by hand.

    Each stored row ends with its ``imported`` flag; the first ``key`` values identify it."""
    manual = {row[:key] for row in stored if not row[-1]}
    expected = Counter({row: n for row, n in want.items() if row[:key] not in manual})
    return Counter(row[:-1] for row in stored if row[-1]) == expected


def _blind(cipher: FieldCipher, p: PersonRecord) -> list[tuple[Value, str]]:
    # As the writer stores them: a protected person's identifiers by blind index only.
    if not protected_role(p.role):
        return p.identifiers
    return [(Value(v.kind, cipher.blind_index(v.kind, v.value), ""), "") for v, _ in p.identifiers]


def _case_same(row: Any, record: CaseRecord) -> bool:
    kept = edited_set(row.edited_fields)
    if "police_station_code" in kept:
        kept |= {"district_code"}
    return all(
        getattr(row, name) == value
        for name, value in _case_values(record).items()
        if name not in kept
    )


def _record_same(record: CaseRecord, compare: _Comparison, pids: dict[str, int]) -> bool:
    charges = Counter((c.ref.law, c.ref.section, c.ref.subsection, c.stage) for c in record.charges)
    if not _same_rows(compare.children("charges"), 4, charges):
        return False
    route = Counter(
        (seq, s.stage, s.place, s.state, s.country) for seq, s in enumerate(record.route, 1)
    )
    if Counter(row[:-1] for row in compare.children("route") if row[-1]) != route:
        return False
    stored_events = Counter(
        (kind, at, place, text, compare.stored.participants.get(event_id, frozenset()))
        for event_id, kind, at, place, text, imported in compare.children("events")
        if imported
    )
    events = Counter(
        (
            e.kind,
            e.at,
            e.place,
            e.description,
            frozenset(pids[r] for r in e.person_refs if r in pids),
        )
        for e in record.events
    )
    if stored_events != events:
        return False
    roles = Counter((pids[p.ref], p.role, ",".join(p.accused_roles)) for p in record.people)
    if not _same_rows(compare.children("roles"), 2, roles):
        return False
    uses: dict[tuple[str, str, int | None], str] = {}
    for p in record.people:
        for value, raw in _blind(compare.cipher, p):
            uses[(value.kind, value.value, pids[p.ref])] = raw
    for value, raw in record.identifiers:
        uses.setdefault((value.kind, value.value, None), raw)
    wanted = Counter((*key, raw) for key, raw in uses.items())
    if not _same_rows(compare.children("uses"), 3, wanted):
        return False
    links = compare.children("links")
    linked = {key for key, kind, _ in links if kind == "related"}
    imported = {key for key, kind, imp in links if kind == "related" and imp}
    related = set(record.related_keys) - {record.key}
    return related <= linked and imported <= related


def unchanged(
    conn: Connection,
    cipher: FieldCipher,
    records: Sequence[CaseRecord],
    existing: dict[str, int],
) -> Unchanged:
    """The records among ``records`` (with the ids of those already stored) that a write
    would not change; see the module's docstring."""
    out = Unchanged()
    ids = [existing[r.key] for r in records if r.key in existing]
    if not ids:
        return out
    # The case's own columns first: most changes show there, and then nothing more is read.
    query = select(Case.id, Case.edited_fields, *(getattr(Case, name) for name in _CASE_FIELDS))
    cases = {row.id: row for row in _rows(conn, query, Case.id, ids)}
    stale = [
        r
        for r in records
        if r.key in existing and existing[r.key] in cases and _case_same(cases[existing[r.key]], r)
    ]
    if not stale:
        return out
    refs = [p.ref for r in stale for p in r.people]
    stored = _Stored(conn, [existing[r.key] for r in stale], refs)
    for record in stale:
        people = [stored.persons[p.ref] for p in record.people if p.ref in stored.persons]
        if len(people) != len(record.people):
            continue
        compare = _Comparison(stored, cipher, existing[record.key])
        pids = {p.ref: row.id for p, row in zip(record.people, people, strict=True)}
        if not all(compare.person(p, row) for p, row in zip(record.people, people, strict=True)):
            continue
        if not _record_same(record, compare, pids):
            continue
        out.keys.add(record.key)
        for p, row in zip(record.people, people, strict=True):
            fields = edited_set(row.edited_fields)
            if fields:
                out.person_edits.append((p.code or p.ref, tuple(sorted(fields))))
    return out
