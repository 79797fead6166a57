"""Changing need-to-know: grants of a case or unit to a user, and restricted cases.

Granting needs ``access.grant``. A supervisor may grant only what they can see themselves
(a case visible to them, a unit they belong to), and never to themselves: access widens
only by someone else's decision. Admins may grant anything. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.orm import Session, aliased

from nervecentre.cases.models import Case, Unit
from nervecentre.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from nervecentre.security import audit
from nervecentre.security.access import require_case, visible_cases_filter
from nervecentre.security.audit import Actor, actor_name
from nervecentre.security.models import AccessGrant, CaseRestriction, CaseRestrictionUser, User
from nervecentre.security.roles import can, require
from nervecentre.security.users import user_in
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database
from nervecentre.types.text import clean_reason

MIN_REASON = 10
# Database ids are 64-bit: a longer number names no case (and would overflow SQLite).
_MAX_ID = 2**63 - 1


def check_reason(reason: str, what: str) -> str:
    """The reason as kept (invisible characters dropped, spaces collapsed); InvalidValue
    unless it has :data:`MIN_REASON` characters and some letters (``types.text``)."""
    return clean_reason(reason, what, minimum=MIN_REASON)[:400]


# The grants and restrictions a page lists are read under these names: the need-to-know
# filter's own subqueries read access_grants, cases and case_restrictions, and would be
# correlated away against the same tables in the outer query.
_GRANT = aliased(AccessGrant, name="listed_grant")
_CASE = aliased(Case, name="listed_case")
_RESTRICTION = aliased(CaseRestriction, name="listed_restriction")


def _visible_ids(actor: User) -> Select[int]:
    return select(Case.id).where(visible_cases_filter(actor))


def _manageable(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on :data:`_GRANT`: the grants the actor may grant and revoke."""
    if not isinstance(actor, User) or can(actor, "case.view_all"):
        return true()
    return _GRANT.case_id.in_(_visible_ids(actor)) | _GRANT.unit_code.in_(actor.unit_codes)


def find_case(db: Database, actor: Actor, ref: str) -> int:
    """The id of the case with this id or case key, if the actor may see it.

    NotFound says the same for a case that does not exist and one the actor may not see.
    """
    text = ref.strip()
    if not text:
        raise InvalidValue("give the case's id or its case key", kind="case")
    if text.isascii() and text.isdigit():
        where = Case.id == int(text) if int(text) <= _MAX_ID else Case.id.is_(None)
    else:
        where = Case.case_key == text
    query = select(Case.id).where(where)
    if isinstance(actor, User):
        query = query.where(visible_cases_filter(actor))
    with db.session() as session:
        found = session.scalar(query)
    if found is None:
        raise NotFound(f"no case {text!r} (give its id or its case key)")
    return int(found)


def _case(session: Session, actor: Actor, case_id: int) -> Case:
    if isinstance(actor, User):
        require(actor, "access.grant")
        return require_case(session, actor, case_id)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case with id {case_id}")
    return case


def _grant(
    db: Database,
    actor: Actor,
    grantee: str,
    reason: str,
    expires_at: datetime | None,
    ip: str | None,
    *,
    case_id: int | None = None,
    unit_code: str | None = None,
) -> AccessGrant:
    text = check_reason(reason, "a grant")
    if expires_at is not None and expires_at <= utcnow():
        raise InvalidValue("the grant's expiry is in the past", kind="expires_at")
    with db.session() as session:
        user = user_in(session, grantee)
        if isinstance(actor, User) and actor.username == user.username:
            raise PermissionDenied("nobody may grant access to themselves")
        detail: dict[str, object] = {"reason": text, "expires_at": expires_at}
        if case_id is not None:
            case = _case(session, actor, case_id)
            target_type, target_id = "case", str(case.id)
            detail["case_key"] = case.case_key
        else:
            code = (unit_code or "").strip().upper()
            if session.get(Unit, code) is None:
                raise InvalidValue(f"unknown unit code {unit_code!r}", kind="unit")
            if isinstance(actor, User):
                require(actor, "access.grant")
                if not can(actor, "case.view_all") and code not in actor.unit_codes:
                    raise PermissionDenied(f"you may grant only your own units, not {code}")
            target_type, target_id, unit_code = "unit", code, code
        grant = AccessGrant(
            grantee_id=user.id,
            case_id=case_id,
            unit_code=unit_code if case_id is None else None,
            granted_by=actor_name(actor),
            reason=text,
            expires_at=expires_at,
            revoked_by="",
        )
        session.add(grant)
        session.flush()
        detail.update(grant_id=grant.id, grantee=user.username, target=target_type)
        audit.record(session, actor, "access.grant", target_type, target_id, detail, ip=ip)
        grant.grantee = user
    return grant


