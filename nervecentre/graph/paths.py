"""How is A connected to B: shortest and k-shortest paths (fewest links), shared neighbours.

Searches run breadth-first from both ends at once, a whole level at a time with NumPy, so a
path across a million links is found without visiting most of them. k-shortest paths are
Yen's algorithm: each next path is the shortest one that leaves an earlier path somewhere.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from nervecentre.graph.index import GraphIndex, Ints

MAX_PATHS = 20


def _expand(
    index: GraphIndex,
    frontier: Ints,
    parent: Ints,
    blocked_nodes: npt.NDArray[np.bool_],
    blocked_links: Ints | None,
) -> Ints:
    adj = index.adjacency
    starts, ends = adj.indptr[frontier], adj.indptr[frontier + 1]
    counts = ends - starts
    if counts.sum() == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
    targets = adj.indices[offsets].astype(np.int64)
    sources = np.repeat(frontier, counts)
    keep = (parent[targets] == -1) & ~blocked_nodes[targets]
    if blocked_links is not None and len(blocked_links):
        lo, hi = np.minimum(sources, targets), np.maximum(sources, targets)
        keep &= ~np.isin(lo * index.n + hi, blocked_links)
    targets, sources = targets[keep], sources[keep]
    fresh, first = np.unique(targets, return_index=True)
    parent[fresh] = sources[first]
    return fresh


def shortest_path(
    index: GraphIndex,
    source: int,
    target: int,
    *,
    blocked_nodes: Iterable[int] = (),
    blocked_links: Iterable[tuple[int, int]] = (),
) -> list[int] | None:
    """The node indices of one shortest path from source to target, or None if unconnected.

    ``blocked_nodes`` and ``blocked_links`` (pairs) are treated as absent.
    """
    if source == target:
        return [source]
    n = index.n
    blocked = np.zeros(n, dtype=bool)
    blocked[list(blocked_nodes)] = True
    if blocked[source] or blocked[target]:
        return None
    links = [min(x, y) * n + max(x, y) for x, y in blocked_links]
    link_keys = np.array(links, dtype=np.int64) if links else None
    forward, backward = np.full(n, -1, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    forward[source], backward[target] = source, target
    ahead, behind = np.array([source]), np.array([target])
    while len(ahead) and len(behind):
        if len(ahead) <= len(behind):
            ahead = _expand(index, ahead, forward, blocked, link_keys)
            met = ahead[backward[ahead] != -1]
        else:
            behind = _expand(index, behind, backward, blocked, link_keys)
            met = behind[forward[behind] != -1]
        if len(met):
            return _join(int(met[0]), forward, backward, source, target)
    return None


def _join(meet: int, forward: Ints, backward: Ints, source: int, target: int) -> list[int]:
    head = [meet]
    while head[-1] != source:
        head.append(int(forward[head[-1]]))
    tail = []
    node = meet
    while node != target:
        node = int(backward[node])
        tail.append(node)
    return head[::-1] + tail


def k_shortest_paths(index: GraphIndex, source: int, target: int, k: int = 3) -> list[list[int]]:
    """Up to ``k`` (at most :data:`MAX_PATHS`) loop-free paths, shortest first (Yen)."""
    first = shortest_path(index, source, target)
    if first is None:
        return []
    found = [first]
    candidates: list[tuple[int, list[int]]] = []
    seen = {tuple(first)}
    for _ in range(min(k, MAX_PATHS) - 1):
        last = found[-1]
        for i in range(len(last) - 1):
            root = last[: i + 1]
            blocked_links = {
                (p[i], p[i + 1]) for p in found if len(p) > i + 1 and p[: i + 1] == root
            }
            spur = shortest_path(
                index, root[-1], target, blocked_nodes=root[:-1], blocked_links=blocked_links
            )
            if spur is not None:
                path = root[:-1] + spur
                if tuple(path) not in seen:
                    seen.add(tuple(path))
                    heapq.heappush(candidates, (len(path), path))
        if not candidates:
            break
        found.append(heapq.heappop(candidates)[1])
    return found


def shared_neighbours(
    index: GraphIndex, nodes: Iterable[int], *, at_least: int | None = None
) -> dict[int, list[int]]:
    """Nodes linked to at least ``at_least`` (default: all) of ``nodes``, with which ones."""
    chosen = list(dict.fromkeys(nodes))
    need = len(chosen) if at_least is None else at_least
    linked: dict[int, list[int]] = {}
    for node in chosen:
        for other in index.neighbours(node).tolist():
            if other not in chosen:
                linked.setdefault(other, []).append(node)
    return {n: who for n, who in linked.items() if len(who) >= need}
