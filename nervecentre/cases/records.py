"""In-memory case aggregates: what importers and the generator produce and the writer stores.

A :class:`CaseRecord` is one FIR with everything attached. Values in it are already
validated and normalised (identifiers as :class:`nervecentre.types.Value`, sections as
:class:`nervecentre.law.SectionRef`), so the writer only has to store them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from nervecentre.law import SectionRef
from nervecentre.types import Value


def _reduce(self: Any) -> tuple[type, tuple[Any, ...]]:
    # Records cross process boundaries during parallel imports; rebuilding them from their
    # constructor arguments unpickles several times faster than the default slots protocol.
    return type(self), tuple(getattr(self, name) for name in type(self).__match_args__)


def case_key(police_station_code: str, fir_year: int, fir_number: str) -> str:
    """The natural key of a case: the same FIR number, station and year is the same case."""
    return f"{police_station_code}/{fir_year}/{fir_number}"


@dataclass(slots=True)
class ChargeRecord:
    """A section applied at a stage; the writer fills in the other code's equivalent."""

    __reduce__ = _reduce

    ref: SectionRef
    stage: str = "fir"


@dataclass(slots=True)
class PersonRecord:
    """One person as a source describes them in one case, with one role there."""

    __reduce__ = _reduce

    ref: str
    role: str
    name: str = ""
    aliases: list[str] = field(default_factory=list)
    gender: str = "unknown"
    age: int | None = None
    age_band: str = "unknown"
    date_of_birth: date | None = None
    nationality: str = ""
    home_state: str = ""
    address: str = ""
    contact: str = ""
    accused_roles: list[str] = field(default_factory=list)
    identifiers: list[tuple[Value, str]] = field(default_factory=list)
    code: str = ""


@dataclass(slots=True)
class EventRecord:
    """An arrest, rescue, raid, hearing or verdict, with the refs of the people in it."""

    __reduce__ = _reduce

    kind: str
    at: datetime
    place: str = ""
    description: str = ""
    person_refs: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RouteStopRecord:
    """One stop on a trafficking route."""

    __reduce__ = _reduce

    stage: str
    place: str
    state: str = ""
    country: str = "IN"


@dataclass(slots=True)
class CaseRecord:
    """One FIR and everything attached to it, validated and ready to store."""

    __reduce__ = _reduce

    fir_number: str
    fir_year: int
    police_station_code: str
    district_code: str
    unit_code: str
    fir_at: datetime
    status: str = "registered"
    info_received_at: datetime | None = None
    info_mode: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None
    occurrence_place: str = ""
    brief_facts: str = ""
    crime_heads: list[str] = field(default_factory=list)
    investigating_officer: str = ""
    charges: list[ChargeRecord] = field(default_factory=list)
    people: list[PersonRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    route: list[RouteStopRecord] = field(default_factory=list)
    identifiers: list[tuple[Value, str]] = field(default_factory=list)
    related_keys: list[str] = field(default_factory=list)
    # The key, made once: a writer asks for it dozens of times a record. Not a field of the
    # record's value (no init, no compare, not packed); records are not changed once made.
    _key: str = field(default="", init=False, repr=False, compare=False)

    @property
    def key(self) -> str:
        """The case's natural key (station/year/number)."""
        key = self._key
        if not key:
            key = self._key = case_key(self.police_station_code, self.fir_year, self.fir_number)
        return key


def person_ref(key: str, role: str, index: int) -> str:
    """Stable reference of the ``index``-th (1-based) person of a role in a case."""
    return f"{key}#{role}-{index}"
