"""A link graph as numbers: nodes 0..n-1 and a symmetric sparse adjacency, for the analytics.

The analytics read topology only: however many pieces of evidence join two nodes, they are one
link (its ``weight`` is the number of pieces, which community detection uses). Directions are
dropped: a phone "used by" a person links them both ways for the question "who connects to whom".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

if TYPE_CHECKING:
    from nervecentre.graph.model import LinkGraph

Ints = npt.NDArray[np.int64]


@dataclass
class GraphIndex:
    """``ids[i]`` is node i's id; ``a``/``b`` the simple undirected links (``a < b``) and
    ``weight`` how much evidence each carries. Build it with :meth:`of` or :meth:`from_edges`."""

    ids: list[str]
    a: Ints
    b: Ints
    weight: npt.NDArray[np.float64]
    position: dict[str, int] = field(default_factory=dict)
    _networkit: dict[bool, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, graph: LinkGraph) -> GraphIndex:
        """The index of a :class:`~nervecentre.graph.model.LinkGraph`."""
        ids = list(graph.nodes)
        position = {node: i for i, node in enumerate(ids)}
        pairs = np.array(
            [(position[e.source], position[e.target]) for e in graph.edges], dtype=np.int64
        ).reshape(-1, 2)
        index = cls.from_edges(len(ids), pairs[:, 0], pairs[:, 1], ids=ids)
        index.position = position
        return index

    @classmethod
    def from_edges(
        cls, n: int, a: npt.ArrayLike, b: npt.ArrayLike, *, ids: Sequence[str] | None = None
    ) -> GraphIndex:
        """The index of ``n`` nodes and links ``a[i]``–``b[i]`` (repeats add weight; self-links
        are dropped). Node ids default to ``"0"``..``"n-1"``."""
        left, right = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        keep = left != right
        lo, hi = np.minimum(left, right)[keep], np.maximum(left, right)[keep]
        keys, counts = np.unique(lo * n + hi, return_counts=True)
        names = list(ids) if ids is not None else [str(i) for i in range(n)]
        return cls(
            names,
            keys // n,
            keys % n,
            counts.astype(np.float64),
            {node: i for i, node in enumerate(names)},
        )

    @property
    def n(self) -> int:
        """How many nodes."""
        return len(self.ids)

    @property
    def m(self) -> int:
        """How many links (node pairs with at least one edge)."""
        return len(self.a)

    @cached_property
    def adjacency(self) -> sp.csr_array:
        """The symmetric 0/1 adjacency matrix (CSR, float64)."""
        ones = np.ones(2 * self.m)
        rows = np.concatenate([self.a, self.b])
        cols = np.concatenate([self.b, self.a])
        return sp.csr_array((ones, (rows, cols)), shape=(self.n, self.n))

    @cached_property
    def weighted(self) -> sp.csr_array:
        """The symmetric adjacency with each link's weight."""
        rows = np.concatenate([self.a, self.b])
        cols = np.concatenate([self.b, self.a])
        w = np.concatenate([self.weight, self.weight])
        return sp.csr_array((w, (rows, cols)), shape=(self.n, self.n))

    @cached_property
    def degree(self) -> Ints:
        """How many distinct neighbours each node has."""
        adj = self.adjacency
        return np.asarray(np.diff(adj.indptr), dtype=np.int64)

    def neighbours(self, i: int) -> Ints:
        """Node i's neighbours."""
        adj = self.adjacency
        return np.asarray(adj.indices[adj.indptr[i] : adj.indptr[i + 1]], dtype=np.int64)

    def networkit(self, *, weighted: bool = False) -> Any:
        """The graph as a networkit Graph (undirected), built once per index and kind."""
        kept = self._networkit.get(weighted)
        if kept is None:
            kept = self._networkit[weighted] = self._build_networkit(weighted)
        return kept

    def _build_networkit(self, weighted: bool) -> Any:
        import networkit as nk

        graph = nk.Graph(self.n, weighted=weighted, directed=False)
        if self.m:
            ends = (self.a.astype(np.uint64), self.b.astype(np.uint64))
            if weighted:
                graph.addEdges((self.weight, ends))
            else:
                graph.addEdges(ends)
        return graph
