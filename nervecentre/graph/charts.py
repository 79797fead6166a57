"""Saved link charts: an analyst's chart kept with a case, reopened under need-to-know.

A saved chart stores node ids, positions and the analyst's choices (hidden, pinned, groups,
filters, colouring), never labels or values: reopening rebuilds every node from the
registry for the viewer of the moment, so a victim stays a code for whoever may not see more,
and a node the viewer may no longer see is left out (and counted, never named).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import select

from nervecentre.errors import InvalidValue, NotFound
from nervecentre.graph import analytics, evidence, paths
from nervecentre.graph.build import build_graph
from nervecentre.graph.chart_table import MAX_NAME, SavedChart
from nervecentre.graph.index import GraphIndex
from nervecentre.graph.model import EDGE_TYPES, NODE_TYPES, LinkGraph
from nervecentre.security import audit
from nervecentre.security.access import require_case
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database

MAX_CHART_NODES = 20_000
_MAX_ID = 300
_COLOURS = ("type", "community", "centrality")
_LAYOUT = ("x", "y", "hidden", "pinned", "group")


@dataclass(frozen=True, slots=True)
class ChartSummary:
    """A saved chart as a case lists it."""

    id: int
    case_id: int
    name: str
    nodes: int
    created_at: datetime


def _text_id(value: object, what: str) -> str:
    if not isinstance(value, str) or not value or len(value) > _MAX_ID:
        raise InvalidValue(f"{what}: a node id is a string of 1 to {_MAX_ID} characters")
    return value


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidValue(f"{what}: positions are finite numbers")
    return float(value)


def _day(value: object, what: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise InvalidValue(f"{what}: a date is YYYY-MM-DD", kind="date", value=value) from None


def clean_state(raw: object) -> dict[str, Any]:
    """The chart state as it is stored: checked, and reduced to ids, numbers and choices.

    Labels and any other field a client sends are dropped, so nothing read under one user's
    rights is kept for another to see.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("nodes"), list):
        raise InvalidValue("a chart is an object with a list of nodes")
    if not raw["nodes"]:
        raise InvalidValue("an empty chart cannot be saved: expand a node first")
    if len(raw["nodes"]) > MAX_CHART_NODES:
        raise InvalidValue(f"a chart holds at most {MAX_CHART_NODES:,} nodes")
    nodes, seen = [], set()
    for i, item in enumerate(raw["nodes"]):
        if not isinstance(item, dict):
            raise InvalidValue(f"node {i + 1}: not an object")
        node_id = _text_id(item.get("id"), f"node {i + 1}")
        if node_id in seen:
            continue
        seen.add(node_id)
        entry: dict[str, Any] = {
            "id": node_id,
            "x": _number(item.get("x", 0), node_id),
            "y": _number(item.get("y", 0), node_id),
        }
        for flag in ("hidden", "pinned"):
            if item.get(flag):
                entry[flag] = True
        group = item.get("group")
        if group not in (None, ""):
            entry["group"] = str(group)[:80]
        nodes.append(entry)
    found = raw.get("filters")
    filters: dict[str, Any] = found if isinstance(found, dict) else {}
    node_types = [t for t in filters.get("node_types", []) if t in NODE_TYPES]
    edge_types = [t for t in filters.get("edge_types", []) if t in EDGE_TYPES]
    colour = raw.get("colour") if raw.get("colour") in _COLOURS else "type"
    listed = raw.get("path")
    path: list[Any] = listed if isinstance(listed, list) else []
    return {
        "nodes": nodes,
        "filters": {
            "node_types": node_types,
            "edge_types": edge_types,
            "since": _day(filters.get("since"), "since"),
            "until": _day(filters.get("until"), "until"),
        },
        "colour": colour,
        "path": [p for p in path[:100] if isinstance(p, str) and p in seen],
    }


