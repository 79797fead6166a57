"""A case writer's rows attached to cases: identifiers, charges, roles, route, events."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from nervecentre.cases.records import CaseRecord, EventRecord, PersonRecord
from nervecentre.cases.vocab import protected_role
from nervecentre.cases.write_base import WriterBase
from nervecentre.cases.write_rows import IDENT_CACHE, SAME, equivalent
from nervecentre.types import Value


class ChildWrites(WriterBase):
    """Writes what is attached to a batch's cases (after the cases and people)."""

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
        if len(known) + len(found) > IDENT_CACHE:
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
        # Once a person: a protected person's blind indexes are keyed hashes.
        people_idents = [[self._idents_of(p) for p in rec.people] for rec in records]
        ident_values += [v for per in people_idents for idents in per for v, _ in idents]
        ident_ids = self._identifier_ids(ident_values)
        for rec, per_person in zip(records, people_idents, strict=True):
            cid = case_ids[rec.key]
            for ch in rec.charges:
                ref = ch.ref
                charges.append(
                    (cid, ref.law, ref.section, ref.subsection, ch.stage, ref.key,
                     equivalent(ref), True)
                )  # fmt: skip
            for p, idents in zip(rec.people, per_person, strict=True):
                pid = person_ids[p.ref]
                roles.append((cid, pid, p.role, ",".join(p.accused_roles), True))
                for v, raw in idents:
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
            if table in SAME:
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
