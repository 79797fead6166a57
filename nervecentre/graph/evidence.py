"""Finding a node by what an analyst types, and the evidence on paths and shared links."""

from __future__ import annotations

import itertools
from typing import Any

from nervecentre.errors import InvalidValue, NotFound
from nervecentre.graph import paths
from nervecentre.graph.analytics import Table, explain
from nervecentre.graph.index import GraphIndex
from nervecentre.graph.model import Edge, LinkGraph
from nervecentre.types.registry import detect


def find_node(graph: LinkGraph, text: str) -> str:
    """The node an analyst means: a node id (``person:12``, ``case:45``, ``phone:+91…``), a
    person record id (a bare number; else an identifier of those digits), a case key or FIR
    label, an identifier however written, or a person's exact name. NotFound when nothing in
    the user's graph matches; InvalidValue when a name matches several people."""
    wanted = text.strip()
    if wanted in graph.nodes:
        return wanted
    if wanted.isdigit():
        record = int(wanted)
        for node in graph.nodes.values():
            if node.type == "person" and record in node.attrs.get("records", ()):
                return node.id
    folded = wanted.casefold()
    for node in graph.nodes.values():
        if node.type == "case" and folded in (
            str(node.attrs.get("case_key", "")).casefold(),
            node.label.casefold(),
        ):
            return node.id
    try:
        value = detect(wanted)
    except InvalidValue:
        value = None
    if value is not None and f"{value.kind}:{value.value}" in graph.nodes:
        return f"{value.kind}:{value.value}"
    people = [
        n.id for n in graph.nodes.values() if n.type == "person" and n.label.casefold() == folded
    ]
    if len(people) == 1:
        return people[0]
    if people:
        raise InvalidValue(
            f"{len(people)} people are named {wanted!r}: give one of {', '.join(people[:10])}",
            kind="node",
            value=wanted,
        )
    raise NotFound(f"nothing in your graph matches {wanted!r}")


def _evidence(edges: list[Edge]) -> dict[str, Any]:
    return {
        "link": ", ".join(sorted({e.type for e in edges})),
        "cases": sorted({e.case_id for e in edges if e.case_id is not None}),
        "records": [e.record for e in edges],
        "dates": sorted({e.date.isoformat() for e in edges if e.date}),
    }


def path_table(graph: LinkGraph, a: str, b: str, *, k: int = 3) -> Table:
    """Up to ``k`` shortest paths from node ``a`` to node ``b``, one row per hop, each with
    its evidence: the link types, cases, source records and dates."""
    index = GraphIndex.of(graph)
    found = paths.k_shortest_paths(index, index.position[a], index.position[b], k)
    between: dict[frozenset[str], list[Edge]] = {}
    for e in graph.edges:
        between.setdefault(frozenset((e.source, e.target)), []).append(e)
    rows = []
    for number, path in enumerate(found, start=1):
        ids = [index.ids[i] for i in path]
        for step, (x, y) in enumerate(itertools.pairwise(ids), start=1):
            row: dict[str, Any] = {
                "path": number,
                "hops": len(ids) - 1,
                "step": step,
                "from": x,
                "from_label": graph.nodes[x].label,
                "to": y,
                "to_label": graph.nodes[y].label,
            }
            row.update(_evidence(between[frozenset((x, y))]))
            rows.append(row)
    return Table(
        "path",
        f"How {graph.nodes[a].label} is connected to {graph.nodes[b].label}",
        explain("path"),
        [
            ("path", "Path"),
            ("step", "Step"),
            ("from_label", "From"),
            ("link", "Link"),
            ("to_label", "To"),
            ("cases", "Cases"),
            ("records", "Records"),
            ("dates", "Dates"),
        ],
        rows,
        {"paths": len(found), "from": a, "to": b, "connected": bool(found)},
    )


def shared_table(graph: LinkGraph, nodes: list[str], *, at_least: int | None = None) -> Table:
    """What these nodes have in common: neighbours linked to all (or ``at_least``) of them."""
    index = GraphIndex.of(graph)
    found = paths.shared_neighbours(index, [index.position[n] for n in nodes], at_least=at_least)
    rows = []
    for other, who in sorted(found.items(), key=lambda item: (-len(item[1]), item[0])):
        node = graph.nodes[index.ids[other]]
        rows.append(
            {
                "id": node.id,
                "type": node.type,
                "label": node.label,
                "shared_by": len(who),
                "with": [index.ids[w] for w in who],
            }
        )
    return Table(
        "shared",
        "In common",
        explain("shared"),
        [("label", "Name / value"), ("type", "Type"), ("shared_by", "Linked to"), ("id", "Node")],
        rows,
        {"nodes": nodes},
    )
