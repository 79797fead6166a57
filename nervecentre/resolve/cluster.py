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
import numpy.typing as npt

from nervecentre.resolve.blocking import Pairs
from nervecentre.resolve.model import Floats

Flags = npt.NDArray[np.bool_]


class _Entities:
    """Union-find that keeps each entity's members, for the cannot-link check (a record
    alone is not listed: most records of a large list stay alone)."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def of(self, root: int) -> list[int]:
        return self.members.get(root) or [root]

    def union(self, a: int, b: int) -> None:
        if len(self.of(a)) < len(self.of(b)):
            a, b = b, a
        self.parent[b] = a
        kept = self.members.get(a)
        if kept is None:
            kept = self.members[a] = [a]
        kept.extend(self.members.pop(b, [b]))


class _Scored:
    """The scored pairs clustering may consult, as sorted arrays (not a dict per record).

    Only pairs between records that can end up in an entity with another record (those with
    a pair at or above the threshold, or an analyst's "same person") are kept: the checks
    look only at pairs between members of the two entities a link would join.
    """

    def __init__(self, n: int, pairs: Pairs, probabilities: Floats, keep: Flags) -> None:
        wanted = keep[pairs[:, 0]] & keep[pairs[:, 1]]
        i = np.concatenate([pairs[wanted, 0], pairs[wanted, 1]]).astype(np.int64)
        j = np.concatenate([pairs[wanted, 1], pairs[wanted, 0]]).astype(np.int64)
        order = np.argsort(i * n + j, kind="stable")
        self.neighbour = j[order].astype(np.int32)
        self.probability = np.concatenate([probabilities[wanted], probabilities[wanted]])[order]
        self.start = np.zeros(n + 1, dtype=np.int64)
        self.start[1:] = np.cumsum(np.bincount(i, minlength=n))
        self.extra: dict[tuple[int, int], float] = {}
        self.extra_low: dict[int, list[int]] = defaultdict(list)

    def put(self, x: int, y: int, p: float, low: bool) -> None:
        self.extra[(x, y)] = self.extra[(y, x)] = p
        if low:
            self.extra_low[x].append(y)
            self.extra_low[y].append(x)

    def get(self, x: int, y: int) -> float | None:
        found = self.extra.get((x, y))
        if found is not None:
            return found
        a, b = self.start[x], self.start[x + 1]
        k = a + int(np.searchsorted(self.neighbour[a:b], y))
        if k < b and self.neighbour[k] == y:
            return float(self.probability[k])
        return None

    def below(self, x: int, limit: float) -> list[int]:
        a, b = self.start[x], self.start[x + 1]
        low: list[int] = self.neighbour[a:b][self.probability[a:b] < limit].tolist()
        return low + self.extra_low.get(x, [])


# Cross pairs of two entities scored on demand when a link would join them (beyond, only
# the pairs blocking scored are looked at).
MAX_CROSS = 400
# Beyond MAX_CROSS, this many records of each entity (evenly spread) are scored across.
SIDE = 20
Scorer = Callable[[int, int], float]
# Scores many pairs at once (the same probabilities as a Scorer, pair by pair).
ManyScorer = Callable[[list[tuple[int, int]]], list[float]]
# A cohesion check missing at least this many pairs scores them at once (``many``).
MANY_FROM = 24


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
    many: ManyScorer | None = None,
) -> list[int]:
    """The entity of each record, as the index of its lowest-numbered record.

    Pairs at or above ``threshold`` link, strongest first, unless the two entities would
    then hold a pair scored below ``apart_below`` or decided ``different``, or their pairs
    across score ``mean_above`` or less on average (``scorer`` scores the pairs blocking did
    not; between two large entities, an even sample of each); ``same`` pairs link first,
    always. ``many``, when given, scores the pairs a cohesion check lacks in one batch
    (the same probabilities, faster than one by one), taken in the same order.
    """
    same, different = list(same), list(different)
    keep = np.zeros(n, dtype=bool)
    keep[pairs[probabilities >= threshold].reshape(-1)] = True
    for i, j in same:
        keep[i] = keep[j] = True
    scored = _Scored(n, pairs, probabilities, keep)
    for i, j in different:
        scored.put(i, j, -1.0, low=True)
    entities = _Entities(n)

    def conflict(a: int, b: int) -> bool:
        left, right = entities.of(a), entities.of(b)
        if len(left) * len(right) > MAX_CROSS or scorer is None:
            small, other = (a, b) if len(left) <= len(right) else (b, a)
            for x in entities.of(small):
                for y in scored.below(x, apart_below):
                    if entities.find(y) == other:
                        return True
            if scorer is None:
                return False
            # Two large entities: their cohesion is judged on an even sample of each, so
            # that a chain of strong links cannot grow an entity without limit.
            left, right = _spread(left, SIDE), _spread(right, SIDE)
        batch: dict[tuple[int, int], float] = {}
        if many is not None:
            missing = [(x, y) for x in left for y in right if scored.get(x, y) is None]
            if len(missing) >= MANY_FROM:
                batch = dict(zip(missing, many(missing), strict=True))
        total = 0.0
        for x in left:
            for y in right:
                p = scored.get(x, y)
                if p is None:
                    found = batch.get((x, y))
                    p = scorer(x, y) if found is None else found
                    scored.put(x, y, p, low=p < apart_below)
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
    label = list(range(n))
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
