"""Converted rows as plain tuples, for the trip from a conversion worker to the writer.

Pickling a :class:`CaseRecord` object by object costs more than converting the row did;
tuples of strings, numbers and datetimes pickle in C. Fields are taken by the records' own
``__match_args__``, so a field added to a record travels too (pickled as it is).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from nervecentre.cases.records import (
    CaseRecord,
    ChargeRecord,
    EventRecord,
    PersonRecord,
    RouteStopRecord,
)
from nervecentre.law import SectionRef
from nervecentre.types import Value
from nervecentre.types.value import Extra

_CASE = attrgetter(*CaseRecord.__match_args__)
_PERSON = attrgetter(*PersonRecord.__match_args__)
_EVENT = attrgetter(*EventRecord.__match_args__)
_STOP = attrgetter(*RouteStopRecord.__match_args__)
_C = {name: i for i, name in enumerate(CaseRecord.__match_args__)}
_P = {name: i for i, name in enumerate(PersonRecord.__match_args__)}
_CHARGES, _PEOPLE, _EVENTS = _C["charges"], _C["people"], _C["events"]
_ROUTE, _C_IDENTS, _P_IDENTS = _C["route"], _C["identifiers"], _P["identifiers"]
_C_TIMES = tuple(
    _C[name] for name in ("fir_at", "info_received_at", "occurred_from", "occurred_to")
)
_E_AT = EventRecord.__match_args__.index("at")
# A datetime unpickles at several times the cost of an int: naive ones travel as microseconds
# since 0001-01-01 (aware ones, which registers do not make, travel as they are).
_ORIGIN = datetime(1, 1, 1)
_MICRO = timedelta(microseconds=1)
_NO_EXTRA = Extra()
# Rebuilt values are immutable, so equal ones are shared; the memo is emptied when full.
_MEMO_SIZE = 200_000

Packed = tuple[Any, ...]


def _value(v: Value) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
    return v.kind, v.value, v.display, tuple(v.extra.items()) if v.extra else ()


def _time(at: Any) -> Any:
    if type(at) is datetime and at.tzinfo is None and not at.fold:
        return (at - _ORIGIN) // _MICRO
    return at


def _untime(at: Any) -> Any:
    return _ORIGIN + timedelta(microseconds=at) if type(at) is int else at


def _event(e: EventRecord) -> Packed:
    fields = list(_EVENT(e))
    fields[_E_AT] = _time(e.at)
    return tuple(fields)


def _person(p: PersonRecord) -> Packed:
    fields = list(_PERSON(p))
    fields[_P_IDENTS] = [(_value(v), raw) for v, raw in p.identifiers]
    return tuple(fields)


def pack(record: CaseRecord) -> Packed:
    """``record`` as nested tuples and lists of plain values."""
    fields = list(_CASE(record))
    fields[_CHARGES] = [
        (c.ref.law, c.ref.section, c.ref.subsection, c.stage) for c in record.charges
    ]
    fields[_PEOPLE] = [_person(p) for p in record.people]
    fields[_EVENTS] = [_event(e) for e in record.events]
    fields[_ROUTE] = [_STOP(s) for s in record.route]
    fields[_C_IDENTS] = [(_value(v), raw) for v, raw in record.identifiers]
    for at in _C_TIMES:
        fields[at] = _time(fields[at])
    return tuple(fields)


class Unpacker:
    """Rebuilds records from :func:`pack`'s tuples (one per import: it keeps a memo)."""

    def __init__(self) -> None:
        self._values: dict[tuple[Any, ...], Value] = {}
        self._sections: dict[tuple[str, str, str], SectionRef] = {}

    def _value(self, packed: tuple[str, str, str, tuple[tuple[str, str], ...]]) -> Value:
        value = self._values.get(packed)
        if value is None:
            if len(self._values) >= _MEMO_SIZE:
                self._values.clear()
            kind, text, display, extra = packed
            value = Value(kind, text, display, Extra(extra) if extra else _NO_EXTRA)
            self._values[packed] = value
        return value

    def _section(self, law: str, section: str, subsection: str) -> SectionRef:
        key = (law, section, subsection)
        ref = self._sections.get(key)
        if ref is None:
            ref = self._sections[key] = SectionRef(law, section, subsection)
        return ref

    def _person(self, packed: Packed) -> PersonRecord:
        fields = list(packed)
        fields[_P_IDENTS] = [(self._value(v), raw) for v, raw in packed[_P_IDENTS]]
        return PersonRecord(*fields)

    def unpack(self, packed: Packed) -> CaseRecord:
        """The record ``pack`` was given."""
        fields = list(packed)
        fields[_CHARGES] = [
            ChargeRecord(self._section(law, section, sub), stage)
            for law, section, sub, stage in packed[_CHARGES]
        ]
        fields[_PEOPLE] = [self._person(p) for p in packed[_PEOPLE]]
        fields[_EVENTS] = [self._event(e) for e in packed[_EVENTS]]
        fields[_ROUTE] = [RouteStopRecord(*s) for s in packed[_ROUTE]]
        fields[_C_IDENTS] = [(self._value(v), raw) for v, raw in packed[_C_IDENTS]]
        for at in _C_TIMES:
            fields[at] = _untime(fields[at])
        return CaseRecord(*fields)

    @staticmethod
    def _event(packed: Packed) -> EventRecord:
        fields = list(packed)
        fields[_E_AT] = _untime(fields[_E_AT])
        return EventRecord(*fields)