def grant_case(
    db: Database,
    actor: Actor,
    grantee: str,
    case_id: int,
    reason: str,
    *,
    expires_at: datetime | None = None,
    ip: str | None = None,
) -> AccessGrant:
    """Let ``grantee`` see one case beyond their units, until revoked or ``expires_at``."""
    return _grant(db, actor, grantee, reason, expires_at, ip, case_id=case_id)


def grant_unit(
    db: Database,
    actor: Actor,
    grantee: str,
    unit_code: str,
    reason: str,
    *,
    expires_at: datetime | None = None,
    ip: str | None = None,
) -> AccessGrant:
    """Let ``grantee`` see every case of a unit, until revoked or ``expires_at``."""
    return _grant(db, actor, grantee, reason, expires_at, ip, unit_code=unit_code)


def revoke_grant(
    db: Database, actor: Actor, grant_id: int, reason: str = "", *, ip: str | None = None
) -> AccessGrant:
    """End a grant now; Conflict if it was already revoked."""
    if isinstance(actor, User):
        require(actor, "access.grant")
    with db.session() as session:
        grant = session.get(AccessGrant, grant_id)
        # A grant of a case or unit the actor may not grant is as missing as one that never was.
        if grant is None or not session.scalar(
            select(_GRANT.id).where(_GRANT.id == grant_id, _manageable(actor))
        ):
            raise NotFound(f"no access grant with id {grant_id}")
        if grant.revoked_at is not None:
            raise Conflict(f"grant {grant_id} was already revoked")
        grant.revoked_at, grant.revoked_by = utcnow(), actor_name(actor)
        target = ("case", str(grant.case_id)) if grant.case_id else ("unit", grant.unit_code)
        detail = {"grant_id": grant.id, "grantee": grant.grantee.username, "reason": reason}
        audit.record(session, actor, "access.revoke", *target, detail, ip=ip)
    return grant


def list_grants(
    db: Database, username: str | None = None, *, active_only: bool = True
) -> list[AccessGrant]:
    """Grants (of one user, or everyone's), newest first; only live ones unless asked."""
    query = select(AccessGrant).order_by(AccessGrant.id.desc())
    with db.session() as session:
        if username is not None:
            query = query.where(AccessGrant.grantee_id == user_in(session, username).id)
        if active_only:
            now = utcnow()
            query = query.where(AccessGrant.revoked_at.is_(None)).where(
                (AccessGrant.expires_at.is_(None)) | (AccessGrant.expires_at > now)
            )
        return list(session.scalars(query))


def restrict_case(
    db: Database,
    actor: Actor,
    case_id: int,
    usernames: Iterable[str],
    reason: str,
    *,
    ip: str | None = None,
) -> list[str]:
    """Close a case to all but the named users (and admins); replaces an earlier list.

    The actor is not added silently: a supervisor who leaves themselves out loses sight
    of the case, as intended when a case concerns their own unit.
    """
    text = check_reason(reason, "restricting a case")
    with db.session() as session:
        case = _case(session, actor, case_id)
        users = [user_in(session, name) for name in dict.fromkeys(usernames)]
        restriction = session.get(CaseRestriction, case.id)
        before = _named(session, case.id) if restriction else None
        if restriction is None:
            restriction = CaseRestriction(case_id=case.id, restricted_by="", reason="")
            session.add(restriction)
        else:
            # Delete the old names first: re-inserting a kept name in the same flush would
            # collide with its not-yet-deleted row.
            restriction.users.clear()
            session.flush()
        restriction.restricted_by, restriction.reason = actor_name(actor), text
        restriction.restricted_at = utcnow()
        restriction.users = [CaseRestrictionUser(user_id=u.id) for u in users]
        session.flush()
        names = sorted(u.username for u in users)
        detail = {"reason": text, "before": before, "after": names, "case_key": case.case_key}
        audit.record(session, actor, "case.restrict", "case", case.id, detail, ip=ip)
    return names


