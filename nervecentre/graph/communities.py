"""Components, Leiden communities with their modularity, brokers, and agreement with a truth.

Leiden is networkit's (MIT licence) ``ParallelLeiden``; igraph and leidenalg are GPL and
only measured against in the benchmark. Articulation points are our own (``bridges``).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import scipy.sparse.csgraph as csgraph

from nervecentre.graph import bridges
from nervecentre.graph.index import GraphIndex, Ints


def components(index: GraphIndex) -> Ints:
    """The connected component of each node, numbered from 0 by decreasing size."""
    if index.n == 0:
        return np.zeros(0, dtype=np.int64)
    _, labels = csgraph.connected_components(index.adjacency, directed=False)
    return _by_size(labels)


def _by_size(labels: npt.NDArray[np.integer]) -> Ints:
    sizes = np.bincount(labels)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return np.asarray(rank[labels], dtype=np.int64)


def leiden(
    index: GraphIndex, *, resolution: float = 1.0, seed: int = 1, iterations: int = 3
) -> Ints:
    """Leiden communities maximising modularity (weighted by evidence), numbered by size.

    A node alone is a community of its own. The same seed gives the same partition on the
    same machine with one thread.
    """
    if index.m == 0:
        return np.arange(index.n, dtype=np.int64)
    import networkit as nk

    nk.engineering.setSeed(seed, False)
    graph = index.networkit(weighted=True)
    algorithm = nk.community.ParallelLeiden(
        graph, iterations=iterations, randomize=True, gamma=resolution
    )
    algorithm.run()
    labels = np.asarray(algorithm.getPartition().getVector(), dtype=np.int64)
    _, dense = np.unique(labels, return_inverse=True)
    return _by_size(dense)


def modularity(index: GraphIndex, labels: Ints, *, resolution: float = 1.0) -> float:
    """Newman's modularity of a partition over the weighted links (-0.5..1; above about 0.3:
    clear groups)."""
    total = float(index.weight.sum())
    if total == 0:
        return 0.0
    inside = labels[index.a] == labels[index.b]
    within = float(index.weight[inside].sum())
    strength = np.bincount(index.a, index.weight, index.n) + np.bincount(
        index.b, index.weight, index.n
    )
    per = np.bincount(labels, strength)
    return within / total - resolution * float((per**2).sum()) / (4.0 * total * total)


def articulation_points(index: GraphIndex) -> Ints:
    """Nodes whose removal splits their component: the only bridge between two groups."""
    return bridges.articulation_points(index)


def _contingency(truth: npt.ArrayLike, found: npt.ArrayLike) -> npt.NDArray[np.float64]:
    _, t = np.unique(np.asarray(truth), return_inverse=True)
    _, f = np.unique(np.asarray(found), return_inverse=True)
    table = np.zeros((t.max() + 1, f.max() + 1))
    np.add.at(table, (t, f), 1)
    return table


def adjusted_rand(truth: npt.ArrayLike, found: npt.ArrayLike) -> float:
    """Adjusted Rand index of two labellings of the same items (1: identical, ~0: chance)."""
    table = _contingency(truth, found)
    n = table.sum()
    if n < 2:
        return 1.0

    def pairs(x: npt.NDArray[np.float64]) -> float:
        return float((x * (x - 1) / 2).sum())

    index = pairs(table)
    rows, cols = pairs(table.sum(1)), pairs(table.sum(0))
    expected = rows * cols / (n * (n - 1) / 2)
    best = (rows + cols) / 2
    return 1.0 if best == expected else float((index - expected) / (best - expected))


def normalised_mutual_information(truth: npt.ArrayLike, found: npt.ArrayLike) -> float:
    """Mutual information of two labellings over the mean of their entropies (0..1)."""
    table = _contingency(truth, found)
    n = table.sum()
    if n == 0:
        return 1.0
    p = table / n
    pt, pf = p.sum(1), p.sum(0)
    nz = p > 0
    mi = float((p[nz] * np.log(p[nz] / np.outer(pt, pf)[nz])).sum())

    def entropy(x: npt.NDArray[np.float64]) -> float:
        x = x[x > 0]
        return float(-(x * np.log(x)).sum())

    ht, hf = entropy(pt), entropy(pf)
    if ht == 0 and hf == 0:
        return 1.0
    mean = (ht + hf) / 2
    return 0.0 if mean == 0 or math.isclose(mi, 0.0, abs_tol=1e-15) else mi / mean
