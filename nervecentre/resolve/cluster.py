"""From scored pairs to entities: linking above a threshold without chaining strangers.

Plain connected components chain: A matches B, B matches C, and A and C — whom every
feature says are different people — end up one entity. Links are taken strongest first,
and a link is refused when it would put in one entity two records that a scored pair (or
an analyst) says are different people. Analysts' "same person" decisions always link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from nervecentre.resolve.blocking import Pairs
from nervecentre.resolve.model import Floats


class _Entities:
    """Union-find that keeps each entity's members, for the cannot-link check."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        if len(self.members[a]) < len(self.members[b]):
            a, b = b, a
        self.parent[b] = a
        self.members[a].extend(self.members.pop(b))


# Cross pairs of two entities scored on demand when a link would join them (beyond, only
# the pairs blocking scored are looked at).
MAX_CROSS = 400
# Beyond MAX_CROSS, this many records of each entity (evenly spread) are scored across.
SIDE = 20
Scorer = Callable[[int, int], float]


def cluster(
    n: int,
    pairs: Pairs,
    probabilities: Floats,
    *,
    threshold: float,
    apart_below: float,
    mean_above: float = 0.5,
    scorer: Scorer | None = None,
    same: Iterable[tuple[int, int]] = (),
    different: Iterable[tuple[int, int]] = (),
) -> list[int]:
    """The entity of each record, as the index of its lowest-numbered record.

    Pairs at or above ``threshold`` link, strongest first, unless the two entities would
    then hold a pair scored below ``apart_below`` or decided ``different``, or their pairs
    across score ``mean_above`` or less on average (``scorer`` scores the pairs blocking did
    not; between two large entities, an even sample of each); ``same`` pairs link first,
    always.
    """
    scored: dict[int, dict[int, float]] = defaultdict(dict)
    for (i, j), p in zip(pairs.tolist(), probabilities.tolist(), strict=True):
        scored[i][j] = p
        scored[j][i] = p
    for i, j in different:
        scored[i][j] = scored[j][i] = -1.0
    entities = _Entities(n)

    def conflict(a: int, b: int) -> bool:
        left, right = entities.members[a], entities.members[b]
        if len(left) * len(right) > MAX_CROSS or scorer is None:
            small, other = (a, b) if len(left) <= len(right) else (b, a)
            for x in entities.members[small]:
                for y, p in scored[x].items():
                    if p < apart_below and entities.find(y) == other:
                        return True
            if scorer is None:
                return False
            # Two large entities: their cohesion is judged on an even sample of each, so
            # that a chain of strong links cannot grow an entity without limit.
            left, right = _spread(left, SIDE), _spread(right, SIDE)
        total = 0.0
        for x in left:
            known = scored[x]
            for y in right:
                found = known.get(y)
                if found is None:
                    found = known[y] = scored[y][x] = scorer(x, y)
                p = found
                if p < apart_below:
                    return True
                total += p
        return total / (len(left) * len(right)) <= mean_above

    for i, j in same:
        a, b = entities.find(i), entities.find(j)
        if a != b:
            entities.union(a, b)
    strong = np.flatnonzero(probabilities >= threshold)
    order = strong[np.argsort(-probabilities[strong], kind="stable")]
    for i, j in pairs[order].tolist():
        a, b = entities.find(i), entities.find(j)
        if a != b and not conflict(a, b):
            entities.union(a, b)
    label = [0] * n
    for members in entities.members.values():
        first = min(members)
        for x in members:
            label[x] = first
    return label


def _spread(members: list[int], count: int) -> list[int]:
    """Up to ``count`` of ``members``, evenly spread (deterministic)."""
    if len(members) <= count:
        return members
    ordered = sorted(members)
    step = len(ordered) / count
    return [ordered[int(k * step)] for k in range(count)]


def best_scores(n: int, pairs: Pairs, probabilities: Floats, labels: Sequence[int]) -> Floats:
    """Each record's best probability with another record of its own entity (0 if alone)."""
    best = np.zeros(n)
    if len(pairs) == 0:
        return best
    lab = np.asarray(labels)
    same = lab[pairs[:, 0]] == lab[pairs[:, 1]]
    for column in (0, 1):
        np.maximum.at(best, pairs[same, column], probabilities[same])
    return best