def save_chart(
    db: Database, user: User, case_id: int, name: str, raw: object, *, ip: str | None = None
) -> int:
    """Save a chart to a case the user may see (needs ``chart.save``; audited)."""
    require(user, "chart.save")
    name = " ".join(str(name or "").split())
    if not name:
        raise InvalidValue("give the chart a name", kind="name")
    if len(name) > MAX_NAME:
        raise InvalidValue(f"a chart's name has at most {MAX_NAME} characters", kind="name")
    state = clean_state(raw)
    with db.session() as session:
        case = require_case(session, user, case_id)
        chart = SavedChart(
            case_id=case.id,
            name=name,
            state=json.dumps(state, separators=(",", ":")),
            nodes=len(state["nodes"]),
            created_by=user.id,
        )
        session.add(chart)
        session.flush()
        detail = {"chart": chart.id, "name": name, "nodes": chart.nodes, "case_key": case.case_key}
        audit.record(session, user, "chart.save", "case", case.id, detail, ip=ip)
        return chart.id


def list_charts(
    db: Database, user: User, case_id: int, *, ip: str | None = None
) -> list[ChartSummary]:
    """The charts saved to a case the user may see, newest first (audited as a case view)."""
    with db.session() as session:
        case = require_case(session, user, case_id)
        rows = session.scalars(
            select(SavedChart)
            .where(SavedChart.case_id == case_id)
            .order_by(SavedChart.created_at.desc(), SavedChart.id.desc())
        )
        found = [ChartSummary(c.id, c.case_id, c.name, c.nodes, c.created_at) for c in rows]
        detail = {"case_key": case.case_key, "part": "charts", "charts": len(found)}
        audit.record(session, user, "case.view", "case", case.id, detail, ip=ip)
        return found


def open_chart(db: Database, user: User, chart_id: int, *, ip: str | None = None) -> dict[str, Any]:
    """A saved chart rebuilt for ``user`` now: only nodes they may see, labels as they may
    see them; ``omitted`` counts saved nodes left out (gone, or not visible). Audited."""
    with db.session() as session:
        chart = session.get(SavedChart, chart_id)
        if chart is None:
            raise NotFound(f"no chart with id {chart_id}")
        try:
            case = require_case(session, user, chart.case_id)
        except NotFound:
            raise NotFound(f"no chart with id {chart_id}") from None
        state = json.loads(chart.state)
        case_id = case.id
        meta = {"id": chart.id, "case_id": case_id, "case_key": case.case_key, "name": chart.name}
    graph = build_graph(db, user, shared=True)  # read only: subgraphs copy their nodes
    saved = {n["id"]: n for n in state["nodes"]}
    shown = graph.subgraph(saved)
    body = shown.to_json()
    for node in body["nodes"]:
        extra = saved[node["id"]]
        node["layout"] = {k: extra[k] for k in _LAYOUT if k in extra}
    state["path"] = [p for p in state["path"] if p in shown.nodes]
    result = {
        **meta,
        "graph": body,
        "filters": state["filters"],
        "colour": state["colour"],
        "path": state["path"],
        "omitted": len(saved) - len(shown.nodes),
    }
    detail = {"chart": chart_id, "nodes": len(shown.nodes), "omitted": result["omitted"]}
    audit.record(db, user, "chart.open", "case", case_id, detail, ip=ip)
    return result


# -- what the chart reads: a node's neighbourhood, a path between two nodes -------------------

MAX_VIEW_NODES = 5_000
MAX_HOPS = 3
_AUDITED_IDS = 200


def _annotated(graph: LinkGraph) -> LinkGraph:
    """The graph with its communities and centralities (the core's analytics), for colouring."""
    if graph.nodes:
        analytics.annotate(graph)
    return graph


def _concerned(graph: LinkGraph) -> tuple[list[int], list[int]]:
    """Case ids and person record ids in a graph: what an audit entry about it names."""
    cases = sorted({e.case_id for e in graph.edges if e.case_id is not None})
    people = sorted(
        {r for n in graph.nodes.values() if n.type == "person" for r in n.attrs.get("records", [])}
    )
    return cases[:_AUDITED_IDS], people[:_AUDITED_IDS]


