"""Read models of the entity layer for the pages and the API, within what a user may see.

Every query here keeps to the user's need-to-know: a record is shown only when the user may
see it (a part in a visible case), its cases only when visible, and records the user may
not see are left out without a count. Protected people (victims) show by code only, with
no alias, date of birth or contact: revealing an identity stays the person page's audited
act.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nervecentre.cases import vocab
from nervecentre.cases.models import Case, District
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person, PersonAlias
from nervecentre.resolve.models import Decision, EntityLink, ResolutionRun
from nervecentre.resolve.registry import entity_of
from nervecentre.security import audit
from nervecentre.security.access import require_person, visible_cases_filter
from nervecentre.security.models import User
from nervecentre.store.db import Database


@dataclass(frozen=True, slots=True)
class CaseSeen:
    """A visible case a record appears in, with the record's part in it."""

    case_id: int
    case_key: str
    fir_date: date
    district: str
    unit_code: str
    role_label: str


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """One source person record as the user may see it (victims by code, nothing more)."""

    person_id: int
    code: str
    shown_name: str
    protected: bool
    gender_label: str
    age: int | None
    date_of_birth: date | None
    home_state: str
    aliases: list[str]
    phones: list[str]
    emails: list[str]
    cases: list[CaseSeen]


@dataclass(frozen=True, slots=True)
class LinkWhy:
    """Why a record is in its entity: the model's score and version, or a decision."""

    how: str  # 'alone', 'model' or 'analyst'
    score: float | None
    model_version: str
    linked_at: datetime | None
    decided_by: str = ""
    decided_at: datetime | None = None
    decision_id: int | None = None


@dataclass(frozen=True, slots=True)
class EntityMember:
    """A record of the entity with why it belongs there."""

    record: RecordFacts
    why: LinkWhy


@dataclass(frozen=True, slots=True)
class PendingDecision:
    """A standing decision between two visible records of the entity, newer than its run."""

    decision_id: int
    person_a: int
    person_b: int
    verdict: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class EntityDetail:
    """A person record's entity: its visible records, names, aliases, phones and cases."""

    entity_id: int
    person_id: int
    resolved: bool
    run_at: datetime | None
    members: list[EntityMember]
    names: list[str]
    aliases: list[str]
    phones: list[str]
    cases: list[CaseSeen]
    pending: list[PendingDecision]


def record_facts(session: Session, user: User, ids: Sequence[int]) -> dict[int, RecordFacts]:
    """The facts of visible records (the caller checked each is visible), keyed by id."""
    if not ids:
        return {}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    cases: dict[int, list[CaseSeen]] = {pid: [] for pid in ids}
    rows = session.execute(
        select(CaseRole.person_id, CaseRole.role, Case, District.name)
        .join(Case, Case.id == CaseRole.case_id)
        .join(District, District.code == Case.district_code)
        .where(CaseRole.person_id.in_(ids), visible_cases_filter(user))
        .order_by(Case.fir_at, Case.id)
    )
    for pid, role, case, district in rows:
        cases[pid].append(
            CaseSeen(
                case.id,
                case.case_key,
                case.fir_at.date(),
                district,
                case.unit_code,
                vocab.label("person_role", role),
            )
        )
    aliases: dict[int, list[str]] = {}
    for pid, alias in session.execute(
        select(PersonAlias.person_id, PersonAlias.alias)
        .where(PersonAlias.person_id.in_(ids))
        .order_by(PersonAlias.id)
    ):
        aliases.setdefault(pid, []).append(alias)
    contacts: dict[int, dict[str, list[str]]] = {}
    for owner, kind, display, value in session.execute(
        select(IdentifierUse.person_id, Identifier.kind, Identifier.display, Identifier.value)
        .join(Identifier, Identifier.id == IdentifierUse.identifier_id)
        .join(Case, Case.id == IdentifierUse.case_id)
        .where(IdentifierUse.person_id.in_(ids), visible_cases_filter(user))
        .distinct()
        .order_by(Identifier.kind, Identifier.value)
    ):
        found = contacts.setdefault(owner or 0, {}).setdefault(kind, [])
        shown = display or value
        if shown not in found:
            found.append(shown)
    out = {}
    for pid in ids:
        p = people[pid]
        hidden = p.protected
        mine = {} if hidden else contacts.get(pid, {})
        out[pid] = RecordFacts(
            person_id=pid,
            code=p.code,
            shown_name=p.shown_name,
            protected=hidden,
            gender_label=vocab.label("gender", p.gender),
            age=p.age,
            date_of_birth=None if hidden else p.date_of_birth,
            home_state=p.home_state,
            aliases=[] if hidden else aliases.get(pid, []),
            phones=mine.get("phone", []),
            emails=mine.get("email", []),
            cases=cases[pid],
        )
    return out