def unrestrict_case(
    db: Database, actor: Actor, case_id: int, reason: str, *, ip: str | None = None
) -> None:
    """Lift a restriction: the case is visible by the ordinary unit and grant rules again."""
    text = check_reason(reason, "lifting a restriction")
    with db.session() as session:
        case = _case(session, actor, case_id)
        restriction = session.get(CaseRestriction, case.id)
        if restriction is None:
            raise Conflict(f"case {case_id} is not restricted")
        session.delete(restriction)
        detail = {"reason": text, "case_key": case.case_key}
        audit.record(session, actor, "case.unrestrict", "case", case.id, detail, ip=ip)


def _named(session: Session, case_id: int) -> list[str]:
    query = (
        select(User.username)
        .join(CaseRestrictionUser, CaseRestrictionUser.user_id == User.id)
        .where(CaseRestrictionUser.case_id == case_id)
        .order_by(User.username)
    )
    return list(session.scalars(query))


def restricted_to(db: Database, case_id: int) -> list[str] | None:
    """Usernames a case is restricted to, or None when it is not restricted."""
    with db.session() as session:
        if session.get(CaseRestriction, case_id) is None:
            return None
        return _named(session, case_id)


@dataclass(frozen=True)
class GrantRow:
    """A grant as a page lists it: whose, of what, by whom, why and until when."""

    id: int
    grantee: str
    grantee_name: str
    case_id: int | None
    case_key: str | None
    unit_code: str | None
    granted_by: str
    reason: str
    granted_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str

    @classmethod
    def of(cls, grant: AccessGrant, case_key: str | None) -> GrantRow:
        """The row of a grant loaded with its grantee."""
        g, who = grant, grant.grantee
        return cls(
            g.id, who.username, who.display_name, g.case_id, case_key, g.unit_code,
            g.granted_by, g.reason, g.granted_at, g.expires_at, g.revoked_at, g.revoked_by,
        )  # fmt: skip

    def live(self, now: datetime) -> bool:
        """Whether the grant still widens its grantee's access at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def manageable_grants(db: Database, actor: Actor, *, active_only: bool = True) -> list[GrantRow]:
    """The grants the actor may revoke (of cases they see, of their own units), newest first."""
    if isinstance(actor, User):
        require(actor, "access.grant")
    query = (
        select(_GRANT, _CASE.case_key)
        .outerjoin(_CASE, _CASE.id == _GRANT.case_id)
        .where(_manageable(actor))
        .order_by(_GRANT.id.desc())
    )
    if active_only:
        now = utcnow()
        query = query.where(_GRANT.revoked_at.is_(None)).where(
            (_GRANT.expires_at.is_(None)) | (_GRANT.expires_at > now)
        )
    with db.session() as session:
        return [GrantRow.of(grant, key) for grant, key in session.execute(query)]


@dataclass(frozen=True)
class RestrictionRow:
    """A restricted case as a page lists it, with the users named on it."""

    case_id: int
    case_key: str
    users: tuple[str, ...]
    restricted_by: str
    reason: str
    restricted_at: datetime


def restrictions(db: Database, actor: Actor) -> list[RestrictionRow]:
    """The restricted cases the actor can see (and so may change), newest first."""
    query = select(_RESTRICTION, _CASE.case_key).join(_CASE, _CASE.id == _RESTRICTION.case_id)
    if isinstance(actor, User):
        require(actor, "access.grant")
        query = query.where(_CASE.id.in_(_visible_ids(actor)))
    query = query.order_by(_RESTRICTION.restricted_at.desc(), _RESTRICTION.case_id.desc())
    with db.session() as session:
        found = session.execute(query).all()
        named: dict[int, list[str]] = {r.case_id: [] for r, _key in found}
        rows = session.execute(
            select(CaseRestrictionUser.case_id, User.username)
            .join(User, User.id == CaseRestrictionUser.user_id)
            .where(CaseRestrictionUser.case_id.in_(list(named)))
            .order_by(User.username)
        )
        for case_id, username in rows:
            named[case_id].append(username)
        return [
            RestrictionRow(
                r.case_id, key, tuple(named[r.case_id]), r.restricted_by, r.reason, r.restricted_at
            )
            for r, key in found
        ]


def grantable_units(actor: Actor) -> list[str] | None:
    """Codes of the units the actor may grant, or None for any unit (admins, the CLI)."""
    if not isinstance(actor, User) or can(actor, "case.view_all"):
        return None
    require(actor, "access.grant")
    return actor.unit_codes
