"""Seeded randomness helpers: independent streams per seed, and fast weighted choice."""

from __future__ import annotations

import hashlib
import random
from bisect import bisect
from collections.abc import Mapping, Sequence
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")


def stream_seed(seed: int, stream: str, index: int = 0) -> int:
    """A 64-bit seed for one named stream (and item) of a dataset; stable across runs."""
    digest = hashlib.blake2b(f"{seed}/{stream}/{index}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rng_for(seed: int, stream: str, index: int = 0) -> random.Random:
    """A private generator for one stream: never the global one, so output depends on seed only."""
    return random.Random(stream_seed(seed, stream, index))


class Weighted(Generic[T]):
    """Items with weights; ``pick`` costs one random number and a bisection."""

    __slots__ = ("_cumulative", "_items", "_total")

    def __init__(self, weights: Mapping[T, float] | Sequence[tuple[T, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        pairs = [(item, float(w)) for item, w in pairs if w > 0]
        if not pairs:
            raise ValueError("no item has a positive weight")
        self._items = tuple(item for item, _ in pairs)
        self._cumulative = tuple(accumulate(w for _, w in pairs))
        self._total = self._cumulative[-1]

    @property
    def items(self) -> tuple[T, ...]:
        """The items with a positive weight, in the order given."""
        return self._items

    def pick(self, rng: random.Random) -> T:
        """One item, chosen with probability proportional to its weight."""
        return self._items[bisect(self._cumulative, rng.random() * self._total)]


def pick(rng: random.Random, seq: Sequence[T]) -> T:
    """One element of a non-empty sequence (several times cheaper than ``rng.choice``)."""
    return seq[int(rng.random() * len(seq))]


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high`` inclusive (cheaper than ``rng.randint``)."""
    return low + int(rng.random() * (high - low + 1))


def below(rng: random.Random, n: int) -> int:
    """A whole number from 0 to ``n - 1`` (cheaper than ``rng.randrange``)."""
    return int(rng.random() * n)
