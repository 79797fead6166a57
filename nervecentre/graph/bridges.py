"""Articulation points ("only bridges") by Tarjan and Vishkin's biconnectivity, in array steps.

Hopcroft and Tarjan's depth-first search is a loop over every link: in Python it is slow, and
networkit's compiled one took 1.2-3x igraph's time at a million links (docs/network.md).
Tarjan and Vishkin's algorithm needs only *some* spanning tree: here SciPy's breadth-first
search (compiled, linear). Every other step is a NumPy operation over all nodes or links:

1. the tree's preorder numbers ``pre`` and subtree sizes ``nd``, level by level (a
   breadth-first tree is shallow), or from its Euler tour ranked by pointer jumping when it
   is deep;
2. ``low``/``high``: the smallest/largest preorder number a subtree reaches by one non-tree
   link, as range minima/maxima over the preorder (a sparse table, one level at a time);
3. an auxiliary graph over the tree links, whose components are the biconnected components
   (blocks): each non-tree link joins the tree links above its two ends (in a breadth-first
   tree no non-tree link joins a node to an ancestor), and a tree link is joined to the one
   above it when the subtree below it reaches outside its parent's subtree;
4. a node is an articulation point when its tree links lie in two or more blocks.

A tree is held as ``order`` (node ids in visit order; ``order[0]`` is a virtual root, -1) and
``up`` (each position's parent position; ``up[0] = 0``). Breadth-first order puts the children
of a parent next to each other and the parents in order, so ``up`` never decreases.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph

from nervecentre.graph.index import GraphIndex, Ints

#: Positions and counts within one tree (a tree of 2**31 nodes would need 100 GiB).
POS = np.int32
Pos = npt.NDArray[np.int32]

#: Above this many tree levels, preorder numbers come from the Euler tour instead.
DEEP = 64


def articulation_points(index: GraphIndex, *, deep: int = DEEP) -> Ints:
    """Nodes whose removal splits their component, in increasing order."""
    if index.m < 2:
        return np.zeros(0, dtype=np.int64)
    # One search from the busiest node usually covers the giant component; the components
    # it missed are searched together, under a virtual root tied to one node of each.
    first = _search(index.adjacency, int(np.argmax(index.degree)))
    found = [_cut_nodes(index, *first, deep=deep)]
    if len(first[0]) - 1 < index.n:
        rest = np.ones(index.n, dtype=bool)
        rest[first[0][1:]] = False
        found.append(_cut_nodes(index, *_forest(index.adjacency, np.flatnonzero(rest)), deep=deep))
    return np.sort(np.concatenate(found))


def _search(adjacency: sp.csr_array, start: int) -> tuple[Ints, Pos]:
    """The breadth-first tree of ``start``'s component, below a virtual root."""
    visit, parent = csgraph.breadth_first_order(
        adjacency, start, directed=True, return_predecessors=True
    )
    order = np.concatenate([[-1], visit]).astype(np.int64)
    at = np.zeros(adjacency.shape[0], dtype=POS)
    at[visit] = np.arange(1, len(order), dtype=POS)
    up = np.zeros(len(order), dtype=POS)
    up[2:] = at[parent[visit[1:]]]
    return order, up


def _forest(adjacency: sp.csr_array, nodes: Ints) -> tuple[Ints, Pos]:
    """The breadth-first trees of the components made of ``nodes`` that have three or more
    nodes (smaller ones have no articulation point), below one virtual root."""
    sub = adjacency[nodes][:, nodes]
    k = len(nodes)
    count, labels = csgraph.connected_components(sub, directed=False)
    sizes = np.bincount(labels, minlength=count)
    lowest = np.full(count, k, dtype=POS)
    np.minimum.at(lowest, labels, np.arange(k, dtype=POS))
    roots = lowest[sizes >= 3]
    indptr = np.concatenate([sub.indptr, [sub.indptr[-1] + len(roots)]])
    indices = np.concatenate([sub.indices, roots]).astype(sub.indices.dtype)
    tied = sp.csr_array((np.ones(len(indices)), indices, indptr), shape=(k + 1, k + 1))
    visit, parent = csgraph.breadth_first_order(tied, k, directed=True, return_predecessors=True)
    at = np.zeros(k + 1, dtype=POS)
    at[visit] = np.arange(len(visit), dtype=POS)
    up = np.zeros(len(visit), dtype=POS)
    up[1:] = at[parent[visit[1:]]]
    order = np.concatenate([nodes, [-1]])[visit]
    return np.asarray(order, dtype=np.int64), up


