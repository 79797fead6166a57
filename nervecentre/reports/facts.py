"""One row of facts per case in a report's scope, read in a few statements.

Every table is a sum over these rows, so each figure drills down to the cases behind it.
The scope is the cases registered before a period's end, of one owning unit if asked, that
the reader may see, and that fall in the period one way or another (``CaseFact.when``):
registered, charge-sheeted, closed, decided, arrested or rescued in it, or pending at its
end, as NCRB counts (``when:`` in ``data/tables.yaml``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from nervecentre import law
from nervecentre.cases.models import Case, Charge, Event, EventParticipant
from nervecentre.cases.people import CaseRole, Person
from nervecentre.errors import InvalidValue
from nervecentre.reports.definitions import Definitions, definitions
from nervecentre.security.access import visibility
from nervecentre.security.models import User

#: (sex, age group, rescued) of a victim in a case.
VictimKey = tuple[str, str, bool]


@dataclass(frozen=True, slots=True)
class Scope:
    """The cases a report covers: FIR date in [start, end), owned by ``unit`` if given."""

    start: datetime
    end: datetime
    unit: str | None = None
    label: str = ""


@dataclass(slots=True)
class CaseFact:
    """What the tables need of one case."""

    id: int
    key: str
    fir_at: datetime
    district: str
    unit: str
    station: str
    status: str
    code: str = "SLL"
    purpose: str = "other"
    sections: frozenset[str] = frozenset()
    accused: int = 0
    arrested: int = 0  # distinct people arrested in the period
    victims: Counter[VictimKey] = field(default_factory=Counter)  # rescued: in the period
    #: How the case falls in the period (a WHENS name) -> the date that puts it there.
    when: dict[str, datetime] = field(default_factory=dict)


def scope_conditions(session: Session, user: User | None, scope: Scope) -> list[Any]:
    """WHERE clauses on Case: registered before the scope's end, of its unit, and
    need-to-know when a user reads (which of these fall in the period, :func:`load_facts`).

    ``user`` None is the installation's own authority (the CLI without ``--as``).
    """
    seen: ColumnElement[bool] = true() if user is None else visibility(session, user).condition()
    out: list[Any] = [seen, Case.fir_at < scope.end]
    if scope.unit:
        out.append(Case.unit_code == scope.unit)
    return out


def age_group(age_band: str, age: int | None) -> str:
    """minor (below 18), adult, or unknown; a recorded age wins over the band."""
    if age is not None:
        return "minor" if age < 18 else "adult"
    return age_band if age_band in ("minor", "adult") else "unknown"


@cache
def section_group(key: str) -> str:
    """The row a charge's section counts under: IPC and BNS equivalents share one row,
    named by the BNS section ('IPC 370' and 'BNS 143' -> 'BNS 143')."""
    try:
        ref = law.parse_section(key)
    except InvalidValue:
        return key
    if ref.law == "IPC":
        bns = sorted(k for k in law.search_keys(ref) if k.startswith("BNS "))
        if bns:
            return bns[0]
    return ref.key


@cache
def section_label(group: str) -> str:
    """'BNS 143 / IPC 370 — Trafficking of person'."""
    try:
        ref = law.parse_section(group)
    except InvalidValue:
        return group
    names = [group]
    if ref.law == "BNS":
        names += sorted(k for k in law.search_keys(ref) if k.startswith("IPC "))
    try:
        title = law.get_section(ref).title
    except InvalidValue:
        title = ""
    text = " / ".join(names)
    return f"{text} — {title}" if title else text


@cache
def _equivalents(key: str) -> frozenset[str]:
    """A section key and its IPC<->BNS equivalents' keys."""
    try:
        return law.search_keys(law.parse_section(key))
    except InvalidValue:
        return frozenset({key})


def _purpose(defs: Definitions, heads: set[str], keys: set[str]) -> str:
    for purpose in defs.purposes:
        if heads & purpose.heads or keys & purpose.sections:
            return purpose.code
    return defs.purposes[-1].code


def _cases(session: Session, where: list[Any]) -> dict[int, CaseFact]:
    query = select(
        Case.id,
        Case.case_key,
        Case.fir_at,
        Case.district_code,
        Case.unit_code,
        Case.police_station_code,
        Case.status,
    ).where(*where)
    return {row[0]: CaseFact(*row) for row in session.execute(query)}


def _in_scope(column: Any, where: list[Any]) -> Any:
    return column.in_(select(Case.id).where(*where))


def load_facts(
    session: Session, user: User | None, scope: Scope, *, defs: Definitions | None = None
) -> list[CaseFact]:
    """The facts of every case in scope, oldest FIR first."""
    defs = defs or definitions()
    where = scope_conditions(session, user, scope)
    facts = _cases(session, where)
    if not facts:
        return []
    heads: dict[int, set[str]] = {}
    for case_id, value in session.execute(select(Case.id, Case.crime_heads).where(*where)):
        heads[case_id] = set(filter(None, value.split(",")))
    keys: dict[int, set[str]] = {}
    laws: dict[int, set[str]] = {}
    charges = (
        select(Charge.case_id, Charge.law, Charge.section_key)
        .where(_in_scope(Charge.case_id, where))
        .distinct()
    )
    for case_id, law_code, key in session.execute(charges):
        keys.setdefault(case_id, set()).add(key)
        laws.setdefault(case_id, set()).add(law_code)
    for case_id, fact in facts.items():
        own = keys.get(case_id, set())
        used = laws.get(case_id, set())
        fact.code = "BNS" if "BNS" in used else "IPC" if "IPC" in used else "SLL"
        fact.sections = frozenset(section_group(k) for k in own)
        widened: set[str] = set().union(*(_equivalents(k) for k in own))
        fact.purpose = _purpose(defs, heads.get(case_id, set()), widened)
    accused = select(CaseRole.case_id, func.count()).where(
        CaseRole.role == "accused", _in_scope(CaseRole.case_id, where)
    )
    for case_id, n in session.execute(accused.group_by(CaseRole.case_id)):
        facts[case_id].accused = n
    _arrests(session, where, facts, scope)
    _victims(session, where, facts, scope)
    _date(session, where, facts, scope)
    return sorted((f for f in facts.values() if f.when), key=lambda f: (f.fir_at, f.id))


