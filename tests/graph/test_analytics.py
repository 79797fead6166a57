"""The measures on small graphs whose answers are known (and on networkx's where not)."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from nervecentre.errors import InvalidValue, NotFound
from nervecentre.graph import centrality, communities, paths
from nervecentre.graph.analytics import (
    annotate,
    centrality_table,
    communities_table,
    explain,
    key_players,
    measures,
    stats_table,
)
from nervecentre.graph.build import build_graph
from nervecentre.graph.evidence import find_node, path_table, shared_table
from nervecentre.graph.index import GraphIndex
from nervecentre.graph.model import Edge, LinkGraph, Node
from tests.security.conftest import World


def _index(g: nx.Graph) -> GraphIndex:
    edges = list(g.edges())
    return GraphIndex.from_edges(g.number_of_nodes(), [a for a, _ in edges], [b for _, b in edges])


def test_the_middle_of_a_path_is_the_broker_and_the_only_bridge() -> None:
    index = GraphIndex.from_edges(5, [0, 1, 2, 3], [1, 2, 3, 4])
    b = centrality.betweenness(index, normalised=False)
    assert b.tolist() == [0.0, 3.0, 4.0, 3.0, 0.0]
    assert communities.articulation_points(index).tolist() == [1, 2, 3]
    assert centrality.closeness(index)[2] == pytest.approx(4 / 6)


def test_a_cycle_has_no_only_bridge_and_equal_scores() -> None:
    index = GraphIndex.from_edges(6, range(6), [1, 2, 3, 4, 5, 0])
    assert communities.articulation_points(index).tolist() == []
    for values in (centrality.betweenness(index), centrality.pagerank(index)):
        assert np.allclose(values, values[0])


def test_measures_agree_with_networkx_on_a_random_graph() -> None:
    g = nx.gnm_random_graph(120, 300, seed=5)
    index = _index(g)
    expected = nx.betweenness_centrality(g)
    assert np.allclose(centrality.betweenness(index), [expected[i] for i in range(120)])
    close = nx.closeness_centrality(g, wf_improved=False)
    assert np.allclose(centrality.closeness(index), [close[i] for i in range(120)])
    rank = nx.pagerank(g, tol=1e-12)
    assert np.allclose(centrality.pagerank(index), [rank[i] for i in range(120)], atol=1e-8)
    assert centrality.pagerank(index).sum() == pytest.approx(1.0)
    giant = g.subgraph(max(nx.connected_components(g), key=len))
    eig = nx.eigenvector_centrality_numpy(giant)
    top = max(eig, key=lambda n: eig[n])
    assert int(np.argmax(centrality.eigenvector(index))) == top


@pytest.mark.parametrize(
    "g",
    [
        nx.path_graph(90),  # long and thin: every level touches few rows
        nx.grid_2d_graph(12, 15),  # many shortest paths per pair
        nx.disjoint_union(nx.star_graph(30), nx.gnm_random_graph(70, 90, seed=2)),
        nx.gnm_random_graph(200, 1500, seed=4),  # dense: middle levels touch most rows
        nx.barabasi_albert_graph(300, 3, seed=7),
    ],
    ids=["path", "grid", "star and scatter", "dense", "hubs"],
)
def test_betweenness_from_some_sources_is_brandes_exactly(g: nx.Graph) -> None:
    """Levels of a search that touch few nodes are multiplied through those rows only;
    the sums must not change (exact and from chosen sources, as igraph's ``sources=``)."""
    g = nx.convert_node_labels_to_integers(g)
    index = _index(g)
    expected = nx.betweenness_centrality(g, normalized=False)
    assert np.allclose(
        centrality.betweenness(index, normalised=False), [expected[i] for i in range(len(g))]
    )
    sources = np.random.default_rng(1).choice(len(g), 7, replace=False)
    subset = nx.betweenness_centrality_subset(
        g, sources=sources.tolist(), targets=list(g), normalized=False
    )
    found = centrality.betweenness_from(index, sources.astype(np.int64))
    assert np.allclose(found / 2.0, [subset[i] for i in range(len(g))])


def test_sampled_betweenness_estimates_the_exact_one() -> None:
    g = nx.barabasi_albert_graph(600, 2, seed=3)
    index = _index(g)
    exact = centrality.betweenness(index)
    sampled = centrality.betweenness(index, samples=150, seed=1)
    assert np.corrcoef(exact, sampled)[0, 1] > 0.9
    assert set(np.argsort(-exact)[:3]) & set(np.argsort(-sampled)[:5])


def test_components_are_numbered_by_size() -> None:
    index = GraphIndex.from_edges(7, [0, 1, 3, 4, 5], [1, 2, 4, 5, 6])
    assert communities.components(index).tolist() == [1, 1, 1, 0, 0, 0, 0]


def test_leiden_finds_planted_groups_and_modularity_matches_networkx() -> None:
    g = nx.planted_partition_graph(8, 25, 0.4, 0.01, seed=4)
    index = _index(g)
    labels = communities.leiden(index, seed=2)
    truth = np.arange(200) // 25
    assert communities.adjusted_rand(truth, labels) > 0.9
    assert communities.normalised_mutual_information(truth, labels) > 0.9
    groups = [set(np.flatnonzero(labels == c).tolist()) for c in set(labels.tolist())]
    assert communities.modularity(index, labels) == pytest.approx(
        nx.community.modularity(g, groups)
    )


def test_agreement_scores_know_identical_relabelled_and_unrelated() -> None:
    a = [0, 0, 1, 1, 2, 2]
    assert communities.adjusted_rand(a, [5, 5, 3, 3, 9, 9]) == pytest.approx(1.0)
    assert communities.normalised_mutual_information(a, [5, 5, 3, 3, 9, 9]) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 5, 5000), rng.integers(0, 5, 5000)
    assert abs(communities.adjusted_rand(x, y)) < 0.01
    assert communities.normalised_mutual_information(x, y) < 0.01


