"""Reads cases in batches with everything attached, for the nested exports (JSON, FtM).

Cases are paged by primary key (keyset pagination) and each page's children are fetched
with one query per table, so memory stays bounded and a million cases cost a few thousand
queries, not millions.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Executable, RowMapping, Select, select
from sqlalchemy.orm import aliased

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
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person, PersonAlias
from nervecentre.evidence.models import CustodyEntry, Document
from nervecentre.exports.privacy import public_person, uses_with_people, visible_use
from nervecentre.store.db import Database

Row = Mapping[Any, Any]

_PERSON_COLUMNS = [
    Person.id,
    Person.code,
    Person.source_ref,
    Person.protected,
    Person.name,
    Person.address,
    Person.gender,
    Person.date_of_birth,
    Person.age,
    Person.age_band,
    Person.nationality,
    Person.home_state,
]


@dataclass(slots=True)
class PersonInCase:
    """A person as exports show them in one case: privacy applied, roles merged."""

    fields: dict[str, Any]
    roles: list[tuple[str, list[str]]] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    identifiers: list[Row] = field(default_factory=list)


@dataclass(slots=True)
class CaseBundle:
    """One case and everything attached to it that an export may show."""

    case: Row
    charges: list[Row] = field(default_factory=list)
    people: dict[int, PersonInCase] = field(default_factory=dict)
    events: list[tuple[Row, list[Row]]] = field(default_factory=list)
    route: list[Row] = field(default_factory=list)
    identifiers: list[Row] = field(default_factory=list)
    documents: list[tuple[Row, list[Row]]] = field(default_factory=list)
    links: list[Row] = field(default_factory=list)


@contextmanager
def snapshot(db: Database) -> Iterator[Connection]:
    """A read-only connection that sees one consistent state of the database throughout."""
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            conn = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with conn.begin():
            raw = conn.connection.dbapi_connection
            if db.dialect == "sqlite" and not getattr(raw, "in_transaction", True):
                # pysqlite starts no transaction for SELECTs; an explicit BEGIN pins the WAL
                # snapshot so a concurrent import cannot show half its work to the export.
                conn.exec_driver_sql("BEGIN")
            yield conn


def _case_query() -> Select[Any]:
    station, unit = aliased(Unit), aliased(Unit)
    return (
        select(
            *Case.__table__.columns,
            station.name.label("police_station_name"),
            unit.name.label("unit_name"),
            District.name.label("district_name"),
        )
        .join(station, station.code == Case.police_station_code)
        .join(unit, unit.code == Case.unit_code)
        .join(District, District.code == Case.district_code)
    )


def _rows(conn: Connection, stmt: Executable) -> Sequence[RowMapping]:
    return conn.execute(stmt).mappings().all()


def _identifier(row: Row) -> dict[str, Any]:
    out = dict(row)
    out["extra"] = json.loads(row["extra"]) if row["extra"] else {}
    return out


def iter_bundles(conn: Connection, batch_size: int = 500) -> Iterator[list[CaseBundle]]:
    """Every case with its children, in batches of ``batch_size``, in id order."""
    last = 0
    query = _case_query().order_by(Case.id).limit(batch_size)
    while cases := _rows(conn, query.where(Case.id > last)):
        last = cases[-1]["id"]
        yield _load(conn, cases)


def _load(conn: Connection, cases: Sequence[Row]) -> list[CaseBundle]:
    bundles = {row["id"]: CaseBundle(case=row) for row in cases}
    ids = list(bundles)
    for row in _rows(
        conn, select(Charge.__table__).where(Charge.case_id.in_(ids)).order_by(Charge.id)
    ):
        bundles[row["case_id"]].charges.append(row)
    for row in _rows(
        conn, select(RouteStop.__table__).where(RouteStop.case_id.in_(ids)).order_by(RouteStop.seq)
    ):
        bundles[row["case_id"]].route.append(row)
    _load_people(conn, bundles, ids)
    _load_identifiers(conn, bundles, ids)
    _load_events(conn, bundles, ids)
    _load_documents(conn, bundles, ids)
    other = aliased(Case)
    links = (
        select(CaseLink.case_id, CaseLink.kind, CaseLink.note, other.case_key)
        .join(other, other.id == CaseLink.other_case_id)
        .where(CaseLink.case_id.in_(ids))
        .order_by(CaseLink.id)
    )
    for row in _rows(conn, links):
        bundles[row["case_id"]].links.append(row)
    return list(bundles.values())


def _load_people(conn: Connection, bundles: dict[int, CaseBundle], ids: list[int]) -> None:
    roles = (
        select(CaseRole.case_id, CaseRole.role, CaseRole.accused_roles, *_PERSON_COLUMNS)
        .join(Person, Person.id == CaseRole.person_id)
        .where(CaseRole.case_id.in_(ids))
        .order_by(CaseRole.case_id, CaseRole.id)
    )
    unprotected: dict[int, list[PersonInCase]] = defaultdict(list)
    for row in _rows(conn, roles):
        people = bundles[row["case_id"]].people
        person = people.get(row["id"])
        if person is None:
            fields = public_person({c.key: row[c.key] for c in _PERSON_COLUMNS})
            person = people[row["id"]] = PersonInCase(fields)
            if not row["protected"]:
                unprotected[row["id"]].append(person)
        accused = [r for r in row["accused_roles"].split(",") if r]
        person.roles.append((row["role"], accused))
    if unprotected:
        aliases = (
            select(PersonAlias.person_id, PersonAlias.alias)
            .where(PersonAlias.person_id.in_(list(unprotected)))
            .order_by(PersonAlias.id)
        )
        for row in _rows(conn, aliases):
            for person in unprotected[row["person_id"]]:
                person.aliases.append(row["alias"])


def _load_identifiers(conn: Connection, bundles: dict[int, CaseBundle], ids: list[int]) -> None:
    uses = (
        select(
            IdentifierUse.case_id,
            IdentifierUse.person_id,
            IdentifierUse.raw,
            Identifier.kind,
            Identifier.value,
            Identifier.display,
            Identifier.extra,
        )
        .select_from(uses_with_people())
        .join(Identifier, Identifier.id == IdentifierUse.identifier_id)
        .where(IdentifierUse.case_id.in_(ids), visible_use())
        .order_by(IdentifierUse.id)
    )
    for row in _rows(conn, uses):
        bundle = bundles[row["case_id"]]
        ident = _identifier(row)
        person = bundle.people.get(row["person_id"]) if row["person_id"] is not None else None
        if person is not None:
            person.identifiers.append(ident)
        else:
            bundle.identifiers.append(ident)


def _load_events(conn: Connection, bundles: dict[int, CaseBundle], ids: list[int]) -> None:
    events = _rows(
        conn,
        select(Event.__table__)
        .where(Event.case_id.in_(ids))
        .order_by(Event.case_id, Event.occurred_at, Event.id),
    )
    if not events:
        return
    parts: dict[int, list[Row]] = defaultdict(list)
    query = (
        select(EventParticipant.event_id, Person.id, Person.code)
        .join(Person, Person.id == EventParticipant.person_id)
        .join(Event, Event.id == EventParticipant.event_id)
        .where(Event.case_id.in_(ids))
        .order_by(EventParticipant.id)
    )
    for row in _rows(conn, query):
        parts[row["event_id"]].append(row)
    for event in events:
        bundles[event["case_id"]].events.append((event, parts.get(event["id"], [])))


def _load_documents(conn: Connection, bundles: dict[int, CaseBundle], ids: list[int]) -> None:
    docs = _rows(
        conn, select(Document.__table__).where(Document.case_id.in_(ids)).order_by(Document.id)
    )
    if not docs:
        return
    custody: dict[int, list[Row]] = defaultdict(list)
    query = (
        select(CustodyEntry.__table__)
        .join(Document, Document.id == CustodyEntry.document_id)
        .where(Document.case_id.in_(ids))
        .order_by(CustodyEntry.at, CustodyEntry.id)
    )
    for row in _rows(conn, query):
        custody[row["document_id"]].append(row)
    for doc in docs:
        bundles[doc["case_id"]].documents.append((doc, custody.get(doc["id"], [])))
