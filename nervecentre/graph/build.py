"""Building a user's link graph from the registry, under need-to-know.

Everything is read through the user's visible cases (:mod:`nervecentre.security.access`): a
person, identifier, place or link appears only through a case the user may see. Victims
appear by pseudonymous code; their identifiers are stored by blind index only, so they show
as "protected phone #…" nodes that still join the same victim across cases, never the number.
Revealing a victim's name stays the audited one-person path (:mod:`nervecentre.security.reveal`).

Person nodes are resolved entities (:mod:`nervecentre.resolve`) once a resolution run has
linked records, else source person records.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, datetime, time
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case, CaseLink, Event, EventParticipant, RouteStop, Unit
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person
from nervecentre.errors import NervecentreError
from nervecentre.graph.cache import kept_graph
from nervecentre.graph.model import Edge, LinkGraph, Node
from nervecentre.places.normalise import normalise_place
from nervecentre.resolve.models import EntityLink
from nervecentre.security.access import visibility
from nervecentre.security.fields import FieldCipher, cipher_for
from nervecentre.security.models import User
from nervecentre.security.roles import can
from nervecentre.store.db import Database
from nervecentre.store.generations import one_snapshot

# Beyond this many accused in one case, co-accused pairs say nothing (and grow as n²).
MAX_CO_ACCUSED = 40
_EVENT_EDGES = {"arrest": "arrested_at", "rescue": "rescued_at", "raid": "raided_at"}
_ESTABLISHMENT = re.compile(
    r"\b(hotel|lodge|lodging|bar|spa|massage|dhaba|inn|resort|guest ?house|parlour)\b", re.I
)
_NOT_A_PLACE = re.compile(r"^\s*(online|unknown|not known|n/?a)\b", re.I)


def build_graph(
    db: Database,
    user: User,
    *,
    since: date | None = None,
    until: date | None = None,
    shared: bool = False,
) -> LinkGraph:
    """The link graph of everything ``user`` may see, limited to cases whose FIR date (and
    events whose date) fall in ``since``..``until`` (both inclusive; None: open-ended).

    Cases come with their people (person.view needed; else cases, identifiers and places
    only), identifiers, places, route legs and links between visible cases. Read-only; the
    caller audits (``graph.view``/``graph.export``) where it matters. Kept per user while
    nothing it was built from changes (:mod:`nervecentre.graph.cache`): each call returns a
    copy of its own, or with ``shared`` the kept graph itself, for a caller that only reads
    it and takes subgraphs (whose nodes are copies) to annotate.
    """
    with db.session() as session:
        one_snapshot(session)  # PostgreSQL: the counters and the graph on one snapshot
        return kept_graph(
            session,
            user,
            since,
            until,
            lambda: _Builder(session, user, since, until, _cipher(db)).build(),
            shared=shared,
        )


def _cipher(db: Database) -> FieldCipher | None:
    try:
        return cipher_for(db.settings)
    except NervecentreError:
        return None  # no key: no protected identifier can be recognised (see graph_payments)


def place_id(text: str) -> str | None:
    """The node id of a place as written, or None for no physical place ('Online (…)')."""
    if not text.strip() or _NOT_A_PLACE.match(text):
        return None
    key = normalise_place(text)
    return f"place:{key}" if key else None


class _Builder:
    def __init__(
        self,
        session: Session,
        user: User,
        since: date | None,
        until: date | None,
        cipher: FieldCipher | None = None,
    ) -> None:
        self.session, self.user, self.cipher = session, user, cipher
        self.graph = LinkGraph(since=since, until=until)
        self.since, self.until = since, until
        self.cases: dict[int, date] = {}
        self.person_node: dict[int, str] = {}

    def _visible(self) -> ColumnElement[bool]:
        condition = visibility(self.session, self.user).condition()
        if self.since is not None:
            condition = and_(condition, Case.fir_at >= datetime.combine(self.since, time.min))
        if self.until is not None:
            condition = and_(condition, Case.fir_at <= datetime.combine(self.until, time.max))
        return condition

    def _in_range(self, when: date | None) -> bool:
        if when is None:
            return True
        return (self.since is None or when >= self.since) and (
            self.until is None or when <= self.until
        )

    def build(self) -> LinkGraph:
        visible = self._visible()
        self._cases(visible)
        if self.cases:
            if can(self.user, "person.view"):
                self._people(visible)
            self._identifiers(visible)
            self._places(visible)
            self._events(visible)
            self._links()
            # Campaigns whose complaints give a visible identifier (issue 15), under the
            # tracker's own need-to-know; imported here: scams reads the registry's models.
            from nervecentre.scams.graph_links import add_complaint_links
            from nervecentre.scams.graph_payments import add_payment_links

            add_complaint_links(self.session, self.user, self.graph)
            # Who paid whom among visible wallets, from imported transactions (issue 13).
            add_payment_links(self.session, self.user, self.graph, self.cipher)
        return self.graph

    def _scoped(self, query: Select[Any] | Any, visible: ColumnElement[bool], case_col: Any) -> Any:
        return self.session.execute(query.join(Case, Case.id == case_col).where(visible))

    def _cases(self, visible: ColumnElement[bool]) -> None:
        query = (
            select(
                Case.id,
                Case.case_key,
                Case.fir_number,
                Case.fir_year,
                Case.fir_at,
                Case.unit_code,
                Case.district_code,
                Case.status,
                Case.crime_heads,
                Case.occurrence_place,
                Unit.name,
            )
            .join(Unit, Unit.code == Case.police_station_code)
            .where(visible)
            .order_by(Case.id)
        )
        g = self.graph
        for (
            cid,
            key,
            number,
            year,
            fir_at,
            unit,
            district,
            status,
            heads,
            place,
            station,
        ) in self.session.execute(query):
            when = fir_at.date()
            self.cases[cid] = when
            node = f"case:{cid}"
            g.add_node(
                Node(
                    node,
                    "case",
                    f"FIR {number}/{year} {station}",
                    {
                        "case_id": cid,
                        "case_key": key,
                        "fir_at": fir_at.isoformat(),
                        "unit": unit,
                        "district": district,
                        "status": status,
                        "crime_heads": heads,
                    },
                )
            )
            target = self._place(place)
            if target is not None:
                g.add_edge(Edge(node, target, "occurred_at", cid, f"cases:{cid}", when))

    def _place(self, text: str) -> str | None:
        node = place_id(text)
        if node is not None and node not in self.graph.nodes:
            kind = "establishment" if _ESTABLISHMENT.search(text) else "place"
            self.graph.add_node(Node(node, kind, text.strip(), {"key": node[6:]}))
        return node

    def _people(self, visible: ColumnElement[bool]) -> None:
        roles = list(
            self._scoped(
                select(
                    CaseRole.id,
                    CaseRole.case_id,
                    CaseRole.person_id,
                    CaseRole.role,
                    CaseRole.accused_roles,
                ),
                visible,
                CaseRole.case_id,
            )
        )
        person_ids = sorted({r[2] for r in roles})
        entity = self._entities(person_ids)
        people: dict[int, tuple[str, str, bool]] = {}
        for chunk in _chunks(person_ids):
            query = select(Person.id, Person.code, Person.name, Person.protected).where(
                Person.id.in_(chunk)
            )
            for pid, code, name, protected in self.session.execute(query):
                people[pid] = (code, name, protected)
        g = self.graph
        for pid in person_ids:
            node_id = f"person:{entity.get(pid, pid)}"
            self.person_node[pid] = node_id
            code, name, protected = people[pid]
            node = g.add_node(
                Node(node_id, "person", "", {"records": [], "protected": False, "roles": []})
            )
            node.attrs["records"].append(pid)
            if protected and not node.attrs["protected"]:
                node.attrs["protected"], node.label = True, code
            elif not node.label:
                node.label = code if protected else (name or code)
        accused: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for rid, cid, pid, role, accused_roles in roles:
            node_id = self.person_node[pid]
            node_roles = g.nodes[node_id].attrs["roles"]
            if role not in node_roles:
                node_roles.append(role)
            attrs = {"accused_roles": accused_roles} if accused_roles else {}
            g.add_edge(
                Edge(
                    node_id,
                    f"case:{cid}",
                    f"{role}_in",
                    cid,
                    f"case_roles:{rid}",
                    self.cases[cid],
                    attrs,
                )
            )
            if role == "accused":
                accused[cid].append((node_id, rid))
        for cid, members in accused.items():
            unique = list(dict.fromkeys(n for n, _ in members))
            if len(unique) > MAX_CO_ACCUSED:
                continue
            for i, a in enumerate(unique):
                for b in unique[i + 1 :]:
                    g.add_edge(Edge(a, b, "co_accused", cid, f"cases:{cid}", self.cases[cid]))

    def _entities(self, person_ids: list[int]) -> dict[int, int]:
        if self.session.scalar(select(EntityLink.person_id).limit(1)) is None:
            return {}
        found: dict[int, int] = {}
        for chunk in _chunks(person_ids):
            query = select(EntityLink.person_id, EntityLink.entity_id).where(
                EntityLink.person_id.in_(chunk)
            )
            found.update({pid: eid for pid, eid in self.session.execute(query)})
        return found

    def _identifiers(self, visible: ColumnElement[bool]) -> None:
        query = select(
            IdentifierUse.id,
            IdentifierUse.case_id,
            IdentifierUse.person_id,
            Identifier.kind,
            Identifier.value,
            Identifier.display,
            Identifier.extra,
        ).join(Identifier, Identifier.id == IdentifierUse.identifier_id)
        g = self.graph
        for uid, cid, pid, kind, value, display, extra in self._scoped(
            query, visible, IdentifierUse.case_id
        ):
            node_id = f"{kind}:{value}"
            if node_id not in g.nodes:
                hidden = not display
                label = f"protected {kind} #{value.rpartition(':')[2][:8]}" if hidden else display
                attrs: dict[str, Any] = {"kind": kind, "value": "" if hidden else value}
                if hidden:
                    attrs["protected"] = True
                g.add_node(Node(node_id, kind, label, attrs))
                self._organisation(node_id, kind, extra)
            owner = self.person_node.get(pid) if pid is not None else None
            record, when = f"identifier_uses:{uid}", self.cases[cid]
            if owner is not None:
                g.add_edge(Edge(owner, node_id, "used", cid, record, when))
            else:
                g.add_edge(Edge(node_id, f"case:{cid}", "seen_in", cid, record, when))

    def _organisation(self, node_id: str, kind: str, extra: str) -> None:
        try:
            data = json.loads(extra) if extra else {}
        except ValueError:
            return
        if kind == "bank_account" and data.get("bank"):
            org, label, edge = f"org:bank:{data['bank']}", f"Bank {data['bank']}", "account_at"
        elif kind == "social" and data.get("platform"):
            platform = str(data["platform"])
            org, label, edge = f"org:platform:{platform}", platform.title(), "account_on"
        else:
            return
        self.graph.add_node(Node(org, "org", label, {"kind": org.split(":")[1]}))
        self.graph.add_edge(Edge(node_id, org, edge, None, f"identifiers:{node_id}", None))

    def _places(self, visible: ColumnElement[bool]) -> None:
        query = select(
            RouteStop.id, RouteStop.case_id, RouteStop.seq, RouteStop.place, RouteStop.state
        ).order_by(RouteStop.case_id, RouteStop.seq)
        routes: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for sid, cid, _seq, place, state in self._scoped(query, visible, RouteStop.case_id):
            node = self._place(f"{place}, {state}" if state else place)
            if node is not None:
                routes[cid].append((sid, node))
        g = self.graph
        for cid, stops in routes.items():
            when, case = self.cases[cid], f"case:{cid}"
            g.add_edge(
                Edge(case, stops[0][1], "route_from", cid, f"route_stops:{stops[0][0]}", when)
            )
            g.add_edge(
                Edge(case, stops[-1][1], "route_to", cid, f"route_stops:{stops[-1][0]}", when)
            )
            for (_, a), (sid, b) in pairwise(stops):
                if a != b:
                    g.add_edge(Edge(a, b, "route_leg", cid, f"route_stops:{sid}", when))

    def _events(self, visible: ColumnElement[bool]) -> None:
        query = (
            select(
                Event.id,
                Event.case_id,
                Event.kind,
                Event.occurred_at,
                Event.place,
                EventParticipant.person_id,
            )
            .outerjoin(EventParticipant, EventParticipant.event_id == Event.id)
            .where(Event.kind.in_(tuple(_EVENT_EDGES)), Event.place != "")
        )
        g = self.graph
        for eid, cid, kind, occurred_at, place, pid in self._scoped(query, visible, Event.case_id):
            when = occurred_at.date() if occurred_at else self.cases[cid]
            if not self._in_range(when):
                continue
            target = self._place(place)
            if target is None:
                continue
            who = self.person_node.get(pid) if pid is not None else None
            source = who or f"case:{cid}"
            g.add_edge(Edge(source, target, _EVENT_EDGES[kind], cid, f"events:{eid}", when))

    def _links(self) -> None:
        query = select(CaseLink.id, CaseLink.case_id, CaseLink.other_case_id, CaseLink.kind)
        for lid, a, b, kind in self.session.execute(query):
            if a in self.cases and b in self.cases:
                self.graph.add_edge(
                    Edge(
                        f"case:{a}",
                        f"case:{b}",
                        "linked_case",
                        a,
                        f"case_links:{lid}",
                        self.cases[a],
                        {"kind": kind},
                    )
                )


def _chunks(ids: list[int], size: int = 5_000) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]