def _cut_nodes(index: GraphIndex, order: Ints, up: Pos, *, deep: int) -> Ints:
    """The articulation points among the nodes of one tree."""
    count = len(order)
    if count < 4:  # the virtual root and fewer than three nodes
        return np.zeros(0, dtype=np.int64)
    at = np.full(index.n, -1, dtype=POS)
    at[order[1:]] = np.arange(1, count, dtype=POS)
    qa = at[index.a]
    inside = qa >= 0
    qa, qb = qa[inside], at[index.b[inside]]
    non_tree = (up[qa] != qb) & (up[qb] != qa)
    qa, qb = qa[non_tree], qb[non_tree]
    first_child = _first_child(up)
    levels = _levels(up, deep)
    if levels is None:
        pre, nd = _by_euler_tour(up, first_child)
    else:
        pre, nd = _by_levels(up, levels, first_child)
    low, high = _reach(up, levels, pre, nd, qa, qb)
    labels = _blocks(up, pre, nd, low, high, qa, qb)
    return order[_split(up, first_child, labels)]


def _first_child(up: Pos) -> Pos:
    """Where each position's children start (where they would, for a leaf)."""
    children = np.bincount(up[1:], minlength=len(up))
    return np.asarray(1 + np.cumsum(children, dtype=POS) - children, dtype=POS)


def _levels(up: Pos, deep: int) -> list[tuple[int, int]] | None:
    """Each level's positions below the virtual root, top down; None past ``deep`` levels."""
    bounds = [1]
    while bounds[-1] < len(up):
        if len(bounds) > deep:
            return None
        bounds.append(int(np.searchsorted(up, bounds[-1], side="left")))
    return list(pairwise(bounds))


def _gather_up(values: Pos, up: Pos, levels: list[tuple[int, int]], pick: np.ufunc) -> Pos:
    """``values`` combined by ``pick`` over each subtree, bottom level first."""
    for start, end in reversed(levels):
        parents = up[start:end]
        heads = np.flatnonzero(np.diff(parents, prepend=-1))
        ends = parents[heads]
        values[ends] = pick(values[ends], pick.reduceat(values[start:end], heads))
    return values


def _by_levels(up: Pos, levels: list[tuple[int, int]], first_child: Pos) -> tuple[Pos, Pos]:
    """Preorder numbers and subtree sizes computed one tree level at a time."""
    count = len(up)
    nd = np.ones(count, dtype=POS)
    for start, end in reversed(levels):
        parents = up[start:end]
        heads = np.flatnonzero(np.diff(parents, prepend=-1))
        nd[parents[heads]] += np.add.reduceat(nd[start:end], heads)
    # A child's number follows its parent's and the subtrees of its elder siblings.
    before = np.cumsum(nd, dtype=POS) - nd
    pre = np.zeros(count, dtype=POS)
    for start, end in levels:
        parents = up[start:end]
        pre[start:end] = pre[parents] + 1 + before[start:end] - before[first_child[parents]]
    return pre, nd


def _by_euler_tour(up: Pos, first_child: Pos) -> tuple[Pos, Pos]:
    """Preorder numbers and subtree sizes from the rank of each arc on the tree's Euler tour
    (arc q goes down to position q, arc ``count + q`` back up from it; arc 0 is the end)."""
    count = len(up)
    children = np.bincount(up[1:], minlength=count)
    q = np.arange(1, count, dtype=POS)
    succ = np.zeros(2 * count, dtype=POS)
    # Going down to q: on to q's first child, or straight back up when q is a leaf.
    succ[q] = np.where(children[q] > 0, first_child[q], count + q)
    # Coming up from q: down to its next sibling, else up from its parent (the end at the top).
    has_next = np.zeros(count, dtype=bool)
    has_next[1:-1] = up[1:-1] == up[2:]
    parent = up[q]
    succ[count + q] = np.where(has_next[q], q + 1, np.where(parent == 0, 0, count + parent))
    dist = np.zeros(2 * count, dtype=POS)
    dist[q] = 1
    dist[count + q] = 1
    for _ in range(int(np.ceil(np.log2(2 * count))) + 1):
        dist += dist[succ]
        succ = succ[succ]
    arcs = 2 * (count - 1)
    down_at, up_at = arcs - dist[q], arcs - dist[count + q]
    is_down = np.zeros(arcs, dtype=POS)
    is_down[down_at] = 1
    pre = np.zeros(count, dtype=POS)
    pre[q] = np.cumsum(is_down, dtype=POS)[down_at]
    nd = np.full(count, count, dtype=POS)
    nd[q] = (up_at - down_at + 1) // 2
    return pre, nd


