"""The analytics on a :class:`LinkGraph`, as tables an analyst sorts and exports, explained.

:func:`annotate` computes every measure once and stores it on the graph (the chart colours by
it); the ``*_table`` functions read those results into :class:`Table` rows.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, TextIO

import numpy as np
import yaml

from nervecentre.exports.safety import neutralise
from nervecentre.graph import centrality, communities
from nervecentre.graph.index import GraphIndex
from nervecentre.graph.model import LinkGraph

#: Beyond these many nodes, betweenness (closeness) is estimated from SAMPLES sources (nodes):
#: exact costs grow with the square of the nodes.
BETWEENNESS_EXACT_UP_TO = 1_000
CLOSENESS_EXACT_UP_TO = 20_000
SAMPLES = 200
CENTRALITIES = ("degree", "betweenness", "closeness", "eigenvector", "pagerank")


@cache
def measures() -> dict[str, dict[str, str]]:
    """Each measure's ``title`` and plain-words ``explanation`` (data/measures.yaml)."""
    text = resources.files("nervecentre.graph").joinpath("data/measures.yaml").read_text("utf-8")
    data: dict[str, dict[str, str]] = yaml.safe_load(text)
    return data


def explain(measure: str) -> str:
    """What a measure means, in words a non-specialist officer understands."""
    return measures()[measure]["explanation"]


