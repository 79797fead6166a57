"""Need-to-know: which cases (and so which people) a user may see, decided in SQL.

A user sees the cases of their own units, of units and cases granted to them, and no
others; a restricted case only its named users see. ``case.view_all`` (admins) sees
everything, restricted cases included, because someone must be able to oversee and audit.

Invisible and missing records raise the same NotFound: a 403 would confirm to someone
guessing ids that case 4711 exists (and, by its unit, roughly what it is about).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case
from nervecentre.cases.people import CaseRole, Person
from nervecentre.errors import NotFound
from nervecentre.security import audit
from nervecentre.security.models import (
    AccessGrant,
    CaseRestriction,
    CaseRestrictionUser,
    User,
    UserUnit,
)
from nervecentre.security.roles import can, require
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database


def _active_grants(user: User, now: datetime) -> ColumnElement[bool]:
    return and_(
        AccessGrant.grantee_id == user.id,
        AccessGrant.revoked_at.is_(None),
        or_(AccessGrant.expires_at.is_(None), AccessGrant.expires_at > now),
    )


def visible_cases_filter(user: User, *, now: datetime | None = None) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Case` keeping only the cases ``user`` may see.

    Use it in every query that lists, searches or counts cases:
    ``select(Case).where(visible_cases_filter(user))``.
    """
    if not can(user, "case.view"):
        return false()
    if can(user, "case.view_all"):
        return true()
    now = now or utcnow()
    granted = _active_grants(user, now)
    restricted = exists().where(CaseRestriction.case_id == Case.id)
    named = exists().where(
        CaseRestrictionUser.case_id == Case.id, CaseRestrictionUser.user_id == user.id
    )
    own_units = select(UserUnit.unit_code).where(UserUnit.user_id == user.id)
    granted_units = select(AccessGrant.unit_code).where(granted, AccessGrant.unit_code.is_not(None))
    granted_cases = select(AccessGrant.case_id).where(granted, AccessGrant.case_id.is_not(None))
    return or_(
        named,
        and_(
            ~restricted,
            or_(
                Case.unit_code.in_(own_units),
                Case.unit_code.in_(granted_units),
                Case.id.in_(granted_cases),
            ),
        ),
    )


def visible_people_filter(user: User, *, now: datetime | None = None) -> ColumnElement[bool]:
    """A WHERE clause on :class:`Person`: people with a part in at least one visible case."""
    return exists().where(
        CaseRole.person_id == Person.id,
        CaseRole.case_id == Case.id,
        visible_cases_filter(user, now=now),
    )


def can_view_case(db: Database, user: User, case_id: int, *, now: datetime | None = None) -> bool:
    """Whether ``user`` may see the case with this id (False for a missing case, too)."""
    query = select(Case.id).where(Case.id == case_id, visible_cases_filter(user, now=now))
    with db.session() as session:
        return session.scalar(query) is not None


def require_case(
    target: Database | Session, user: User, case_id: int, *, now: datetime | None = None
) -> Case:
    """The case, if ``user`` may see it; NotFound (never PermissionDenied) otherwise."""
    query = select(Case).where(Case.id == case_id, visible_cases_filter(user, now=now))
    if isinstance(target, Session):
        case = target.scalars(query).first()
    else:
        with target.session() as session:
            case = session.scalars(query).first()
    if case is None:
        raise NotFound(f"no case with id {case_id}")
    return case


def visible_case_ids(
    session: Session, user: User, person_id: int, *, now: datetime | None = None
) -> list[int]:
    """Ids of the visible cases a person has a part in."""
    query = (
        select(Case.id)
        .join(CaseRole, CaseRole.case_id == Case.id)
        .where(CaseRole.person_id == person_id, visible_cases_filter(user, now=now))
        .distinct()
        .order_by(Case.id)
    )
    return list(session.scalars(query))


def can_view_person(
    db: Database, user: User, person_id: int, *, now: datetime | None = None
) -> bool:
    """Whether ``user`` may see this person: person.view and a part in a visible case."""
    if not can(user, "person.view"):
        return False
    with db.session() as session:
        return bool(visible_case_ids(session, user, person_id, now=now))


def require_person(
    target: Database | Session, user: User, person_id: int, *, now: datetime | None = None
) -> Person:
    """The person, if ``user`` may see them; NotFound otherwise (as for cases)."""
    require(user, "person.view")
    query = select(Person).where(Person.id == person_id, visible_people_filter(user, now=now))
    if isinstance(target, Session):
        person = target.scalars(query).first()
    else:
        with target.session() as session:
            person = session.scalars(query).first()
    if person is None:
        raise NotFound(f"no person with id {person_id}")
    return person


def open_case(db: Database, user: User, case_id: int, *, ip: str | None = None) -> Case:
    """Fetch a case for display and audit the view (``case.view``)."""
    with db.session() as session:
        case = require_case(session, user, case_id)
        audit.record(
            session, user, "case.view", "case", case.id, {"case_key": case.case_key}, ip=ip
        )
    return case


def open_person(db: Database, user: User, person_id: int, *, ip: str | None = None) -> Person:
    """Fetch a person for display and audit the view (``person.view``)."""
    with db.session() as session:
        person = require_person(session, user, person_id)
        detail = {"code": person.code}
        audit.record(session, user, "person.view", "person", person.id, detail, ip=ip)
    return person
