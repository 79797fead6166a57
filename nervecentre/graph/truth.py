"""Scoring the graph's groups and key players against the synthetic generator's hidden networks.

The truth file (:mod:`nervecentre.synth.truth`) says which identity and which hidden network is
behind each person record. Groups are scored over the accused who belong to a network: the
adjusted Rand index and normalised mutual information of the Leiden groups against the
networks. A network's planted key player is its core member (rank 0, the lowest identity
number: the generator draws low ranks far more often); we check whether it is among the
top three of its network by the key-player ranking (broker score and importance together).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select

from nervecentre.cases.people import Person
from nervecentre.graph.analytics import annotate
from nervecentre.graph.communities import adjusted_rand, normalised_mutual_information
from nervecentre.graph.model import LinkGraph
from nervecentre.store.db import Database
from nervecentre.synth.truth import TruthRow

TOP = 3


@dataclass(frozen=True)
class TruthScore:
    """How well the graph recovers the hidden networks."""

    people: int
    networks: int
    ari: float
    nmi: float
    key_player_networks: int
    key_player_hits: int
    chance: float

    @property
    def hit_rate(self) -> float:
        """Share of networks whose planted key player ranks in the top three of its network."""
        return self.key_player_hits / self.key_player_networks if self.key_player_networks else 0.0

    def to_json(self) -> dict[str, Any]:
        """The figures as a dict, hit rate included."""
        return {**asdict(self), "hit_rate": self.hit_rate}


def score(db: Database, graph: LinkGraph, truth: Iterable[TruthRow]) -> TruthScore:
    """Score ``graph`` (annotated here if it is not yet) against the truth rows."""
    if not graph.centrality and graph.nodes:
        annotate(graph)
    behind = {row.person_ref: row for row in truth}
    with db.session() as session:
        refs = {pid: ref for pid, ref in session.execute(select(Person.id, Person.source_ref))}
    node_truth: dict[str, tuple[str, str]] = {}
    for node in graph.nodes.values():
        if node.type != "person":
            continue
        rows = [behind.get(refs.get(r, "")) for r in node.attrs.get("records", [])]
        found = Counter((r.identity_id, r.network_id) for r in rows if r and r.network_id)
        if found:
            node_truth[node.id] = found.most_common(1)[0][0]
    ids = sorted(node_truth)
    networks = [node_truth[n][1] for n in ids]
    groups = [graph.communities.get(n, -1) for n in ids]
    hits, scored, chance = 0, 0, 0.0
    members: dict[str, list[str]] = {}
    for node_id in ids:
        members.setdefault(node_truth[node_id][1], []).append(node_id)
    for nodes in members.values():
        identities = {node_truth[n][0] for n in nodes}
        if len(identities) <= TOP:
            continue
        core = min(identities)
        ranks = dict.fromkeys(nodes, 0)
        for measure in ("betweenness", "pagerank"):
            ordered = sorted(nodes, key=lambda n: -graph.centrality[measure].get(n, 0.0))
            for position, n in enumerate(ordered):
                ranks[n] += position
        top = sorted(nodes, key=lambda n: (ranks[n], n))[:TOP]
        scored += 1
        hits += any(node_truth[n][0] == core for n in top)
        chance += min(1.0, TOP / len(nodes))
    return TruthScore(
        people=len(ids),
        networks=len(members),
        ari=adjusted_rand(networks, groups) if ids else 0.0,
        nmi=normalised_mutual_information(networks, groups) if ids else 0.0,
        key_player_networks=scored,
        key_player_hits=hits,
        chance=chance / scored if scored else 0.0,
    )