def _usernames(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {uid: name for uid, name in rows}


def _standing(session: Session, ids: Sequence[int]) -> list[Decision]:
    """Standing decisions between two of ``ids``, newest last."""
    return list(
        session.scalars(
            select(Decision)
            .where(
                Decision.undone_at.is_(None),
                Decision.person_a.in_(ids),
                Decision.person_b.in_(ids),
            )
            .order_by(Decision.decided_at, Decision.id)
        )
    )


def entity_detail(
    db: Database,
    user: User,
    person_id: int,
    *,
    ip: str | None = None,
    audit_alone: bool = True,
) -> EntityDetail:
    """The entity of a visible record as ``user`` may see it (NotFound otherwise).

    Audited as a ``person.view`` of the record naming the records shown; with
    ``audit_alone=False`` only when other records are shown (the person page records its
    own ``person.view`` of the record itself).
    """
    view = entity_of(db, user, person_id)
    ids = [m.person_id for m in view.members]
    with db.session() as session:
        facts = record_facts(session, user, ids)
        links = {
            link.person_id: link
            for link in session.scalars(select(EntityLink).where(EntityLink.person_id.in_(ids)))
        }
        run_ids = {link.run_id for link in links.values() if link.run_id is not None}
        run_at = session.scalar(
            select(func.max(ResolutionRun.finished_at)).where(ResolutionRun.id.in_(run_ids))
        )
        decisions = _standing(session, ids)
        names = _usernames(session, [d.user_id for d in decisions])
        members = [
            EntityMember(facts[pid], _why(pid, links.get(pid), decisions, names)) for pid in ids
        ]
        pending = [
            PendingDecision(
                d.id, d.person_a, d.person_b, d.verdict, names.get(d.user_id, ""), d.decided_at
            )
            for d in decisions
            if run_at is None or d.decided_at > run_at
        ]
        if audit_alone or len(ids) > 1:
            audit.record(
                session,
                user,
                "person.view",
                "person",
                person_id,
                {"entity": view.entity_id, "records": ids},
                ip=ip,
            )
            session.commit()
    cases = {c.case_id: c for f in facts.values() for c in f.cases}
    return EntityDetail(
        entity_id=view.entity_id,
        person_id=person_id,
        resolved=bool(links),
        run_at=run_at,
        members=members,
        names=_unique(f.shown_name for f in facts.values()),
        aliases=_unique(a for f in facts.values() for a in f.aliases),
        phones=_unique(p for f in facts.values() for p in f.phones),
        cases=sorted(cases.values(), key=lambda c: (c.fir_date, c.case_id)),
        pending=pending,
    )


def _why(
    pid: int, link: EntityLink | None, decisions: Sequence[Decision], names: dict[int, str]
) -> LinkWhy:
    if link is None:
        return LinkWhy("alone", None, "", None)
    same = [d for d in decisions if d.verdict == "same" and pid in (d.person_a, d.person_b)]
    if same and link.how != "alone":
        d = same[-1]
        return LinkWhy(
            "analyst",
            link.score,
            link.model_version,
            link.linked_at,
            names.get(d.user_id, ""),
            d.decided_at,
            d.id,
        )
    return LinkWhy(link.how, link.score, link.model_version, link.linked_at)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def require_pair(session: Session, user: User, a: int, b: int) -> None:
    """NotFound unless both records are visible (as for one record)."""
    require_person(session, user, a)
    require_person(session, user, b)


def decided_pair(db: Database, a: int, b: int) -> Decision | None:
    """The standing decision on a pair, if any (detached)."""
    with db.session() as session:
        found = [d for d in _standing(session, [a, b]) if {d.person_a, d.person_b} == {a, b}]
        if not found:
            return None
        session.expunge(found[-1])
        return found[-1]
