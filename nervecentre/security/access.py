"""Need-to-know: which cases (and so which people) a user may see, decided in SQL.

A user sees the cases of their own units, of units and cases granted to them, and no
others; a restricted case only its named users see. ``case.view_all`` (admins) sees
everything, restricted cases included, because someone must be able to oversee and audit.

Invisible and missing records raise the same NotFound: a 403 would confirm to someone
guessing ids that case 4711 exists (and, by its unit, roughly what it is about).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
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
from nervecentre.store.generations import Kept, generation

# Up to this many restricted cases are listed in a resolved filter; beyond, it looks them up.
MAX_LISTED_RESTRICTIONS = 1_000
_CASES = Case.__table__.c


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


def _visibility_statement() -> CompoundSelect[Any]:
    """(kind, unit, case) rows: 1 units, 2 granted cases, 3 named cases, 4 restricted cases."""
    user_id, now = bindparam("user_id", type_=Integer), bindparam("now", type_=DateTime)
    granted = and_(
        AccessGrant.grantee_id == user_id,
        AccessGrant.revoked_at.is_(None),
        or_(AccessGrant.expires_at.is_(None), AccessGrant.expires_at > now),
    )
    no_unit, no_case = cast(null(), String), cast(null(), Integer)
    listed = select(CaseRestriction.case_id).limit(MAX_LISTED_RESTRICTIONS + 1).subquery()
    return union_all(
        select(literal(1), UserUnit.unit_code, no_case).where(UserUnit.user_id == user_id),
        select(literal(1), AccessGrant.unit_code, no_case).where(
            granted, AccessGrant.unit_code.is_not(None)
        ),
        select(literal(2), no_unit, AccessGrant.case_id).where(
            granted, AccessGrant.case_id.is_not(None)
        ),
        select(literal(3), no_unit, CaseRestrictionUser.case_id).where(
            CaseRestrictionUser.user_id == user_id
        ),
        select(literal(4), no_unit, listed.c.case_id),
    )


# Built once: a search reads its user's visibility with it, in one statement.
_VISIBILITY = _visibility_statement()


@dataclass(frozen=True)
class Visibility:
    """What :func:`visible_cases_filter` decides for one user, read from the database once.

    ``units``: the user's own and actively granted units; ``cases``: cases seen whatever
    their unit (named on a restriction, or actively granted and not restricted);
    ``restricted``: the restricted cases, or None when there are too many to list.
    """

    everything: bool = False
    units: tuple[str, ...] = ()
    cases: tuple[int, ...] = ()
    restricted: tuple[int, ...] | None = ()

    def condition(self, hide: Callable[[Any], Any] | None = None) -> ColumnElement[bool]:
        """A WHERE clause on :class:`Case` that keeps exactly the cases the filter keeps.

        Literal lists, not subqueries per case: the database tests index entries. ``hide``
        wraps the columns compared (a planner hint, such as SQLite's unary +).
        """
        if self.everything:
            return true()
        unit, case_id = (
            (hide(_CASES.unit_code), hide(_CASES.id)) if hide else (_CASES.unit_code, _CASES.id)
        )
        branches: list[ColumnElement[bool]] = []
        if self.units:
            mine = unit.in_(self.units)
            if self.restricted is None:
                mine = and_(mine, case_id.not_in(select(CaseRestriction.case_id)))
            elif self.restricted:
                mine = and_(mine, case_id.not_in(self.restricted))
            branches.append(mine)
        if self.cases:
            branches.append(case_id.in_(self.cases))
        return or_(*branches) if len(branches) > 1 else branches[0] if branches else false()


@dataclass(frozen=True)
class _Kept:
    """A user's visibility as read under one access generation, at ``read_at``; good until
    the first of their active grants expires (``until``)."""

    generation: int
    read_at: datetime
    until: datetime | None
    seen: Visibility


# Per database: user id -> their visibility, kept while the access generation holds (it
# moves on any change to users, units, grants or restrictions: SQLite only).
_KEPT: Kept[int, _Kept] = Kept(1_024)


def visibility(session: Session, user: User, *, now: datetime | None = None) -> Visibility:
    """The user's :class:`Visibility` as the database holds it now (one or two statements).

    Its condition selects the same cases as ``visible_cases_filter(user, now=now)`` in a
    statement run soon after in the same transaction; a grant given later is not in it.
    On SQLite it is kept per process under the access generation, and only until the
    first of the user's grants expires.
    """
    if not can(user, "case.view"):
        return Visibility()
    if can(user, "case.view_all"):
        return Visibility(everything=True)
    now = now or utcnow()
    engine = session.get_bind().engine
    current = generation(session, "access")  # before what it covers is read
    kept = _KEPT.get(engine, user.id) if current is not None else None
    if (
        kept is not None
        and kept.generation == current
        and kept.read_at <= now
        and (kept.until is None or now < kept.until)
    ):
        return kept.seen
    seen = _read_visibility(session, user, now)
    if current is not None:
        until = session.scalar(_FIRST_EXPIRY, {"user_id": user.id, "now": now})
        _KEPT.put(engine, user.id, _Kept(current, now, until, seen))
    return seen


# When the first of a user's active grants expires: their visibility changes then.
_FIRST_EXPIRY = select(func.min(AccessGrant.expires_at)).where(
    AccessGrant.grantee_id == bindparam("user_id", type_=Integer),
    AccessGrant.revoked_at.is_(None),
    AccessGrant.expires_at > bindparam("now", type_=DateTime),
)


def _read_visibility(session: Session, user: User, now: datetime) -> Visibility:
    rows = session.execute(_VISIBILITY, {"user_id": user.id, "now": now}).all()
    found: dict[int, set[Any]] = {1: set(), 2: set(), 3: set(), 4: set()}
    for kind, unit, case_id in rows:
        found[kind].add(unit if kind == 1 else case_id)
    units, granted_cases, named, restricted = found[1], found[2], found[3], found[4]
    if len(restricted) > MAX_LISTED_RESTRICTIONS:
        # Too many to list: only the granted ones matter for the cases seen beyond units.
        restricted = (
            set(
                session.scalars(
                    select(CaseRestriction.case_id).where(
                        CaseRestriction.case_id.in_(sorted(granted_cases))
                    )
                )
            )
            if granted_cases
            else set()
        )
        listed_restricted: tuple[int, ...] | None = None
    else:
        listed_restricted = tuple(sorted(restricted))
    return Visibility(
        units=tuple(sorted(units)),
        cases=tuple(sorted(named | (granted_cases - restricted))),
        restricted=listed_restricted,
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
