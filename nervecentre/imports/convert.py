"""Turns one register row into a validated :class:`CaseRecord`, or the reasons it can't.

Every problem in a row is collected (not just the first), so a clerk can fix a row once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from nervecentre import law, places
from nervecentre.cases import vocab
from nervecentre.cases.records import (
    CaseRecord,
    ChargeRecord,
    EventRecord,
    PersonRecord,
    RouteStopRecord,
    case_key,
    person_ref,
)
from nervecentre.errors import InvalidValue
from nervecentre.imports import cells
from nervecentre.imports.mapping import PEOPLE_ROLES, Mapping
from nervecentre.imports.people import name_key, parse_identifier, parse_people
from nervecentre.imports.readers import Cell
from nervecentre.types.text import check_text

_ARREST = re.compile(r"^(.*?)\s+(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?:\s+\d{1,2}[:.]\d{2})?)\s*$")
_STATE_SUFFIX = re.compile(r"^(.*?),\s*([A-Za-z]{2})$")


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a cell was refused."""

    column: str
    value: str
    reason: str


@lru_cache(maxsize=4096)
def _station(name: str, district: str | None) -> places.Unit:
    unit = places.unit(name, district=district)
    if unit.kind != "police_station":
        raise InvalidValue(
            f"{unit.name!r} is a {unit.kind.replace('_', ' ')}, not a police station"
        )
    return unit


@lru_cache(maxsize=1024)
def _district(name: str) -> places.District:
    return places.district(name)


@lru_cache(maxsize=1024)
def _unit(name: str, district: str | None) -> places.Unit:
    return places.unit(name, district=district)


@lru_cache(maxsize=1)
def _crime_head_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for head in law.crime_heads():
        index[head.code.casefold()] = head.code
        index[" ".join(head.name.split()).casefold()] = head.code
    return index


@lru_cache(maxsize=65536)
def _sections(raw: str, default_law: str) -> tuple[law.SectionRef, ...]:
    return tuple(law.parse_sections(raw, default_law=default_law))


