"""Sextortion campaigns in the link graph: an identifier of a visible case that complaints
also give is joined to the campaigns of those complaints.

The graph builder (:mod:`nervecentre.graph.build`) calls :func:`add_complaint_links` last,
with the user's graph: only identifiers already in it (so only visible cases') and only
messages the user may see (:mod:`nervecentre.scams.visibility`) take part; a victim's
protected identifier (no value in the graph) is never looked up. Needs ``scam.view``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from nervecentre.graph.model import IDENTIFIER_TYPES, Edge, LinkGraph, Node
from nervecentre.scams.links import campaign_links
from nervecentre.scams.visibility import visible_messages
from nervecentre.security.models import User
from nervecentre.security.roles import can


def add_complaint_links(session: Session, user: User, graph: LinkGraph) -> int:
    """Add ``campaign:<id>`` nodes and ``in_complaints`` edges; returns the edges added."""
    if not can(user, "scam.view"):
        return 0
    nodes = {
        (node.attrs["kind"], node.attrs["value"]): node.id
        for node in graph.nodes.values()
        if node.type in IDENTIFIER_TYPES and node.attrs.get("value")
    }
    added = 0
    for link in campaign_links(session, list(nodes), visible_messages(user)):
        source = nodes[(link.kind, link.value)]
        for campaign_id in link.campaign_ids:
            target = f"campaign:{campaign_id}"
            if target not in graph.nodes:
                label = f"Sextortion campaign {campaign_id}"
                graph.add_node(Node(target, "campaign", label, {"campaign_id": campaign_id}))
            record = f"scam_campaigns:{campaign_id}"
            graph.add_edge(
                Edge(source, target, "in_complaints", None, record, None,
                     {"messages": link.messages})
            )  # fmt: skip
            added += 1
    return added
