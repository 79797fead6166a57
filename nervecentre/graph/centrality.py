"""Centrality on a :class:`GraphIndex`: degree, betweenness, closeness, eigenvector, PageRank.

Exact closeness is networkit's (C++). Betweenness (a random set of
sources, Brandes & Pich 2007, scaled to estimate the exact value) and the closeness of chosen
nodes run Brandes' breadth-first searches many sources at a time, as sparse matrix products
(SciPy), so the work stays in compiled code.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as sla

from nervecentre.graph.index import GraphIndex, Ints

Floats = npt.NDArray[np.float64]
# Sources searched together: memory is about n x BATCH x 20 bytes.
BATCH = 32


def degree(index: GraphIndex) -> Floats:
    """Links per node, divided by the most a node could have (n - 1)."""
    return index.degree / max(1, index.n - 1)


def pagerank(index: GraphIndex, *, damping: float = 0.85, tol: float = 1e-10) -> Floats:
    """PageRank over the undirected links; nodes with no link spread their share evenly."""
    n = index.n
    if n == 0:
        return np.zeros(0)
    adj = index.adjacency
    deg = index.degree.astype(np.float64)
    inv = np.divide(1.0, deg, out=np.zeros(n), where=deg > 0)
    x = np.full(n, 1.0 / n)
    for _ in range(1_000):
        y = damping * (adj @ (x * inv))
        y += (1.0 - y.sum()) / n
        if np.abs(y - x).sum() < tol:
            return np.asarray(y)
        x = y
    return np.asarray(x)


def eigenvector(index: GraphIndex) -> Floats:
    """Eigenvector centrality: high for nodes linked to other central nodes (largest = 1)."""
    n = index.n
    if n == 0 or index.m == 0:
        return np.zeros(n)
    if n < 3:
        return np.ones(n)
    # Started from the degrees, as igraph does: ARPACK then needs a few times fewer steps.
    start = index.degree.astype(np.float64) + 1.0
    _, vectors = sla.eigsh(index.adjacency, k=1, which="LA", v0=start, tol=1e-6)
    v = np.abs(vectors[:, 0])
    return np.asarray(v / v.max())


# A level whose nodes are fewer than n / SPARSE_LEVEL is multiplied through the rows it
# touches only (the first and last levels of a search are small): the same sums, less work.
SPARSE_LEVEL = 3


def _levels(adj: sp.csr_array, sources: Ints) -> tuple[Floats, npt.NDArray[np.int32], list[Ints]]:
    """Shortest-path counts and depths (-1: unreached) from each source (one column each),
    and the nodes at each depth for some source (the rows a level touches)."""
    n, k = adj.shape[0], len(sources)
    sigma = np.zeros((n, k))
    depth = np.full((n, k), -1, dtype=np.int32)
    cols = np.arange(k)
    sigma[sources, cols] = 1.0
    depth[sources, cols] = 0
    frontier = sigma.copy()
    rows = [np.unique(sources)]
    unseen = depth < 0
    new = np.empty((n, k), dtype=bool)
    # In place where it can be: each fresh n x k array costs page faults as well as time.
    while True:
        at = rows[-1]
        # adj is symmetric: its rows `at` are its columns.
        reached = adj[at].T @ frontier[at] if len(at) * SPARSE_LEVEL < n else adj @ frontier
        np.greater(reached, 0, out=new)
        new &= unseen
        hit = new.any(axis=1)
        if not hit.any():
            return sigma, depth, rows
        np.copyto(depth, len(rows), where=new)
        unseen &= ~new
        reached *= new
        sigma += reached
        frontier = reached
        rows.append(np.flatnonzero(hit))


def _betweenness_of(adj: sp.csr_array, sources: Ints) -> Floats:
    """The dependency of every node on the sources' shortest paths, summed (Brandes)."""
    sigma, depth, rows = _levels(adj, sources)
    n = adj.shape[0]
    inverse = np.divide(1.0, sigma, out=np.zeros_like(sigma), where=sigma > 0)
    delta = np.zeros_like(sigma)
    coefficient = np.empty_like(sigma)
    at = np.equal(depth, len(rows) - 1)
    above = np.empty_like(at)
    for level in range(len(rows) - 1, 0, -1):
        # (1 + delta) / sigma at this level's nodes, pulled back to the level above.
        np.add(delta, 1.0, out=coefficient)
        coefficient *= inverse
        coefficient *= at
        np.equal(depth, level - 1, out=above)
        up = rows[level - 1]
        if len(up) * SPARSE_LEVEL < n:
            pulled = adj[up] @ coefficient
            pulled *= sigma[up]
            pulled *= above[up]
            delta[up] += pulled
        else:
            pulled = adj @ coefficient
            pulled *= sigma
            pulled *= above
            delta += pulled
        at, above = above, at
    delta[sources, np.arange(len(sources))] = 0.0
    return np.asarray(delta.sum(axis=1))


