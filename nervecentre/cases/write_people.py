"""A case writer's people: upserted by their source reference, victims' details encrypted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nervecentre.cases.people import Person
from nervecentre.cases.records import CaseRecord, PersonRecord
from nervecentre.cases.vocab import protected_role
from nervecentre.cases.write_base import WriterBase
from nervecentre.cases.write_rows import (
    PERSON_COLS,
    PERSON_FIELD_COLUMNS,
    owned,
    person_code,
    secret_contact,
    secret_name,
)


class PeopleWrites(WriterBase):
    """Writes the people of a batch's cases and their aliases."""

    def _person_values(self, p: PersonRecord, pid: int) -> tuple[Any, ...]:
        protected = protected_role(p.role)
        if protected:
            enc = self.cipher.encrypt
            secret: tuple[Any, ...] = (
                "",
                enc(secret_name(p), "persons", "name_enc", pid),
                enc(p.address, "persons", "address_enc", pid),
                enc(secret_contact(p), "persons", "contact_enc", pid),
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
        refs: list[str] = []
        for rec in records:
            key = rec.key
            if key not in new_keys or "#" in key:
                refs += [p.ref for p in rec.people]
            else:  # owned() of each person, its test made once a case
                mine = key + "#"
                refs += [
                    p.ref for p in rec.people if not p.ref.startswith(mine) or p.ref in foreign
                ]
        return refs

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
            names = PERSON_COLS[2:-1]
            rows = []
            for p in stale:
                pid = existing[p.ref]
                values = dict(zip(names, self._person_values(p, pid), strict=True))
                fields = edited.get(pid, frozenset())
                kept = {c for f in fields for c in PERSON_FIELD_COLUMNS.get(f, (f,))}
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
        self.bulk.insert("persons", PERSON_COLS, rows_new)
        existing.update((p.ref, i) for i, p in zip(new_ids, fresh, strict=True))
        for rec in records:
            mine = rec.key + "#"
            if "#" in rec.key or any(not p.ref.startswith(mine) for p in rec.people):
                self._foreign_refs.update(p.ref for p in rec.people if not owned(rec.key, p.ref))
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