class RowConverter:
    """Converts rows of one register with one mapping."""

    def __init__(self, mapping: Mapping, columns: dict[str, int], today: date | None = None):
        self.mapping = mapping
        self.columns = columns
        self.headers = {spec.field: spec.headers[0] for spec in mapping.columns}
        self.today = today or date.today()

    def cell(self, row: list[Cell], field: str) -> Cell:
        """The raw cell feeding a field (None if unmapped or past the row's end)."""
        pos = self.columns.get(field)
        if pos is None or pos >= len(row):
            return None
        return row[pos]

    def convert(self, row: list[Cell]) -> tuple[CaseRecord | None, list[Problem]]:
        """The case in this row, or None and every problem found."""
        problems: list[Problem] = []

        def attempt(field: str, parse: Callable[..., Any], *args: Any) -> Any:
            raw = self.cell(row, field)
            try:
                return parse(raw, *args)
            except InvalidValue as exc:
                problems.append(Problem(self.headers.get(field, field), cells.text(raw), str(exc)))
                return None

        m = self.mapping
        district = attempt("district", lambda c: _district(cells.text(c)) if c else None)
        if district is None and m.default_district and "district" not in self.columns:
            district = _district(m.default_district)
        district_code = district.code if district else None
        station = attempt("police_station", self._required(lambda c: _station(c, district_code)))
        number_year = attempt("fir_number", self._required(lambda c: c, raw=True))
        fir_number, slash_year = (None, None)
        if number_year is not None:
            fir_number, slash_year = attempt("fir_number", cells.fir_number) or (None, None)
        fir_date = attempt(
            "fir_date",
            self._required(lambda c: cells.to_date(c, m.date_formats, self.today), raw=True),
        )
        fir_time = attempt("fir_time", cells.to_time, m.time_formats)
        year = attempt("fir_year", cells.to_int, "year")
        fir_year = self._check_year(row, year, slash_year, fir_date, problems)
        when = self._when(m)
        info_at = attempt("info_received_at", when)
        occurred_from = attempt("occurred_from", when)
        occurred_to = attempt("occurred_to", when)
        status = attempt("status", self._code("status", "case_status")) or "registered"
        info_mode = attempt("info_mode", self._code("info_mode", "info_mode"))
        penal = law.penal_code_for(fir_date) if fir_date else "IPC"
        sections = attempt("sections", lambda c: _sections(cells.text(c), penal) if c else ())
        heads = attempt("crime_heads", self._crime_heads) or []
        unit = attempt("unit", lambda c: _unit(cells.text(c), district_code) if c else None)
        fir_at = datetime.combine(fir_date, fir_time or time()) if fir_date else None
        if fir_at and info_at and info_at > fir_at:
            problems.append(
                Problem(
                    self.headers["info_received_at"],
                    cells.text(self.cell(row, "info_received_at")),
                    "information received after the FIR time",
                )
            )
        if occurred_from and occurred_to and occurred_from > occurred_to:
            problems.append(
                Problem(
                    self.headers["occurred_to"],
                    cells.text(self.cell(row, "occurred_to")),
                    "occurrence ends before it starts",
                )
            )

        def free_text(name: str) -> str:
            label = self.headers.get(name, name)  # control characters refused, as in forms
            return attempt(name, lambda c: check_text(cells.text(c), label)) or ""

        place, facts = free_text("occurrence_place"), free_text("brief_facts")
        officer = free_text("investigating_officer")
        if station is None or fir_number is None or fir_year is None or fir_at is None:
            return None, problems
        key = case_key(station.code, fir_year, fir_number)
        people = self._people(row, key, problems)
        record = CaseRecord(
            fir_number=fir_number,
            fir_year=fir_year,
            police_station_code=station.code,
            district_code=station.district,
            unit_code=unit.code if unit else station.code,
            fir_at=fir_at,
            status=status,
            info_received_at=info_at,
            info_mode=info_mode,
            occurred_from=occurred_from,
            occurred_to=occurred_to,
            occurrence_place=place,
            brief_facts=facts,
            crime_heads=heads,
            investigating_officer=officer,
            charges=[ChargeRecord(ref) for ref in sections or ()],
            people=people,
            route=attempt("route", self._route) or [],
            identifiers=attempt("identifiers", self._identifiers) or [],
            related_keys=[
                k.strip()
                for k in cells.text(self.cell(row, "related_firs")).split(";")
                if k.strip()
            ],
        )
        record.events = self._events(row, record, problems, attempt)
        return (None if problems else record), problems

    @staticmethod
    def _required(parse: Callable[[Any], Any], raw: bool = False) -> Callable[[Cell], Any]:
        def inner(cell: Cell) -> Any:
            if cell is None or cells.text(cell) == "":
                raise InvalidValue("required value is missing")
            return parse(cell if raw else cells.text(cell))

        return inner

    def _when(self, m: Mapping, future: bool = False) -> Callable[[Cell], datetime | None]:
        # Only scheduled things (the next hearing) may lie in the future.
        today = date.max if future else self.today
        return lambda c: cells.to_datetime(c, m.date_formats, m.time_formats, today)

    def _code(self, map_name: str, vocabulary: str) -> Callable[[Cell], str | None]:
        def inner(cell: Cell) -> str | None:
            raw = cells.text(cell)
            if not raw:
                return None
            mapped = self.mapping.lookup(map_name, raw)
            return vocab.check(vocabulary, mapped or raw.casefold().replace(" ", "_"))

        return inner

    def _check_year(
        self,
        row: list[Cell],
        year: int | None,
        slash: int | None,
        fir_date: date | None,
        problems: list[Problem],
    ) -> int | None:
        fir_year = year or slash or (fir_date.year if fir_date else None)
        for other, column in (
            (slash, "fir_number"),
            (fir_date.year if fir_date else None, "fir_date"),
        ):
            if fir_year and other and other != fir_year:
                problems.append(
                    Problem(
                        self.headers.get(column, column),
                        cells.text(self.cell(row, column)),
                        f"its year {other} does not agree with the FIR year {fir_year}",
                    )
                )
                return None
        return fir_year

    def _crime_heads(self, cell: Cell) -> list[str]:
        index = _crime_head_index()
        out = []
        for part in re.split(r"[;,]", cells.text(cell)):
            if part.strip():
                code = index.get(" ".join(part.split()).casefold())
                if code is None:
                    raise InvalidValue(f"unknown crime head {part.strip()!r}")
                out.append(code)
        return out

    def _identifiers(self, cell: Cell) -> list[tuple[object, str]]:
        return [
            (parse_identifier(p.strip()), p.strip())
            for p in cells.text(cell).split(";")
            if p.strip()
        ]

    def _route(self, cell: Cell) -> list[RouteStopRecord]:
        stops = [s.strip() for s in cells.text(cell).split(">") if s.strip()]
        out = []
        for i, stop in enumerate(stops):
            stage = "source" if i == 0 else "destination" if i == len(stops) - 1 else "transit"
            match = _STATE_SUFFIX.match(stop)
            place, state = (
                (match.group(1), places.state(match.group(2)).code) if match else (stop, "")
            )
            out.append(RouteStopRecord(stage=stage, place=place.strip(), state=state))
        return out

    def _people(self, row: list[Cell], key: str, problems: list[Problem]) -> list[PersonRecord]:
        out: list[PersonRecord] = []
        for field, role in PEOPLE_ROLES.items():
            raw = cells.text(self.cell(row, field))
            if not raw:
                continue
            try:
                parsed = parse_people(raw)
            except InvalidValue as exc:
                problems.append(Problem(self.headers.get(field, field), raw, str(exc)))
                continue
            for i, p in enumerate(parsed, start=1):
                out.append(
                    PersonRecord(
                        ref=person_ref(key, role, i),
                        role=role,
                        name=p.name,
                        aliases=p.aliases,
                        gender=p.gender,
                        age=p.age,
                        age_band=p.age_band,
                        accused_roles=p.roles,
                        identifiers=p.identifiers,
                        contact=", ".join(raw for _, raw in p.identifiers)
                        if role == "victim"
                        else "",
                    )
                )
        return out

    def _events(
        self,
        row: list[Cell],
        record: CaseRecord,
        problems: list[Problem],
        attempt: Callable[..., Any],
    ) -> list[EventRecord]:
        m, events = self.mapping, []
        arrests = cells.text(self.cell(row, "arrests"))
        # If the accused cell itself was refused, arrests cannot be matched to it: one
        # complaint about that cell is enough.
        accused_refused = any(p.column == self.headers.get("accused") for p in problems)
        accused = {name_key(p.name): p.ref for p in record.people if p.role == "accused"}
        for alias_p in (p for p in record.people if p.role == "accused"):
            for alias in alias_p.aliases:
                accused.setdefault(name_key(alias), alias_p.ref)
        for entry in arrests.split(";"):
            if not entry.strip():
                continue
            match = _ARREST.match(entry.strip())
            try:
                if not match:
                    raise InvalidValue("expected 'NAME DD/MM/YYYY HH:MM'")
                ref = accused.get(name_key(match.group(1)))
                if ref is None and accused_refused:
                    continue
                if ref is None:
                    raise InvalidValue(f"{match.group(1)!r} is not among the accused")
                at = cells.to_datetime(match.group(2), m.date_formats, m.time_formats, self.today)
                if at is not None:
                    events.append(
                        EventRecord("arrest", at, description="Arrested", person_refs=[ref])
                    )
            except InvalidValue as exc:
                reason = f"{entry.strip()!r}: {exc}"
                problems.append(Problem(self.headers.get("arrests", "arrests"), arrests, reason))
        rescue = cells.text(self.cell(row, "rescue"))
        if rescue:
            when_text, _, place = rescue.partition(" at ")
            at = attempt(
                "rescue",
                lambda _c: cells.to_datetime(
                    when_text.strip(), m.date_formats, m.time_formats, self.today
                ),
            )
            if at:
                victims = [p.ref for p in record.people if p.role == "victim"]
                events.append(
                    EventRecord(
                        "rescue",
                        at,
                        place=place.strip(),
                        description=f"{len(victims)} rescued",
                        person_refs=victims,
                    )
                )
        for field, kind in (("next_hearing", "hearing"), ("verdict_date", "verdict")):
            at = attempt(field, self._when(m, future=field == "next_hearing"))
            if at:
                events.append(EventRecord(kind, at, description=vocab.label("event_kind", kind)))
        return events
