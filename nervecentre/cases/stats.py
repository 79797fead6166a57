"""Summary statistics of the registry (NCRB-style headline figures)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import distinct, func, select

from nervecentre.cases import vocab
from nervecentre.cases.models import Case, District, Event, EventParticipant
from nervecentre.cases.people import CaseRole, Identifier, Person
from nervecentre.store.db import Database


@dataclass
class Summary:
    """Headline figures of the registry."""

    cases: int = 0
    people: int = 0
    identifiers: int = 0
    first_fir: str = ""
    last_fir: str = ""
    by_status: list[tuple[str, int]] = field(default_factory=list)
    by_district: list[tuple[str, int]] = field(default_factory=list)
    by_year: list[tuple[int, int]] = field(default_factory=list)
    by_crime_head: list[tuple[str, int]] = field(default_factory=list)
    by_role: list[tuple[str, int]] = field(default_factory=list)
    rescued: list[tuple[str, str, int]] = field(default_factory=list)
    arrested: int = 0
    identifiers_by_kind: list[tuple[str, int]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for JSON output."""
        return {k: v for k, v in self.__dict__.items()}


def summarise(db: Database) -> Summary:
    """Count cases, people and outcomes across the whole registry."""
    s = Summary()
    with db.session() as session:
        s.cases = session.scalar(select(func.count(Case.id))) or 0
        s.people = session.scalar(select(func.count(Person.id))) or 0
        s.identifiers = session.scalar(select(func.count(Identifier.id))) or 0
        first, last = session.execute(select(func.min(Case.fir_at), func.max(Case.fir_at))).one()
        s.first_fir = f"{first:%d %b %Y}" if first else ""
        s.last_fir = f"{last:%d %b %Y}" if last else ""
        s.by_status = [
            (vocab.label("case_status", k), n)
            for k, n in session.execute(
                select(Case.status, func.count())
                .group_by(Case.status)
                .order_by(func.count().desc())
            )
        ]
        s.by_district = [
            (str(k), n)
            for k, n in session.execute(
                select(District.name, func.count(Case.id))
                .join(Case, Case.district_code == District.code)
                .group_by(District.name)
                .order_by(func.count(Case.id).desc())
            )
        ]
        s.by_year = [
            (int(k), n)
            for k, n in session.execute(
                select(Case.fir_year, func.count()).group_by(Case.fir_year).order_by(Case.fir_year)
            )
        ]
        heads: dict[str, int] = {}
        for value, n in session.execute(
            select(Case.crime_heads, func.count()).group_by(Case.crime_heads)
        ):
            for head in filter(None, (value or "").split(",")):
                heads[head] = heads.get(head, 0) + n
        s.by_crime_head = sorted(heads.items(), key=lambda kv: -kv[1])
        s.by_role = [
            (vocab.label("person_role", k), n)
            for k, n in session.execute(
                select(CaseRole.role, func.count())
                .group_by(CaseRole.role)
                .order_by(func.count().desc())
            )
        ]
        rescued = (
            select(Person.age_band, Person.gender, func.count(distinct(Person.id)))
            .join(EventParticipant, EventParticipant.person_id == Person.id)
            .join(Event, Event.id == EventParticipant.event_id)
            .where(Event.kind == "rescue")
            .group_by(Person.age_band, Person.gender)
        )
        s.rescued = [
            (vocab.label("age_band", a), vocab.label("gender", g), n)
            for a, g, n in session.execute(rescued)
        ]
        s.arrested = (
            session.scalar(
                select(func.count(distinct(EventParticipant.person_id)))
                .join(Event, Event.id == EventParticipant.event_id)
                .where(Event.kind == "arrest")
            )
            or 0
        )
        s.identifiers_by_kind = [
            (k, n)
            for k, n in session.execute(
                select(Identifier.kind, func.count())
                .group_by(Identifier.kind)
                .order_by(func.count().desc())
            )
        ]
    return s