def find_node(graph: LinkGraph, ref: str) -> str:
    """The node a reference names: what :func:`nervecentre.graph.evidence.find_node` takes
    (a node id, an FIR, an identifier however written, a name), or ``person:<record id>`` for
    a person record merged into an entity (the person page links so)."""
    kind, _, key = ref.strip().partition(":")
    if ref not in graph.nodes and kind == "person" and key.isdigit():
        ref = key
    return evidence.find_node(graph, ref)


def _nearest(graph: LinkGraph, start: str, hops: int, limit: int) -> tuple[list[str], bool]:
    adj = graph.adjacency()
    order, seen, frontier = [start], {start}, [start]
    for _ in range(hops):
        following = []
        for current in frontier:
            for other in sorted(adj[current]):
                if other not in seen:
                    if len(order) >= limit:
                        return order, True
                    seen.add(other)
                    order.append(other)
                    following.append(other)
        frontier = following
    return order, False


def _audit_read(
    db: Database, user: User, start: str, graph: LinkGraph, detail: dict[str, Any], ip: str | None
) -> None:
    cases, people = _concerned(graph)
    node = graph.nodes.get(start)
    if node is not None and node.type == "person" and node.attrs.get("records"):
        kind, key = "person", str(node.attrs["records"][0])
    elif node is not None and node.type == "case":
        kind, key = "case", str(node.attrs.get("case_id", ""))
    else:
        kind, key = "graph", start
    detail = {**detail, "node": start, "nodes": len(graph.nodes), "cases": cases, "people": people}
    audit.record(db, user, "graph.view", kind, key, detail, ip=ip, cases=cases)


def neighbourhood_view(
    db: Database,
    user: User,
    ref: str,
    *,
    hops: int = 1,
    since: date | None = None,
    until: date | None = None,
    limit: int = MAX_VIEW_NODES,
    ip: str | None = None,
) -> dict[str, Any]:
    """The nodes up to ``hops`` links from a node, as the chart draws them (audited as a read
    of the node: a person's neighbourhood is a read of that person)."""
    if not 1 <= hops <= MAX_HOPS:
        raise InvalidValue(f"hops is 1 to {MAX_HOPS}", kind="hops", value=hops)
    graph = build_graph(db, user, since=since, until=until, shared=True)  # read only
    start = find_node(graph, ref)
    keep, truncated = _nearest(graph, start, hops, limit)
    shown = _annotated(graph.subgraph(keep))
    body = shown.to_json()
    body.update(centre=start, hops=hops, truncated=truncated)
    _audit_read(db, user, start, shown, {"hops": hops}, ip)
    return body


def _shortest(graph: LinkGraph, a: str, b: str) -> list[str]:
    index = GraphIndex.of(graph)
    found = paths.shortest_path(index, index.position[a], index.position[b])
    return [index.ids[i] for i in found] if found else []


def path_view(
    db: Database,
    user: User,
    a: str,
    b: str,
    *,
    since: date | None = None,
    until: date | None = None,
    ip: str | None = None,
) -> dict[str, Any]:
    """The shortest chain of links from ``a`` to ``b`` and the evidence of each hop: the edges
    (case, source record, date) that join its two ends. Empty when they are not connected."""
    graph = build_graph(db, user, since=since, until=until, shared=True)  # read only
    start, end = find_node(graph, a), find_node(graph, b)
    path = _shortest(graph, start, end)
    shown = graph.subgraph(path)
    body = shown.to_json()
    index = {id(e): i for i, e in enumerate(shown.edges)}
    hops = []
    for x, y in pairwise(path):
        evidence = [body["edges"][index[id(e)]] for e in shown.edges_between(x, y)]
        hops.append({"source": x, "target": y, "evidence": evidence})
    body.update(path=path, hops=hops)
    _audit_read(db, user, start, shown, {"to": end, "hops": len(hops)}, ip)
    return body
