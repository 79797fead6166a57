"""Articulation points against networkx's Hopcroft-Tarjan, on graphs hypothesis draws."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nervecentre.graph import bridges
from nervecentre.graph.index import GraphIndex


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    n = draw(st.integers(1, 40))
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    return n, draw(st.lists(pair, max_size=3 * n))


def _expected(n: int, index: GraphIndex) -> list[int]:
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(index.a.tolist(), index.b.tolist(), strict=True))
    return sorted(nx.articulation_points(g))


@settings(max_examples=300, deadline=None)
@given(graphs(), st.sampled_from([0, 1, 2, bridges.DEEP]))
def test_articulation_points_agree_with_networkx(
    graph: tuple[int, list[tuple[int, int]]], deep: int
) -> None:
    n, edges = graph
    index = GraphIndex.from_edges(n, [a for a, _ in edges], [b for _, b in edges])
    # ``deep`` 0-2 makes most trees take the Euler-tour path, DEEP the level-by-level one.
    assert bridges.articulation_points(index, deep=deep).tolist() == _expected(n, index)


def test_long_paths_stars_and_many_components() -> None:
    rng = np.random.default_rng(3)
    path = GraphIndex.from_edges(3000, range(2999), range(1, 3000))  # deeper than DEEP levels
    assert bridges.articulation_points(path).tolist() == list(range(1, 2999))
    star = GraphIndex.from_edges(2001, [0] * 2000, range(1, 2001))
    assert bridges.articulation_points(star).tolist() == [0]
    # Many small components beside a giant one: the components the first search misses.
    n = 5000
    a, b = rng.integers(0, n, 6000), rng.integers(0, n, 6000)
    index = GraphIndex.from_edges(n, a, b)
    assert bridges.articulation_points(index).tolist() == _expected(n, index)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 60), st.data())
def test_components_by_hooking_agree_with_networkx(n: int, data: st.DataObject) -> None:
    pair = st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
    edges = data.draw(st.lists(pair, max_size=2 * n))
    rounds = data.draw(st.integers(0, 3))  # 0: everything handed to SciPy
    rows = np.array([a for a, _ in edges], dtype=np.int32)
    cols = np.array([b for _, b in edges], dtype=np.int32)
    labels = bridges._components(n, rows, cols, rounds=rounds)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    groups = [sorted(c) for c in nx.connected_components(g)]
    assert all(len(set(labels[c].tolist())) == 1 for c in groups)
    assert len(set(labels.tolist())) == len(groups)
