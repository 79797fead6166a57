"""The link graph: who connects to whom through cases, identifiers, places and organisations.

:func:`build_graph` reads one user's graph from the registry; :mod:`nervecentre.graph.analytics`
computes on it; :mod:`nervecentre.graph.exports` writes it for Gephi, i2 and Neo4j.
"""

from nervecentre.graph.build import build_graph
from nervecentre.graph.model import EDGE_TYPES, NODE_TYPES, Edge, LinkGraph, Node

__all__ = ["EDGE_TYPES", "NODE_TYPES", "Edge", "LinkGraph", "Node", "build_graph"]
