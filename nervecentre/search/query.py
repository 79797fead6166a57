"""A case-list query: its filters, sort and page, read from query-string parameters.

:func:`parse_query` turns parameters from the web or the API into a :class:`CaseQuery`,
refusing bad values with a message an analyst understands; :class:`CasePage` is what a
search of it returns.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from nervecentre import law, places
from nervecentre.cases import vocab
from nervecentre.cases.models import Case, District
from nervecentre.errors import InvalidValue
from nervecentre.search.fulltext import clean_text
from nervecentre.types.times import RegisterTime

SORTS: tuple[str, ...] = (
    "fir_at", "-fir_at", "fir_number", "-fir_number",
    "district", "-district", "status", "-status",
)  # fmt: skip
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000

_FILTERS = ("text", "district", "police_station", "unit", "status", "section")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"\d{1,9}")


@dataclass(frozen=True)
class CaseQuery:
    """What the case list asks for: filters, free text, sort order and page."""

    text: str = ""
    district: str = ""
    police_station: str = ""
    unit: str = ""
    status: str = ""
    section: str = ""
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "-fir_at"
    page: int = 1
    per_page: int = 50

    def as_params(self) -> dict[str, str]:
        """The fields that differ from the defaults, as query-string parameters."""
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != f.default:
                out[f.name] = value.isoformat() if isinstance(value, date) else str(value)
        return out

    @property
    def filtered(self) -> bool:
        """Whether any filter or text narrows the list (sort and page do not)."""
        return any(getattr(self, n) for n in _FILTERS) or bool(self.date_from or self.date_to)


@dataclass
class CaseRow:
    """One line of the case list."""

    id: int
    case_key: str
    fir_number: str
    fir_year: int
    fir_at: RegisterTime
    police_station_code: str
    police_station: str
    district_code: str
    district: str
    unit_code: str
    status: str
    status_label: str
    crime_heads: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)


@dataclass
class CasePage:
    """One page of results, the total over all pages, and the query that made it."""

    rows: list[CaseRow]
    total: int
    page: int
    per_page: int
    query: CaseQuery

    @property
    def pages(self) -> int:
        """How many pages the total fills (at least 1, so an empty list still has a page)."""
        return max(1, math.ceil(self.total / self.per_page))


def sort_columns(session: Session, key: str) -> list[Any]:
    """The columns a sort key (``SORTS`` without its '-') orders cases by, ascending, before
    the id that breaks ties."""
    c = Case.__table__.c
    if key == "fir_at":
        return [c.fir_at]
    if key == "fir_number":
        # Year, then number as a number: '9' before '10' (numbers are stored without zeros).
        return [c.fir_year, func.length(c.fir_number), c.fir_number]
    if key == "district":
        names = session.scalars(select(District.code).order_by(District.name, District.code))
        rank = {code: i for i, code in enumerate(names)}
        return [case(rank, value=c.district_code, else_=len(rank))]
    rank = {code: i for i, code in enumerate(vocab.codes("case_status"))}
    return [case(rank, value=c.status, else_=len(rank))]


# ---- parsing --------------------------------------------------------------------------


def _invalid(name: str, raw: str, message: str) -> InvalidValue:
    return InvalidValue(message, kind=name, value=raw)


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:37] + "...")


def _place(name: str, raw: str, district: str, station: bool) -> str:
    try:
        found = places.unit(raw, district=district or None)
    except InvalidValue as exc:
        raise _invalid(name, raw, str(exc)) from None
    if station and found.kind != "police_station":
        kind = vocab.label("unit_kind", found.kind).lower()
        raise _invalid(name, raw, f"{found.name} ({found.code}) is a {kind}, not a police station")
    return found.code


def _status(raw: str) -> str:
    terms = vocab.vocabulary("case_status")
    wanted = raw.strip().casefold()
    for term in terms.values():
        if wanted in (term.code, term.label.casefold()):
            return term.code
    raise _invalid("status", raw, f"unknown status {_shown(raw)}; one of: {', '.join(terms)}")


def _date(name: str, raw: str) -> date:
    text = raw.strip()
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise _invalid(name, raw, f"{name} {_shown(raw)} is not a date; write it as YYYY-MM-DD")


def _int(name: str, raw: str, low: int, high: int) -> int:
    text = raw.strip()
    if not _INT.fullmatch(text) or not low <= int(text) <= high:
        raise _invalid(
            name, raw, f"{name} {_shown(raw)} must be a whole number from {low} to {high}"
        )
    return int(text)


def _section_refs(raw: str) -> tuple[list[law.SectionRef], bool]:
    """The sections a filter names, and whether it named no act ('370': any act's 370)."""
    try:
        return [law.parse_section(raw)], False
    except InvalidValue as exc:
        bare = []
        for code in law.LAWS:
            try:
                bare.append(law.parse_section(raw, default_law=code))
            except InvalidValue:
                continue
        if not bare:
            raise _invalid("section", raw, str(exc)) from None
        return bare, True


def section_keys(section: str) -> frozenset[str]:
    """The charge section keys a section filter matches, IPC <-> BNS equivalents included."""
    return law.search_keys_for(_section_refs(section)[0])


def _section(raw: str) -> str:
    refs, bare = _section_refs(raw)
    # Canonical, so that as_params() round-trips: 'IPC 370(4)', or bare '370'.
    return str(refs[0]).split(" ", 1)[1] if bare else str(refs[0])


def parse_query(params: Mapping[str, str]) -> CaseQuery:
    """A CaseQuery from query-string parameters; blank means no filter, bad values raise.

    Raises InvalidValue with ``kind`` set to the parameter's name and a message for the
    analyst ("unknown status 'foo'; one of: …").
    """

    def get(name: str) -> str:
        value = params.get(name)
        return "" if value is None else str(value)

    text = clean_text(get("text") or get("q"))
    district = get("district").strip()
    if district:
        try:
            district = places.district(district).code
        except InvalidValue as exc:
            raise _invalid("district", get("district"), str(exc)) from None
    station, unit, status, section = (get(n).strip() for n in _FILTERS[2:])
    date_from = _date("date_from", get("date_from")) if get("date_from").strip() else None
    date_to = _date("date_to", get("date_to")) if get("date_to").strip() else None
    if date_from and date_to and date_from > date_to:
        raise _invalid(
            "date_from", get("date_from"), f"date_from {date_from} is after date_to {date_to}"
        )
    sort = get("sort").strip() or CaseQuery.sort
    if sort not in SORTS:
        raise _invalid("sort", sort, f"unknown sort {_shown(sort)}; one of: {', '.join(SORTS)}")
    page = get("page")
    per_page = get("per_page")
    return CaseQuery(
        text=text,
        district=district,
        police_station=_place("police_station", station, district, True) if station else "",
        unit=_place("unit", unit, district, False) if unit else "",
        status=_status(status) if status else "",
        section=_section(section) if section else "",
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=_int("page", page, 1, MAX_PAGE) if page.strip() else 1,
        per_page=_int("per_page", per_page, 1, MAX_PER_PAGE) if per_page.strip() else 50,
    )