def test_shortest_and_k_shortest_paths_match_networkx() -> None:
    g = nx.gnm_random_graph(200, 350, seed=8)
    index = _index(g)
    for s, t in [(0, 1), (3, 150), (10, 199)]:
        try:
            expected = [len(p) for p in itertools.islice(nx.shortest_simple_paths(g, s, t), 5)]
        except nx.NetworkXNoPath:
            expected = []
        found = paths.k_shortest_paths(index, s, t, 5)
        assert [len(p) for p in found] == expected
        for p in found:
            assert p[0] == s and p[-1] == t and len(set(p)) == len(p)
            assert all(g.has_edge(a, b) for a, b in itertools.pairwise(p))
    lonely = GraphIndex.from_edges(4, [0, 2], [1, 3])
    assert paths.shortest_path(lonely, 0, 3) is None
    assert paths.k_shortest_paths(lonely, 0, 3) == []


def test_shared_neighbours() -> None:
    index = GraphIndex.from_edges(6, [0, 1, 2, 0, 1], [3, 3, 3, 4, 4])
    assert paths.shared_neighbours(index, [0, 1, 2]) == {3: [0, 1, 2]}
    assert set(paths.shared_neighbours(index, [0, 1, 2], at_least=2)) == {3, 4}


def _toy() -> LinkGraph:
    graph = LinkGraph()
    for node in ("person:1", "person:2", "person:3", "phone:+911", "case:7"):
        graph.add_node(Node(node, node.split(":")[0], node.upper()))
    for a, b, kind, case in [
        ("person:1", "phone:+911", "used", 7),
        ("person:2", "phone:+911", "used", 8),
        ("person:2", "case:7", "accused_in", 7),
        ("person:3", "case:7", "accused_in", 7),
    ]:
        graph.add_edge(Edge(a, b, kind, case, f"x:{case}"))
    return graph


def test_annotate_and_tables_explain_themselves() -> None:
    graph = _toy()
    annotate(graph)
    assert set(graph.centrality) == {
        "degree",
        "betweenness",
        "closeness",
        "eigenvector",
        "pagerank",
    }
    assert set(graph.communities) == set(graph.nodes)
    assert graph.nodes["person:2"].attrs["articulation"] is True
    top = centrality_table(graph, top=1)
    assert top.rows[0]["id"] == "person:2"
    stats = {r["what"]: r["value"] for r in stats_table(graph).rows}
    assert stats["nodes"] == 5 and stats["clusters (connected components)"] == 1
    table = communities_table(graph)
    assert sum(r["size"] for r in table.rows) == 5 and table.notes["modularity"] is not None
    assert key_players(graph, graph.communities["person:2"])
    for name in measures():
        assert len(explain(name).split()) > 12  # words, not a formula


def test_path_table_names_the_evidence_of_each_hop() -> None:
    graph = _toy()
    table = path_table(graph, "person:1", "person:3")
    first = [r for r in table.rows if r["path"] == 1]
    assert [r["from"] for r in first] == ["person:1", "phone:+911", "person:2", "case:7"]
    assert first[0]["cases"] == [7] and first[0]["records"] == ["x:7"]
    assert table.notes["connected"]
    shared = shared_table(graph, ["person:1", "person:2"])
    assert [r["id"] for r in shared.rows] == ["phone:+911"]


def test_find_node_by_what_an_analyst_types(gworld: World) -> None:
    graph = build_graph(gworld.db, gworld.user("admin"))
    assert find_node(graph, "+91 98765 43001") == "phone:+919876543001"
    assert find_node(graph, "09876543001") == "phone:+919876543001"
    assert find_node(graph, "case:3") == "case:3"
    assert find_node(graph, "MH-PAL-BOISAR/2024/12") == "case:4"
    assert find_node(graph, "16") == "person:16"
    assert find_node(graph, "prakash gawade") == "person:16"
    with pytest.raises(InvalidValue, match="3 people"):
        find_node(graph, "Mohd. Salim Shaikh")
    with pytest.raises(NotFound):
        find_node(graph, "nobody at all")
    with pytest.raises(NotFound):
        find_node(graph, "99999")
