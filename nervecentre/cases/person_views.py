"""Read models of the person page and ``GET /people/{id}``: roles, identifiers, links.

Everything is limited to the cases the user may see; protected people (victims) show by
code only, and their identifiers and aliases never appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, distinct, func, select
from sqlalchemy.orm import Session, aliased

from nervecentre.cases import vocab
from nervecentre.cases.models import Case
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person, PersonAlias
from nervecentre.cases.views import PROTECTED, code_labels
from nervecentre.security import audit
from nervecentre.security.access import require_person, visible_cases_filter, visible_people_filter
from nervecentre.security.models import User
from nervecentre.store.db import Database

MAX_LINKED_PEOPLE = 50


@dataclass(frozen=True, slots=True)
class PersonRole:
    """A person's part in one (visible) case."""

    case_id: int
    case_key: str
    role: str
    role_label: str
    accused_roles: list[str]
    accused_role_labels: list[str]


@dataclass(frozen=True, slots=True)
class PersonIdentifier:
    """An identifier a person used, and the (visible) case it was seen in."""

    id: int
    kind: str
    display: str
    case_id: int
    case_key: str


@dataclass(frozen=True, slots=True)
class LinkedPerson:
    """Another person using some of the same identifiers.

    ``via`` lists the shared identifiers; ``shared_cases`` counts the visible cases in which
    the other person used them.
    """

    person_id: int
    shown_name: str
    via: list[str]
    shared_cases: int


@dataclass(frozen=True, slots=True)
class PersonDetail:
    """Everything the person page and ``GET /people/{id}`` show; victims by code only."""

    id: int
    code: str
    shown_name: str
    protected: bool
    aliases: list[str]
    gender: str
    gender_label: str
    age: int | None
    age_band: str
    age_band_label: str
    date_of_birth: date | None
    nationality: str
    home_state: str
    address: str
    roles: list[PersonRole]
    identifiers: list[PersonIdentifier]
    linked: list[LinkedPerson]


def _visible_case_ids(user: User) -> Select[Any]:
    return select(Case.id).where(visible_cases_filter(user))


def _roles(session: Session, user: User, person_id: int) -> list[PersonRole]:
    rows = session.execute(
        select(CaseRole, Case.case_key)
        .join(Case, Case.id == CaseRole.case_id)
        .where(CaseRole.person_id == person_id, visible_cases_filter(user))
        .order_by(Case.fir_at, Case.id, CaseRole.id)
    ).all()
    out = []
    for role, key in rows:
        codes, labels = code_labels("accused_role", role.accused_roles)
        out.append(
            PersonRole(
                case_id=role.case_id,
                case_key=key,
                role=role.role,
                role_label=vocab.label("person_role", role.role),
                accused_roles=codes,
                accused_role_labels=labels,
            )
        )
    return out


def _person_identifiers(
    session: Session, user: User, person_id: int, hidden: bool = False
) -> list[PersonIdentifier]:
    rows = session.execute(
        select(Identifier, Case.id, Case.case_key)
        .join(IdentifierUse, IdentifierUse.identifier_id == Identifier.id)
        .join(Case, Case.id == IdentifierUse.case_id)
        .where(IdentifierUse.person_id == person_id, visible_cases_filter(user))
        .order_by(Identifier.kind, Identifier.value, Case.id)
    ).all()
    return [
        PersonIdentifier(i.id, i.kind, PROTECTED if hidden else i.display or i.value, case_id, key)
        for i, case_id, key in rows
    ]


def _linked(
    session: Session, user: User, person_id: int, hidden: bool = False
) -> list[LinkedPerson]:
    """People sharing identifiers with this one, seen only through cases the user may see.

    Both sightings must be in visible cases: a phone shared only through an invisible case
    would otherwise reveal that case's people.
    """
    mine, theirs = aliased(IdentifierUse), aliased(IdentifierUse)
    visible = _visible_case_ids(user)
    shared: list[ColumnElement[bool]] = [
        mine.person_id == person_id,
        mine.case_id.in_(visible),
        theirs.person_id.is_not(None),
        theirs.person_id != person_id,
        theirs.case_id.in_(visible),
        visible_people_filter(user),
    ]
    idents = func.count(distinct(theirs.identifier_id))
    cases = func.count(distinct(theirs.case_id))
    top = session.execute(
        select(Person.id, Person.code, Person.name, Person.protected, idents, cases)
        .select_from(mine)
        .join(theirs, theirs.identifier_id == mine.identifier_id)
        .join(Person, Person.id == theirs.person_id)
        .where(*shared)
        .group_by(Person.id, Person.code, Person.name, Person.protected)
        .order_by(idents.desc(), cases.desc(), Person.id)
        .limit(MAX_LINKED_PEOPLE)
    ).all()
    ids = [row[0] for row in top]
    via: dict[int, list[str]] = {}
    rows = session.execute(
        select(Person.id, Identifier.display, Identifier.value)
        .select_from(mine)
        .join(theirs, theirs.identifier_id == mine.identifier_id)
        .join(Person, Person.id == theirs.person_id)
        .join(Identifier, Identifier.id == theirs.identifier_id)
        .where(*shared, Person.id.in_(ids))
        .distinct()
        .order_by(Person.id, Identifier.display, Identifier.value)
    ).all()
    for pid, display, value in rows:
        via.setdefault(pid, []).append(display or value)
    return [
        LinkedPerson(
            pid,
            code if protected else name,
            [PROTECTED] if hidden or protected else via.get(pid, []),
            int(n_cases),
        )
        for pid, code, name, protected, _, n_cases in top
    ]


def person_detail(
    db: Database, user: User, person_id: int, *, ip: str | None = None
) -> PersonDetail:
    """The person page's data; audited as ``person.view``. NotFound for an invisible person."""
    with db.session() as session:
        person = require_person(session, user, person_id)
        aliases = session.scalars(
            select(PersonAlias.alias)
            .where(PersonAlias.person_id == person.id)
            .order_by(PersonAlias.id)
        ).all()
        hidden = person.protected
        detail = PersonDetail(
            id=person.id,
            code=person.code,
            shown_name=person.shown_name,
            protected=hidden,
            aliases=[] if hidden else list(aliases),
            gender=person.gender,
            gender_label=vocab.label("gender", person.gender),
            age=person.age,
            age_band=person.age_band,
            age_band_label=vocab.label("age_band", person.age_band),
            date_of_birth=None if hidden else person.date_of_birth,
            nationality=person.nationality,
            home_state=person.home_state,
            address="" if hidden else person.address,
            roles=_roles(session, user, person.id),
            identifiers=_person_identifiers(session, user, person.id, hidden),
            linked=_linked(session, user, person.id, hidden),
        )
        audit.record(
            session, user, "person.view", "person", person.id, {"code": person.code}, ip=ip
        )
    return detail
