"""Need-to-know for the case writer: which cases an import may create or change for a user.

An import acts for a user. It may register a case only where the user may register one by
hand (:func:`nervecentre.cases.jurisdiction.require_place`: in their own or granted units, at
those units' police stations), move one only into such a unit, and change a case only if the
user may see it and it is not restricted: a restricted case changes only by hand.
Admins (``case.view_all``) and the installation itself (no user: the CLI's
``--as-installation``, the demo, tests) may write any case.

A refused row gets :data:`REFUSED`, whatever the reason: the same words whether its FIR is a
case of another unit, a restricted case, or no case at all, so that an import report never
tells a user anything about a case they may not see.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import Connection, exists, select
from sqlalchemy.orm import Session

from nervecentre.cases.jurisdiction import require_place
from nervecentre.cases.models import Case
from nervecentre.cases.records import CaseRecord
from nervecentre.errors import InvalidValue, PermissionDenied
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.models import CaseRestriction, User
from nervecentre.security.roles import can

REFUSED = (
    "not imported: an import may create or change only cases of your own or granted units "
    "that are not restricted"
)
# Ids per IN (...) list: well under SQLite's limit on bound parameters.
_IN_CHUNK = 900


def _chunks(ids: Collection[int]) -> Iterator[list[int]]:
    it = iter(sorted(ids))
    while part := list(islice(it, _IN_CHUNK)):
        yield part


@dataclass(frozen=True)
class WriteAccess:
    """What one user may write. ``user`` None is the installation's own authority:
    everything."""

    user: User | None
    everything: bool
    may_create: bool
    may_change: bool
    # (unit, police station) -> whether the user may keep a case there (asked once each).
    _places: dict[tuple[str, str | None], bool] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, user: User | None) -> WriteAccess:
        """The access of ``user`` (None: the installation)."""
        if user is None or can(user, "case.view_all"):
            return cls(user, True, True, True)
        return cls(user, False, can(user, "case.create"), can(user, "case.edit"))

    def may_place(self, conn: Connection, unit_code: str, station_code: str | None) -> bool:
        """Whether a case may be kept in this unit (and, given a station, registered there),
        by the rule cases entered by hand follow."""
        if self.everything:
            return True
        if self.user is None:
            return False
        place = (unit_code, station_code)
        if place not in self._places:
            # The session only reads, on the import's connection (in its transaction, if any).
            with Session(bind=conn) as session:
                try:
                    require_place(session, self.user, unit_code, station_code)
                    self._places[place] = True
                except (PermissionDenied, InvalidValue):
                    self._places[place] = False
        return self._places[place]

    def changeable(self, conn: Connection, ids: Collection[int]) -> dict[int, str]:
        """Those of these existing cases the user may change (visible, not restricted), each
        with its unit now."""
        if not ids or (not self.everything and (not self.may_change or self.user is None)):
            return {}
        query = select(Case.id, Case.unit_code)
        if not self.everything and self.user is not None:
            query = query.where(
                visible_cases_filter(self.user),
                ~exists().where(CaseRestriction.case_id == Case.id),
            )
        found: dict[int, str] = {}
        for part in _chunks(ids):
            rows = conn.execute(query.where(Case.id.in_(part)))
            found.update((int(i), str(u)) for i, u in rows)
        return found

    def linkable(self, conn: Connection, ids: Collection[int]) -> set[int]:
        """Those of these cases an imported case may name as related: the visible ones."""
        if self.everything:
            return set(ids)
        if self.user is None:
            return set()
        found: set[int] = set()
        for part in _chunks(ids):
            found.update(
                conn.execute(
                    select(Case.id).where(Case.id.in_(part), visible_cases_filter(self.user))
                ).scalars()
            )
        return found

    def sort(
        self,
        conn: Connection,
        records: Sequence[CaseRecord],
        existing: dict[str, int],
        unit_kept: Callable[[list[int]], set[int]],
    ) -> tuple[list[CaseRecord], list[CaseRecord]]:
        """(allowed, refused) of these records, given the ids of those already stored
        (``existing``, by key) and which of some cases keep their unit as edited by hand."""
        if self.everything:
            return list(records), []
        old = self.changeable(conn, {existing[r.key] for r in records if r.key in existing})
        # A case whose unit the register changes moves: the new unit must be the user's too,
        # unless its unit was edited by hand (then a write keeps it where it is).
        moving = [
            existing[r.key]
            for r in records
            if existing.get(r.key) in old
            and old[existing[r.key]] != r.unit_code
            and not self.may_place(conn, r.unit_code, None)
        ]
        kept = unit_kept(moving) if moving else set()
        allowed: list[CaseRecord] = []
        refused: list[CaseRecord] = []
        for r in records:
            case_id = existing.get(r.key)
            if case_id is None:
                fine = self.may_create and self.may_place(conn, r.unit_code, r.police_station_code)
            else:
                fine = case_id in old and (
                    old[case_id] == r.unit_code
                    or case_id in kept
                    or self.may_place(conn, r.unit_code, None)
                )
            # Its people must be its own (refs made from its key), or they could be anyone's.
            fine = fine and all(_owned(r.key, p.ref) for p in r.people)
            (allowed if fine else refused).append(r)
        return allowed, refused


def _owned(key: str, ref: str) -> bool:
    """Whether a person ref was made from this case key (see ``records.person_ref``)."""
    return "#" not in key and ref.startswith(key) and ref[len(key) : len(key) + 1] == "#"