def betweenness(
    index: GraphIndex, *, samples: int | None = None, seed: int = 0, normalised: bool = True
) -> Floats:
    """How often a node lies on the shortest paths between others (brokers score high).

    Exact over every source, or estimated from ``samples`` random sources (scaled up by
    n / samples). Normalised to 0..1 by the number of pairs (n-1)(n-2)/2, unless told not to;
    unnormalised it counts pairs as igraph does for an undirected graph.
    """
    n = index.n
    if n < 3:
        return np.zeros(n)
    if samples is None or samples >= n:
        total = _exact_betweenness(index)
    else:
        sources = np.random.default_rng(seed).choice(n, samples, replace=False).astype(np.int64)
        total = betweenness_from(index, sources) * (n / len(sources) / 2.0)
    if normalised:
        total /= (n - 1) * (n - 2) / 2.0
    return total


def _exact_betweenness(index: GraphIndex) -> Floats:
    # Every node a source. (networkit's Brandes measured 5-7x slower than this on the sparse,
    # long-chained graphs the registry gives, so it is not used here.)
    return betweenness_from(index, np.arange(index.n, dtype=np.int64)) / 2.0


def betweenness_from(index: GraphIndex, sources: Ints) -> Floats:
    """The unscaled dependencies on paths from ``sources`` only (igraph's ``sources=``)."""
    total = np.zeros(index.n)
    for start in range(0, len(sources), BATCH):
        total += _betweenness_of(index.adjacency, sources[start : start + BATCH])
    return total


def closeness(index: GraphIndex, nodes: Ints | None = None) -> Floats:
    """How near a node is to everything it can reach: (reached - 1) / total distance, as in
    igraph and Gephi (its own component only); 0 for a node alone. Only ``nodes`` if given."""
    chosen = np.arange(index.n, dtype=np.int64) if nodes is None else np.asarray(nodes)
    out = np.zeros(len(chosen))
    adj = index.adjacency.astype(np.float32)
    for start in range(0, len(chosen), BATCH):
        batch = chosen[start : start + BATCH]
        reached, total = _distances(adj, batch)
        out[start : start + BATCH] = np.divide(
            reached - 1, total, out=np.zeros(len(batch)), where=total > 0
        )
    return out


def _distances(adj: sp.csr_array, sources: Ints) -> tuple[Floats, Floats]:
    """Per source: how many nodes it reaches (itself included) and their total distance.

    Only 0/1 frontiers in single precision: no path counts are needed, so a level costs a
    quarter of Brandes' forward step in memory traffic."""
    n, k = adj.shape[0], len(sources)
    seen = np.zeros((n, k), dtype=bool)
    seen[sources, np.arange(k)] = True
    frontier = seen.astype(np.float32)
    reached, total = np.ones(k), np.zeros(k)
    level = 0
    while True:
        new = (adj @ frontier > 0) & ~seen
        counts = new.sum(axis=0)
        if not counts.any():
            return reached, total
        level += 1
        seen |= new
        reached += counts
        total += level * counts
        frontier = new.astype(np.float32)


def closeness_all(index: GraphIndex, *, samples: int | None = None, seed: int = 0) -> Floats:
    """Closeness of every node, or of a random sample of ``samples`` (others 0)."""
    if index.n == 0:
        return np.zeros(0)
    if samples is None or samples >= index.n:
        return _exact_closeness(index)
    nodes = np.random.default_rng(seed).choice(index.n, samples, replace=False)
    out = np.zeros(index.n)
    out[nodes] = closeness(index, nodes.astype(np.int64))
    return out


def _exact_closeness(index: GraphIndex) -> Floats:
    # networkit's generalised closeness is ours times (reached - 1) / (n - 1) (Wasserman and
    # Faust); the component sizes undo that factor.
    import networkit as nk
    from scipy.sparse.csgraph import connected_components

    graph = index.networkit()
    algorithm = nk.centrality.Closeness(graph, False, nk.centrality.ClosenessVariant.GENERALIZED)
    algorithm.run()
    scores = np.asarray(algorithm.scores(), dtype=np.float64)
    _, labels = connected_components(index.adjacency, directed=False)
    reached = np.bincount(labels)[labels] - 1
    out = np.zeros(index.n)
    np.divide(scores * (index.n - 1), reached, out=out, where=reached > 0)
    return out
