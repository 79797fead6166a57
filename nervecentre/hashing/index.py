"""Exact PDQ similarity search: every stored hash within a Hamming distance, found fast.

:class:`PDQIndex` uses multi-index hashing (see :mod:`nervecentre.hashing._mih`), the
technique of FAISS's ``IndexBinaryMultiHash`` that Meta's Hasher-Matcher-Actioner uses, but
with sorted arrays instead of hash maps: a fraction of the memory, batch-vectorised, and
with the chunk width chosen for the collection size. Recall is exact by construction and is
checked against brute force in the tests; ``benchmarks/bench_matching.py`` measures it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np

from nervecentre.errors import InvalidValue
from nervecentre.hashing import _mih
from nervecentre.hashing._mih import U64, IntArray

BITS = 256
# Candidates plus probes handled per vectorised batch: big enough to amortise numpy calls,
# small enough to stay in cache.
_BATCH_WORK = 200000


class Hits(NamedTuple):
    """Matches of a search: parallel arrays sorted by query, then distance, then row."""

    query: IntArray
    row: IntArray
    distance: IntArray
    candidates: int


def codes_from_hex(hashes: Iterable[str]) -> U64:
    """PDQ hashes (64 hex digits each) as an (n, 4) uint64 array."""
    items = list(hashes)
    if any(len(h) != 64 for h in items):
        bad = next(h for h in items if len(h) != 64)
        raise InvalidValue(f"a PDQ hash has 64 hex digits, not {len(bad)}", kind="pdq", value=bad)
    try:
        raw = bytes.fromhex("".join(items))
    except ValueError:
        raise InvalidValue("a PDQ hash is not hexadecimal", kind="pdq") from None
    if len(raw) != 32 * len(items):
        raise InvalidValue("a PDQ hash is not hexadecimal", kind="pdq")
    return np.frombuffer(raw, dtype=np.uint64).reshape(-1, 4).copy()


def hex_from_codes(codes: U64) -> list[str]:
    """The inverse of :func:`codes_from_hex`."""
    raw = np.ascontiguousarray(codes, dtype=np.uint64).tobytes()
    return [raw[i : i + 32].hex() for i in range(0, len(raw), 32)]


def check_threshold(threshold: int) -> int:
    """The threshold if it is a whole number of bits in 0..256."""
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer):
        raise InvalidValue(f"threshold must be a whole number, not {threshold!r}", kind="threshold")
    if not 0 <= threshold <= BITS:
        raise InvalidValue(
            f"threshold must be between 0 and {BITS}, not {threshold}", kind="threshold"
        )
    return int(threshold)


def _choose_chunks(rows: int, threshold: int) -> int:
    # 16 chunks of 16 bits (radius 1 at t=31) suit up to ~1M hashes; beyond that, 12 chunks of
    # ~21 bits (radius 2) probe more buckets but verify far fewer candidates. The 12-chunk
    # offsets cost a fixed 128 MiB, so they must also win clearly on work.
    def work(chunks: int) -> float:
        tables = _mih.layout(chunks)
        radius = threshold // chunks
        return _mih.probes_per_query(tables, radius) + _mih.expected_candidates(
            tables, radius, rows
        )

    return 12 if rows >= 1_000_000 and work(12) < 0.8 * work(16) else 16


class PDQIndex:
    """Exact Hamming-radius search over a fixed collection of PDQ hashes (row = position)."""

    def __init__(
        self,
        codes: U64,
        *,
        chunks: int | None = None,
        workers: int | None = None,
        design_threshold: int = 31,
    ) -> None:
        codes = np.ascontiguousarray(codes, dtype=np.uint64)
        if codes.ndim != 2 or codes.shape[1] != 4:
            raise InvalidValue("PDQ codes must be an (n, 4) uint64 array", kind="pdq")
        self.codes = codes
        self.workers = workers or min(os.cpu_count() or 1, 8)
        self.chunks = chunks or _choose_chunks(len(codes), check_threshold(design_threshold))
        started = time.perf_counter()
        with ThreadPoolExecutor(self.workers) as pool:
            self._tables = _mih.build(codes, _mih.layout(self.chunks), pool)
        self.build_seconds = time.perf_counter() - started
        self._works: dict[int, float] = {}  # the estimate of _work, by threshold

    @classmethod
    def from_hex(cls, hashes: Iterable[str], **options: int | None) -> PDQIndex:
        """An index of hex PDQ hashes; row i is the i-th hash."""
        return cls(codes_from_hex(hashes), **options)  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def nbytes(self) -> int:
        """Memory held by the index, the codes included."""
        return self._tables.nbytes

    def _work(self, threshold: int) -> float:
        # Fixed for a threshold (the tables never change): worked out once, not per search.
        known = self._works.get(threshold)
        if known is not None:
            return known
        radius = threshold // self.chunks
        tables = self._tables.chunks
        work = _mih.probes_per_query(tables, radius) + _mih.expected_candidates(
            tables, radius, len(self)
        )
        self._works[threshold] = work
        return work

    def search(self, queries: U64, threshold: int = 31) -> Hits:
        """Every stored hash within ``threshold`` bits of each query (exact)."""
        threshold = check_threshold(threshold)
        queries = np.ascontiguousarray(queries, dtype=np.uint64).reshape(-1, 4)
        if not len(self) or not len(queries):
            empty = np.zeros(0, np.intp)
            return Hits(empty, empty, empty, 0)
        work = self._work(threshold) if threshold // self.chunks <= 4 else float("inf")
        if work > len(self) / 2:
            q, r, d = _mih.brute_force(self.codes, queries, threshold)
            return self._finish(q, r, d, len(self) * len(queries))
        size = max(1, min(1024, int(_BATCH_WORK / work)))
        starts = range(0, len(queries), size)

        def run(start: int) -> tuple[IntArray, IntArray, IntArray, int]:
            q, r, d, n = self._tables.search(queries[start : start + size], threshold)
            return q + start, r, d, n

        if len(starts) > 1 and self.workers > 1:
            with ThreadPoolExecutor(self.workers) as pool:
                parts = list(pool.map(run, starts))
        else:
            parts = [run(s) for s in starts]
        return self._finish(
            np.concatenate([p[0] for p in parts]),
            np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
            sum(p[3] for p in parts),
        )

    def _finish(self, query: IntArray, row: IntArray, distance: IntArray, seen: int) -> Hits:
        # A close pair is met once per chunk that agrees within the radius: keep one.
        pair = query * len(self) + row
        _, first = np.unique(pair, return_index=True)
        query, row, distance = query[first], row[first], distance[first]
        order = np.lexsort((row, distance, query))
        return Hits(query[order], row[order], distance[order], seen)

    def search_hex(self, hashes: Sequence[str], threshold: int = 31) -> list[list[tuple[int, int]]]:
        """For each hex query, its (row, distance) matches, nearest first."""
        hits = self.search(codes_from_hex(hashes), threshold)
        out: list[list[tuple[int, int]]] = [[] for _ in hashes]
        for q, r, d in zip(
            hits.query.tolist(), hits.row.tolist(), hits.distance.tolist(), strict=True
        ):
            out[q].append((r, d))
        return out


def brute_force_search(codes: U64, queries: U64, threshold: int) -> Hits:
    """The reference answer, scanning every code (for tests and benchmarks)."""
    q, r, d = _mih.brute_force(
        np.asarray(codes, np.uint64), np.asarray(queries, np.uint64), check_threshold(threshold)
    )
    order = np.lexsort((r, d, q))
    return Hits(q[order], r[order], d[order], len(codes) * len(queries))