def _arrests(session: Session, where: list[Any], facts: dict[int, CaseFact], scope: Scope) -> None:
    arrests = (
        select(Event.case_id, EventParticipant.person_id, Event.occurred_at)
        .join(EventParticipant, EventParticipant.event_id == Event.id)
        .where(
            Event.kind == "arrest",
            Event.occurred_at >= scope.start,
            Event.occurred_at < scope.end,
            _in_scope(Event.case_id, where),
        )
    )
    people: dict[int, set[int]] = {}
    for case_id, person_id, at in session.execute(arrests):
        people.setdefault(case_id, set()).add(person_id)
        fact = facts[case_id]
        fact.when["arrested"] = min(at, fact.when.get("arrested", at))
    for case_id, arrested in people.items():
        facts[case_id].arrested = len(arrested)


def _victims(session: Session, where: list[Any], facts: dict[int, CaseFact], scope: Scope) -> None:
    rescued = (
        select(Event.case_id, EventParticipant.person_id, Event.occurred_at)
        .join(EventParticipant, EventParticipant.event_id == Event.id)
        .where(
            Event.kind == "rescue",
            Event.occurred_at >= scope.start,
            Event.occurred_at < scope.end,
            _in_scope(Event.case_id, where),
        )
    )
    saved: set[tuple[int, int]] = set()
    for case_id, person_id, at in session.execute(rescued):
        saved.add((case_id, person_id))
        fact = facts[case_id]
        fact.when["rescued"] = min(at, fact.when.get("rescued", at))
    victims = (
        select(CaseRole.case_id, CaseRole.person_id, Person.gender, Person.age_band, Person.age)
        .join(Person, Person.id == CaseRole.person_id)
        .where(CaseRole.role == "victim", _in_scope(CaseRole.case_id, where))
    )
    for case_id, person_id, gender, band, age in session.execute(victims):
        sex = gender if gender in ("female", "male", "transgender") else "unknown"
        key = (sex, age_group(band, age), (case_id, person_id) in saved)
        facts[case_id].victims[key] += 1


def _date(session: Session, where: list[Any], facts: dict[int, CaseFact], scope: Scope) -> None:
    """Date each case's registration and disposals, and say which fall in the period.

    A charge sheet is dated by its first ``charge_sheet`` event, a court's decision by the
    first ``verdict`` event; a disposal the status records with no event (and a final
    report, which has no event kind) is dated at the FIR, as the cohort count did."""
    first: dict[tuple[int, str], datetime] = {}
    dated = (
        select(Event.case_id, Event.kind, func.min(Event.occurred_at))
        .where(Event.kind.in_(("charge_sheet", "verdict")), _in_scope(Event.case_id, where))
        .group_by(Event.case_id, Event.kind)
    )
    for case_id, kind, at in session.execute(dated):
        first[(case_id, kind)] = at
    sheeted, decided = _STATUS_GROUPS

    def inside(at: datetime | None) -> bool:
        return at is not None and scope.start <= at < scope.end

    def before_end(at: datetime | None) -> bool:
        return at is not None and at < scope.end

    last = scope.end - timedelta(microseconds=1)
    for fact in facts.values():
        cs = first.get((fact.id, "charge_sheet"))
        if cs is None and fact.status in sheeted:
            cs = fact.fir_at
        verdict = first.get((fact.id, "verdict")) if fact.status in decided else None
        if verdict is None and fact.status in decided:
            verdict = max(cs or fact.fir_at, fact.fir_at)
        closed = fact.fir_at if fact.status == "final_report" else None
        dates: tuple[tuple[str, datetime | None], ...] = (
            ("registered", fact.fir_at),
            ("charge_sheeted", cs),
            ("final_report", closed),
            ("decided", verdict),
        )
        for name, on in dates:
            if inside(on) and on is not None:
                fact.when[name] = on
        if not before_end(cs) and not before_end(closed):
            fact.when["pending_investigation"] = last
        elif before_end(cs) and not before_end(verdict):
            fact.when["pending_trial"] = last


#: Statuses that say a case was charge-sheeted, and that a court decided it.
_STATUS_GROUPS = (
    frozenset({"charge_sheeted", "trial", "convicted", "acquitted", "discharged"}),
    frozenset({"convicted", "acquitted", "discharged"}),
)


def year_scope(year: int, unit: str | None = None) -> Scope:
    """The cases registered in a calendar year."""
    if not 1900 <= year <= 9998:
        raise InvalidValue(f"year {year} is out of range", kind="year", value=year)
    return Scope(datetime(year, 1, 1), datetime(year + 1, 1, 1), unit, str(year))


def month_scope(month: str, unit: str | None = None) -> Scope:
    """The cases registered in a month given as YYYY-MM."""
    try:
        first = datetime.strptime(month.strip(), "%Y-%m")
    except ValueError:
        raise InvalidValue(
            f"month {month!r} is not YYYY-MM (e.g. 2026-11)", kind="month", value=month
        ) from None
    end = datetime(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Scope(first, end, unit, f"{first:%B %Y}")
