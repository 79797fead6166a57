"""The link graph's data model: typed nodes, edges that lead back to their source record.

A :class:`LinkGraph` is what :func:`nervecentre.graph.build.build_graph` returns for one user:
only what that user may see, victims by pseudonymous code. It is a multigraph: two people in
three shared cases have three ``co_accused`` edges, one per case, so that every edge names its
evidence; the analytics (:mod:`nervecentre.graph.analytics`) fold them into one weighted link.

Node ids are ``"<prefix>:<key>"`` and stable across builds and users, so a saved chart reopens:

============  =====================================  =========================================
node type     id                                     label
============  =====================================  =========================================
person        ``person:<entity or record id>``       name; a victim's pseudonymous code
case          ``case:<case id>``                     FIR, e.g. ``FIR 112/2023 Shahapur PS``
phone …       ``<kind>:<normalised value>``          the value as written for people
place         ``place:<normalised place key>``       the place as first written
establishment ``place:<normalised place key>``       a hotel, lodge, bar or spa named in a case
org           ``org:<kind>:<key>``                   a bank (from an IFSC) or an online platform
campaign      ``campaign:<scam campaign id>``        a sextortion campaign (nervecentre.scams)
============  =====================================  =========================================

Identifier node types are the registry's identifier kinds (:data:`IDENTIFIER_TYPES`, from
:mod:`nervecentre.types`): one real identifier is one node, keyed on its normalised value
(``phone:+919812345678`` however it was written).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from nervecentre.types.registry import KINDS

#: Identifier kinds of the registry, each a node type of its own.
IDENTIFIER_TYPES: tuple[str, ...] = KINDS
#: Every node type, in the order a legend lists them.
NODE_TYPES: tuple[str, ...] = (
    "person", "case", *KINDS, "place", "establishment", "org", "campaign",
)  # fmt: skip

#: Edge types and what each says, in words an officer uses (the direction reads left to right).
EDGE_TYPES: dict[str, str] = {
    "accused_in": "is accused in the case",
    "victim_in": "is a victim in the case",
    "witness_in": "is a witness in the case",
    "complainant_in": "is the complainant in the case",
    "buyer_in": "is a buyer (customer) in the case",
    "co_accused": "was accused together with, in the case named",
    "used": "used this identifier, as the case records",
    "seen_in": "identifier recorded in the case, owner not known",
    "occurred_at": "the case's offence took place here",
    "arrested_at": "was arrested here",
    "rescued_at": "was rescued here",
    "raided_at": "a raid in the case took place here",
    "event_at": "an event of the case took place here",
    "route_from": "the case's trafficking route started here",
    "route_to": "the case's trafficking route ended here",
    "route_leg": "a leg of a trafficking route, in the case named",
    "linked_case": "the registry links these cases",
    "account_at": "the bank account is held at this bank",
    "account_on": "the handle is an account on this platform",
    "in_complaints": "the identifier is given in sextortion complaints of this campaign",
    "paid": "paid this wallet, in an imported blockchain transaction",
}


@dataclass(slots=True)
class Node:
    """One node: ``id`` (see the module table), ``type`` (one of :data:`NODE_TYPES`), a readable
    ``label`` and ``attrs`` (plain JSON values: for a person ``records`` (source person ids seen),
    ``protected`` (a victim), ``roles``; for a case ``case_key``, ``fir_at``, ``unit``,
    ``status``; for an identifier ``kind``, ``value``; for places ``key``)."""

    id: str
    type: str
    label: str
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Edge:
    """One piece of evidence linking two nodes: ``type`` (a key of :data:`EDGE_TYPES`), the case
    it comes from (``case_id``, None for edges true of no one case, such as ``account_at``), the
    source row (``record``, ``"<table>:<id>"``, e.g. ``"case_roles:812"``) and its ``date``
    (the event's date, else the FIR's date). ``attrs`` holds extras (the accused role…)."""

    source: str
    target: str
    type: str
    case_id: int | None = None
    record: str = ""
    date: date | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class LinkGraph:
    """Nodes by id and the edges between them, plus measures once computed.

    ``communities`` (node id -> community number) and ``centrality`` (measure name -> node id
    -> score) are filled by :func:`nervecentre.graph.analytics.annotate`; ``to_json`` carries
    them to the chart. ``modularity`` is the quality of that partition (higher: crisper groups).
    """

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    communities: dict[str, int] = field(default_factory=dict)
    centrality: dict[str, dict[str, float]] = field(default_factory=dict)
    modularity: float | None = None
    since: date | None = None
    until: date | None = None

    def add_node(self, node: Node) -> Node:
        """Add ``node`` unless a node with its id exists; the node kept is returned."""
        return self.nodes.setdefault(node.id, node)

    def add_edge(self, edge: Edge) -> None:
        """Add one edge; both its ends must be nodes already."""
        self.edges.append(edge)

    def adjacency(self) -> dict[str, set[str]]:
        """Each node's neighbours, edges taken in both directions."""
        adj: dict[str, set[str]] = {n: set() for n in self.nodes}
        for e in self.edges:
            adj[e.source].add(e.target)
            adj[e.target].add(e.source)
        return adj

    def neighbourhood(self, node_id: str, hops: int = 1) -> LinkGraph:
        """The subgraph of nodes at most ``hops`` links from ``node_id`` (KeyError if absent)."""
        if node_id not in self.nodes:
            raise KeyError(node_id)
        adj = self.adjacency()
        seen = {node_id}
        frontier = deque([(node_id, 0)])
        while frontier:
            current, depth = frontier.popleft()
            if depth == hops:
                continue
            for other in adj[current]:
                if other not in seen:
                    seen.add(other)
                    frontier.append((other, depth + 1))
        return self.subgraph(seen)

    def subgraph(self, node_ids: Iterable[str]) -> LinkGraph:
        """These nodes (unknown ids ignored) and every edge between two of them, with measures.
        Its nodes are copies: annotating the subgraph leaves this graph as it was."""
        keep = {n for n in node_ids if n in self.nodes}
        return LinkGraph(
            nodes={n: _copy(self.nodes[n]) for n in self.nodes if n in keep},
            edges=[e for e in self.edges if e.source in keep and e.target in keep],
            communities={n: c for n, c in self.communities.items() if n in keep},
            centrality={
                m: {n: v for n, v in s.items() if n in keep} for m, s in self.centrality.items()
            },
            modularity=self.modularity,
            since=self.since,
            until=self.until,
        )

    def copy(self) -> LinkGraph:
        """A copy whose nodes (and their attrs) and edge list are its own: what a caller may
        annotate or extend without touching this graph (edges are shared: never changed)."""
        return LinkGraph(
            nodes={k: _copy(n) for k, n in self.nodes.items()},
            edges=list(self.edges),
            communities=dict(self.communities),
            centrality={m: dict(s) for m, s in self.centrality.items()},
            modularity=self.modularity,
            since=self.since,
            until=self.until,
        )

    def edges_between(self, a: str, b: str) -> list[Edge]:
        """The evidence linking two nodes directly, in either direction."""
        return [e for e in self.edges if {e.source, e.target} == {a, b}]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict for the chart and the API.

        ``{"nodes": [{"id", "type", "label", "attrs", "community"?, "centrality"?: {measure:
        score}}], "edges": [{"id", "source", "target", "type", "case_id", "record", "date"
        (ISO or null), "attrs"}], "since", "until", "modularity"}``; ``community`` and
        ``centrality`` appear on a node only once computed. Edge ids are their position.
        """
        nodes = []
        for node in self.nodes.values():
            item: dict[str, Any] = {
                "id": node.id,
                "type": node.type,
                "label": node.label,
                "attrs": node.attrs,
            }
            if node.id in self.communities:
                item["community"] = self.communities[node.id]
            scores = {m: s[node.id] for m, s in self.centrality.items() if node.id in s}
            if scores:
                item["centrality"] = scores
            nodes.append(item)
        edges = [
            {
                "id": i,
                "source": e.source,
                "target": e.target,
                "type": e.type,
                "case_id": e.case_id,
                "record": e.record,
                "date": e.date.isoformat() if e.date else None,
                "attrs": e.attrs,
            }
            for i, e in enumerate(self.edges)
        ]
        return {
            "nodes": nodes,
            "edges": edges,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "modularity": self.modularity,
        }


def _copy(node: Node) -> Node:
    return Node(node.id, node.type, node.label, dict(node.attrs))