def _reach(
    up: Pos,
    levels: list[tuple[int, int]] | None,
    pre: Pos,
    nd: Pos,
    qa: Pos,
    qb: Pos,
) -> tuple[Pos, Pos]:
    """Each subtree's ``low`` and ``high``: the extreme preorder numbers of its own nodes and
    of the far ends of the non-tree links ``qa``–``qb`` leaving them."""
    low, high = pre.copy(), pre.copy()
    pa, pb = pre[qa], pre[qb]
    np.minimum.at(low, qa, pb)
    np.minimum.at(low, qb, pa)
    np.maximum.at(high, qa, pb)
    np.maximum.at(high, qb, pa)
    if levels is not None:
        return _gather_up(low, up, levels, np.minimum), _gather_up(high, up, levels, np.maximum)
    by_pre_low, by_pre_high = np.empty_like(low), np.empty_like(high)
    by_pre_low[pre], by_pre_high[pre] = low, high
    return _range(by_pre_low, pre, nd, np.minimum), _range(by_pre_high, pre, nd, np.maximum)


def _range(values: Pos, start: Pos, length: Pos, pick: np.ufunc) -> Pos:
    """``pick`` over ``values[start[i] : start[i] + length[i]]`` for every i (lengths >= 1), by
    a sparse table built and read one level at a time."""
    level_of = np.floor(np.log2(length)).astype(np.int64)
    answer = np.empty(len(start), dtype=values.dtype)
    table = values
    for level in range(int(level_of.max()) + 1):
        if level:
            half = 1 << (level - 1)
            table = pick(table[:-half], table[half:])
        ask = np.flatnonzero(level_of == level)
        if len(ask):
            left = start[ask]
            right = left + length[ask] - (1 << level)
            answer[ask] = pick(table[left], table[right])
    return answer


def _blocks(up: Pos, pre: Pos, nd: Pos, low: Pos, high: Pos, qa: Pos, qb: Pos) -> Pos:
    """The block of each tree link (named by its lower end's position): component labels of
    the auxiliary graph. ``qa``–``qb`` are the non-tree links, none from a node to its
    ancestor."""
    count = len(up)
    q = np.arange(1, count, dtype=POS)
    parent = up[q]
    inner = (parent != 0) & (up[parent] != 0)
    q, parent = q[inner], parent[inner]
    escapes = (low[q] < pre[parent]) | (high[q] >= pre[parent] + nd[parent])
    rows = np.concatenate([qa, q[escapes]])
    cols = np.concatenate([qb, parent[escapes]])
    return _components(count, rows, cols)


def _components(count: int, rows: Pos, cols: Pos, *, rounds: int = 16) -> Pos:
    """Component labels of ``count`` nodes joined by ``rows[i]``–``cols[i]``, by rounds of
    hooking each link's larger root under its smaller one and halving paths to the roots;
    links already inside one component drop out. Usually a few rounds; after ``rounds``, the
    links left are handed to SciPy."""
    label = np.arange(count, dtype=POS)
    for _ in range(rounds):
        lr, lc = label[rows], label[cols]
        apart = lr != lc
        if not apart.any():
            return label
        rows, cols, lr, lc = rows[apart], cols[apart], lr[apart], lc[apart]
        np.minimum.at(label, np.maximum(lr, lc), np.minimum(lr, lc))
        while True:
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
    lr, lc = label[rows], label[cols]
    joined = sp.coo_array((np.ones(len(lr), dtype=np.int8), (lr, lc)), shape=(count, count))
    _, merged = csgraph.connected_components(joined.tocsr(), directed=False)
    return np.asarray(merged, dtype=POS)[label]


def _split(up: Pos, first_child: Pos, labels: Pos) -> Pos:
    """The positions whose tree links lie in two or more blocks (a component's root: its
    links down to its children; any other node: also its link up)."""
    count = len(up)
    q = np.arange(1, count, dtype=POS)
    parent = up[q]
    q, parent = q[parent != 0], parent[parent != 0]
    own = np.where(up[parent] != 0, parent, first_child[parent])
    return np.unique(parent[labels[q] != labels[own]])
