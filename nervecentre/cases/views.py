"""Read models for the case and person pages and the API: plain dataclasses, no ORM objects.

Everything is loaded in one session and copied out, so a template or a JSON encoder can
never trigger a lazy load, and the view's audit entry commits with the read. Victims appear
only by their pseudonymous code: nothing here decrypts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from nervecentre import law
from nervecentre.cases import vocab

# Defined with the editing code it serves; importable from either module.
from nervecentre.cases.edit import case_form_data as case_form_data
from nervecentre.cases.models import (
    Case,
    CaseLink,
    Charge,
    District,
    Event,
    EventParticipant,
    RouteStop,
    Unit,
)
from nervecentre.cases.people import (
    CaseRole,
    Identifier,
    IdentifierUse,
    Person,
)
from nervecentre.errors import InvalidValue
from nervecentre.evidence.models import CustodyEntry, Document
from nervecentre.security import audit
from nervecentre.security.access import (
    require_case,
    visible_cases_filter,
)
from nervecentre.security.grants import restricted_to
from nervecentre.security.models import User
from nervecentre.store.base import edited_set
from nervecentre.store.db import Database
from nervecentre.types.times import RegisterTime, SystemTime

# A protected person's identifiers (a victim's phone, say) are contact details: shown only
# through reveal_victim, never on a page or in the API by default.
PROTECTED = "(protected: reveal to see)"


@dataclass(frozen=True, slots=True)
class ChargeView:
    """A charge as a case page shows it."""

    id: int
    law: str
    section: str
    subsection: str
    display: str
    stage: str
    stage_label: str
    equivalent: str


@dataclass(frozen=True, slots=True)
class PersonInCase:
    """Someone with a part in a case; victims by code only."""

    person_id: int
    code: str
    shown_name: str
    role: str
    role_label: str
    accused_roles: list[str]
    accused_role_labels: list[str]
    gender: str
    age_band: str
    protected: bool


@dataclass(frozen=True, slots=True)
class EventView:
    """An event of a case; ``at`` keeps the time of day."""

    id: int
    kind: str
    kind_label: str
    at: RegisterTime
    place: str
    description: str
    participants: list[str]


@dataclass(frozen=True, slots=True)
class IdentifierView:
    """An identifier seen in a case, and whose it was when known."""

    id: int
    kind: str
    display: str
    person_id: int | None
    person: str | None


@dataclass(frozen=True, slots=True)
class RouteStopView:
    """One stop of the trafficking route."""

    seq: int
    stage: str
    stage_label: str
    place: str
    state: str
    country: str


@dataclass(frozen=True, slots=True)
class CustodyView:
    """One step of a document's chain of custody."""

    at: SystemTime
    actor: str
    action: str
    note: str


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A document attached to a case, with its chain of custody."""

    id: int
    filename: str
    title: str
    media_type: str
    size: int
    sha256: str
    added_by: str
    added_at: SystemTime
    custody: list[CustodyView]


@dataclass(frozen=True, slots=True)
class LinkedCase:
    """A case linked to this one; ``direction`` is 'to' (linked from here) or 'from'."""

    id: int
    case_key: str
    kind: str
    kind_label: str
    note: str
    direction: str


@dataclass(frozen=True, slots=True)
class CaseDetail:
    """Everything the case page and ``GET /cases/{id}`` show."""

    id: int
    case_key: str
    fir_number: str
    fir_year: int
    police_station_code: str
    police_station_name: str
    district_code: str
    district_name: str
    unit_code: str
    unit_name: str
    fir_at: RegisterTime
    info_received_at: RegisterTime | None
    info_mode: str | None
    info_mode_label: str
    occurred_from: RegisterTime | None
    occurred_to: RegisterTime | None
    occurrence_place: str
    brief_facts: str
    crime_heads: list[str]
    crime_head_labels: list[str]
    status: str
    status_label: str
    next_statuses: list[str]
    investigating_officer: str
    created_at: SystemTime
    updated_at: SystemTime
    charges: list[ChargeView]
    people: list[PersonInCase]
    events: list[EventView]
    identifiers: list[IdentifierView]
    route: list[RouteStopView]
    documents: list[DocumentView]
    links: list[LinkedCase]
    restricted_to: list[str] | None
    #: Fields changed in nervecentre; a re-import of the register keeps their values.
    edited_fields: list[str]


def code_labels(vocabulary: str, codes: str) -> tuple[list[str], list[str]]:
    parts = [c for c in codes.split(",") if c]
    return parts, [vocab.label(vocabulary, c) for c in parts]


def _crime_head_label(code: str) -> str:
    try:
        return law.crime_head(code).name
    except InvalidValue:
        return code


def _unit_name(session: Session, code: str) -> str:
    row = session.get(Unit, code)
    return row.name if row is not None else code


def _district_name(session: Session, code: str) -> str:
    row = session.get(District, code)
    return row.name if row is not None else code


def _charges(session: Session, case_id: int) -> list[ChargeView]:
    rows = session.scalars(select(Charge).where(Charge.case_id == case_id).order_by(Charge.id))
    return [
        ChargeView(
            id=c.id,
            law=c.law,
            section=c.section,
            subsection=c.subsection,
            display=f"{c.law} {c.section}({c.subsection})" if c.subsection else c.section_key,
            stage=c.stage,
            stage_label=vocab.label("charge_stage", c.stage),
            equivalent=c.equivalent,
        )
        for c in rows
    ]


def _people(session: Session, case_id: int) -> list[PersonInCase]:
    order = {code: i for i, code in enumerate(vocab.codes("person_role"))}
    rows = session.execute(
        select(CaseRole, Person)
        .join(Person, Person.id == CaseRole.person_id)
        .where(CaseRole.case_id == case_id)
        .order_by(Person.id)
    ).all()
    out = []
    for role, p in sorted(rows, key=lambda r: (order.get(r[0].role, 99), r[1].id)):
        codes, labels = code_labels("accused_role", role.accused_roles)
        out.append(
            PersonInCase(
                person_id=p.id,
                code=p.code,
                shown_name=p.shown_name,
                role=role.role,
                role_label=vocab.label("person_role", role.role),
                accused_roles=codes,
                accused_role_labels=labels,
                gender=p.gender,
                age_band=p.age_band,
                protected=p.protected,
            )
        )
    return out


def _events(session: Session, case_id: int) -> list[EventView]:
    events = session.scalars(
        select(Event).where(Event.case_id == case_id).order_by(Event.occurred_at, Event.id)
    ).all()
    names: dict[int, list[str]] = {}
    parts = session.execute(
        select(EventParticipant.event_id, Person)
        .join(Person, Person.id == EventParticipant.person_id)
        .where(EventParticipant.event_id.in_([e.id for e in events]))
        .order_by(EventParticipant.id)
    ).all()
    for event_id, person in parts:
        names.setdefault(event_id, []).append(person.shown_name)
    return [
        EventView(
            id=e.id,
            kind=e.kind,
            kind_label=vocab.label("event_kind", e.kind),
            at=e.occurred_at,
            place=e.place,
            description=e.description,
            participants=names.get(e.id, []),
        )
        for e in events
    ]


def _identifiers(session: Session, case_id: int) -> list[IdentifierView]:
    rows = session.execute(
        select(Identifier, Person)
        .join(IdentifierUse, IdentifierUse.identifier_id == Identifier.id)
        .outerjoin(Person, Person.id == IdentifierUse.person_id)
        .where(IdentifierUse.case_id == case_id)
        .order_by(Identifier.kind, Identifier.value, IdentifierUse.id)
    ).all()
    return [
        IdentifierView(
            id=ident.id,
            kind=ident.kind,
            display=PROTECTED if person and person.protected else ident.display or ident.value,
            person_id=person.id if person else None,
            person=person.shown_name if person else None,
        )
        for ident, person in rows
    ]


def _route(session: Session, case_id: int) -> list[RouteStopView]:
    rows = session.scalars(
        select(RouteStop).where(RouteStop.case_id == case_id).order_by(RouteStop.seq)
    )
    return [
        RouteStopView(
            seq=s.seq,
            stage=s.stage,
            stage_label=vocab.label("route_stage", s.stage),
            place=s.place,
            state=s.state,
            country=s.country,
        )
        for s in rows
    ]


def _documents(session: Session, case_id: int) -> list[DocumentView]:
    docs = session.scalars(
        select(Document).where(Document.case_id == case_id).order_by(Document.added_at, Document.id)
    ).all()
    custody: dict[int, list[CustodyView]] = {}
    entries = session.scalars(
        select(CustodyEntry)
        .where(CustodyEntry.document_id.in_([d.id for d in docs]))
        .order_by(CustodyEntry.at, CustodyEntry.id)
    )
    for c in entries:
        custody.setdefault(c.document_id, []).append(CustodyView(c.at, c.actor, c.action, c.note))
    return [
        DocumentView(
            id=d.id,
            filename=d.filename,
            title=d.title,
            media_type=d.media_type,
            size=d.size,
            sha256=d.sha256,
            added_by=d.added_by,
            added_at=d.added_at,
            custody=custody.get(d.id, []),
        )
        for d in docs
    ]


def _links(session: Session, user: User, case_id: int) -> list[LinkedCase]:
    # Only linked cases the user may see: a link must not reveal a case's key to outsiders.
    out: list[LinkedCase] = []
    for direction, here, there in (
        ("to", CaseLink.case_id, CaseLink.other_case_id),
        ("from", CaseLink.other_case_id, CaseLink.case_id),
    ):
        rows = session.execute(
            select(CaseLink, Case.id, Case.case_key)
            .join(Case, Case.id == there)
            .where(here == case_id, visible_cases_filter(user))
            .order_by(CaseLink.id)
        ).all()
        out += [
            LinkedCase(
                id=other_id,
                case_key=key,
                kind=link.kind,
                kind_label=vocab.label("case_link", link.kind),
                note=link.note,
                direction=direction,
            )
            for link, other_id, key in rows
        ]
    return out


def case_detail(db: Database, user: User, case_id: int, *, ip: str | None = None) -> CaseDetail:
    """The case page's data; audited as ``case.view``. NotFound for an invisible case."""
    with db.session() as session:
        case = require_case(session, user, case_id)
        heads = [h for h in case.crime_heads.split(",") if h]
        statuses = vocab.vocabulary("case_status")
        detail = CaseDetail(
            id=case.id,
            case_key=case.case_key,
            fir_number=case.fir_number,
            fir_year=case.fir_year,
            police_station_code=case.police_station_code,
            police_station_name=_unit_name(session, case.police_station_code),
            district_code=case.district_code,
            district_name=_district_name(session, case.district_code),
            unit_code=case.unit_code,
            unit_name=_unit_name(session, case.unit_code),
            fir_at=case.fir_at,
            info_received_at=case.info_received_at,
            info_mode=case.info_mode,
            info_mode_label=vocab.label("info_mode", case.info_mode),
            occurred_from=case.occurred_from,
            occurred_to=case.occurred_to,
            occurrence_place=case.occurrence_place,
            brief_facts=case.brief_facts,
            crime_heads=heads,
            crime_head_labels=[_crime_head_label(h) for h in heads],
            status=case.status,
            status_label=vocab.label("case_status", case.status),
            next_statuses=list(statuses[case.status].next) if case.status in statuses else [],
            investigating_officer=case.investigating_officer,
            created_at=case.created_at,
            updated_at=case.updated_at,
            charges=_charges(session, case.id),
            people=_people(session, case.id),
            events=_events(session, case.id),
            identifiers=_identifiers(session, case.id),
            route=_route(session, case.id),
            documents=_documents(session, case.id),
            links=_links(session, user, case.id),
            restricted_to=None,
            edited_fields=sorted(edited_set(case.edited_fields)),
        )
        # Last: the audit append takes the chain lock until commit.
        audit.record(
            session, user, "case.view", "case", case.id, {"case_key": case.case_key}, ip=ip
        )
    names = restricted_to(db, case.id)
    return detail if names is None else replace(detail, restricted_to=names)