@dataclass
class Table:
    """Rows of results: ``columns`` are (key, heading) pairs; ``explanation`` says in words
    what the table shows."""

    name: str
    title: str
    explanation: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: name, title, explanation, columns, rows, notes."""
        return {
            "name": self.name,
            "title": self.title,
            "explanation": self.explanation,
            "columns": [{"key": k, "heading": h} for k, h in self.columns],
            "rows": self.rows,
            "notes": self.notes,
        }

    def to_csv(self, out: TextIO) -> None:
        """The rows as CSV with the headings as the header row; a name that a spreadsheet would
        run as a formula is quoted (:mod:`nervecentre.exports.safety`)."""
        writer = csv.writer(out)
        writer.writerow([h for _, h in self.columns])
        for row in self.rows:
            writer.writerow([neutralise(row.get(k, "")) for k, _ in self.columns])


def annotate(graph: LinkGraph, *, seed: int = 1) -> GraphIndex:
    """Compute components, Leiden communities and every centrality; store them on ``graph``
    (``communities``, ``centrality``, ``modularity``) and return the index used."""
    index = GraphIndex.of(graph)
    labels = communities.leiden(index, seed=seed)
    graph.communities = dict(zip(index.ids, labels.tolist(), strict=True))
    graph.modularity = communities.modularity(index, labels)
    between = SAMPLES if index.n > BETWEENNESS_EXACT_UP_TO else None
    close = SAMPLES if index.n > CLOSENESS_EXACT_UP_TO else None
    scores = {
        "degree": centrality.degree(index),
        "betweenness": centrality.betweenness(index, samples=between, seed=seed),
        "closeness": centrality.closeness_all(index, samples=close, seed=seed),
        "eigenvector": centrality.eigenvector(index),
        "pagerank": centrality.pagerank(index),
    }
    graph.centrality = {
        name: dict(zip(index.ids, np.round(values, 6).tolist(), strict=True))
        for name, values in scores.items()
    }
    comp = communities.components(index)
    bridges = set(communities.articulation_points(index).tolist())
    for i, node_id in enumerate(index.ids):
        attrs = graph.nodes[node_id].attrs
        attrs["component"] = int(comp[i])
        attrs["articulation"] = i in bridges
    return index


def _ensure(graph: LinkGraph) -> None:
    if not graph.centrality and graph.nodes:
        annotate(graph)


def stats_table(graph: LinkGraph) -> Table:
    """Counts of nodes and edges by type, clusters, groups and modularity."""
    _ensure(graph)
    rows: list[dict[str, Any]] = [
        {"what": "nodes", "value": len(graph.nodes)},
        {"what": "edges (pieces of evidence)", "value": len(graph.edges)},
    ]
    for kind, count in sorted(Counter(n.type for n in graph.nodes.values()).items()):
        rows.append({"what": f"nodes: {kind}", "value": count})
    for kind, count in sorted(Counter(e.type for e in graph.edges).items()):
        rows.append({"what": f"edges: {kind}", "value": count})
    sizes = Counter(n.attrs.get("component", 0) for n in graph.nodes.values())
    rows.append({"what": "clusters (connected components)", "value": len(sizes)})
    rows.append({"what": "largest cluster (nodes)", "value": max(sizes.values(), default=0)})
    rows.append(
        {"what": "groups (Leiden communities)", "value": len(set(graph.communities.values()))}
    )
    rows.append({"what": "modularity", "value": round(graph.modularity or 0.0, 4)})
    bridges = sum(1 for n in graph.nodes.values() if n.attrs.get("articulation"))
    rows.append({"what": "only bridges (articulation points)", "value": bridges})
    return Table(
        "stats",
        "The link graph",
        "What the graph holds, how many separate clusters it falls into, and how clear-cut "
        "its groups are. " + explain("community"),
        [("what", "What"), ("value", "Count")],
        rows,
        {
            "since": _iso(graph.since),
            "until": _iso(graph.until),
            "betweenness_sampled": len(graph.nodes) > BETWEENNESS_EXACT_UP_TO,
            "closeness_sampled": len(graph.nodes) > CLOSENESS_EXACT_UP_TO,
        },
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def centrality_table(
    graph: LinkGraph,
    *,
    top: int = 25,
    types: tuple[str, ...] = ("person",),
    by: str = "betweenness",
) -> Table:
    """The ``top`` nodes of these types by one measure, with every measure alongside."""
    _ensure(graph)
    chosen = [n for n in graph.nodes.values() if not types or n.type in types]
    chosen.sort(key=lambda n: -graph.centrality[by].get(n.id, 0.0))
    columns = [("id", "Node"), ("type", "Type"), ("label", "Name / value"), ("community", "Group")]
    columns += [(m, measures()[m]["title"]) for m in CENTRALITIES]
    columns.append(("articulation", measures()["articulation"]["title"]))
    rows = []
    for node in chosen[:top]:
        row: dict[str, Any] = {
            "id": node.id,
            "type": node.type,
            "label": node.label,
            "community": graph.communities.get(node.id),
            "articulation": bool(node.attrs.get("articulation")),
        }
        row.update({m: graph.centrality[m].get(node.id, 0.0) for m in CENTRALITIES})
        rows.append(row)
    text = " ".join(f"{measures()[m]['title']}: {explain(m)}" for m in CENTRALITIES)
    return Table(
        "centrality", f"Top {top} by {measures()[by]['title'].lower()}", text, columns, rows
    )


def key_players(graph: LinkGraph, community: int, *, top: int = 3) -> list[str]:
    """The people of one community ranked by broker score and importance together."""
    _ensure(graph)
    members = [
        n
        for n in graph.nodes.values()
        if n.type == "person" and graph.communities.get(n.id) == community
    ]
    if not members:
        return []
    ranks: dict[str, float] = {n.id: 0.0 for n in members}
    for measure in ("betweenness", "pagerank"):
        ordered = sorted(members, key=lambda n: -graph.centrality[measure].get(n.id, 0.0))
        for position, node in enumerate(ordered):
            ranks[node.id] += position
    return sorted(ranks, key=lambda node_id: (ranks[node_id], node_id))[:top]


def communities_table(graph: LinkGraph, *, top: int = 50) -> Table:
    """The ``top`` largest groups: size, people, cases, key players and bridges."""
    _ensure(graph)
    members: dict[int, list[str]] = {}
    for node_id, c in graph.communities.items():
        members.setdefault(c, []).append(node_id)
    rows = []
    for c in sorted(members, key=lambda c: -len(members[c]))[:top]:
        nodes = [graph.nodes[n] for n in members[c]]
        players = key_players(graph, c)
        rows.append(
            {
                "community": c,
                "size": len(nodes),
                "people": sum(1 for n in nodes if n.type == "person"),
                "cases": sum(1 for n in nodes if n.type == "case"),
                "key_players": "; ".join(graph.nodes[p].label for p in players),
                "key_player_ids": players,
                "bridges": sum(1 for n in nodes if n.attrs.get("articulation")),
            }
        )
    return Table(
        "communities",
        "Groups (Leiden communities)",
        explain("community") + " " + explain("key_player"),
        [
            ("community", "Group"),
            ("size", "Nodes"),
            ("people", "People"),
            ("cases", "Cases"),
            ("key_players", "Key players"),
            ("bridges", "Only bridges"),
        ],
        rows,
        {"modularity": graph.modularity, "groups": len(members)},
    )
