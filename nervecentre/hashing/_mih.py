"""Multi-index hashing over 256-bit codes in numpy: the kernel behind :class:`PDQIndex`.

The 256 bits are cut into ``m`` chunks (never straddling a 64-bit word). For each chunk the
rows are sorted by the chunk's value, with bucket offsets for every possible value. If two
codes differ in at most ``t`` bits then, by pigeonhole, some chunk differs in at most
``t // m`` bits; probing every value within that radius of each query chunk therefore finds
every code within ``t`` (exact recall). Candidates are verified with a popcount. All of it
is vectorised over a batch of queries; numpy releases the GIL, so batches run in threads.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

import numpy as np
from numpy.typing import NDArray

U64 = NDArray[np.uint64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class Chunk:
    """Bits ``shift .. shift+width`` of 64-bit word ``word``."""

    word: int
    shift: int
    width: int


def layout(chunks: int) -> tuple[Chunk, ...]:
    """Split 256 bits into ``chunks`` word-aligned pieces of near-equal width.

    Pieces are at most 22 bits wide, so that bucket offsets (2**width each) stay small.
    """
    if chunks % 4 or not 12 <= chunks <= 32:
        raise ValueError("chunks must be a multiple of 4 between 12 and 32")
    per_word = chunks // 4
    base, wider = divmod(64, per_word)
    out = []
    for word in range(4):
        shift = 0
        for k in range(per_word):
            width = base + (1 if k >= per_word - wider else 0)
            out.append(Chunk(word, shift, width))
            shift += width
    return tuple(out)


@cache
def flips(width: int, radius: int) -> NDArray[np.uint32]:
    """Every ``width``-bit mask with at most ``radius`` bits set (0 first)."""
    masks = [0]
    for k in range(1, radius + 1):
        masks.extend(sum(1 << b for b in bits) for bits in itertools.combinations(range(width), k))
    return np.array(masks, dtype=np.uint32)


def probes_per_query(chunks: tuple[Chunk, ...], radius: int) -> int:
    """How many buckets one query probes at this radius."""
    return sum(len(flips(c.width, radius)) for c in chunks)


def expected_candidates(chunks: tuple[Chunk, ...], radius: int, rows: int) -> float:
    """Candidates per query for uniformly random codes."""
    return float(sum(len(flips(c.width, radius)) * rows / 2**c.width for c in chunks))


def chunk_values(codes: U64, chunk: Chunk) -> NDArray[np.uint32]:
    """The chunk's value for every code."""
    mask = np.uint64((1 << chunk.width) - 1)
    return ((codes[:, chunk.word] >> np.uint64(chunk.shift)) & mask).astype(np.uint32)


class Tables:
    """Per-chunk sorted row ids and bucket offsets, concatenated for one-shot gathers."""

    def __init__(
        self,
        codes: U64,
        chunks: tuple[Chunk, ...],
        orders: list[NDArray[np.uint32]],
        counts: list[NDArray[np.intp]],
    ) -> None:
        rows = len(codes)
        self.codes, self.chunks, self.rows = codes, chunks, rows
        self.order = np.concatenate(orders) if orders else np.zeros(0, np.uint32)
        index_type = np.uint32 if len(chunks) * rows < 2**32 else np.uint64
        pieces, bases = [], []
        position = 0
        for number, count in enumerate(counts):
            offsets = np.empty(len(count) + 1, dtype=index_type)
            offsets[0] = number * rows
            offsets[1:] = np.cumsum(count) + number * rows
            bases.append(position)
            position += len(offsets)
            pieces.append(offsets)
        self.offsets = np.concatenate(pieces)
        self.bases = np.array(bases, dtype=np.intp)
        self.words = np.array([c.word for c in chunks], dtype=np.intp)
        self.shifts = np.array([c.shift for c in chunks], dtype=np.uint64)
        self.masks = np.array([(1 << c.width) - 1 for c in chunks], dtype=np.uint64)
        self._probes: dict[int, tuple[IntArray, IntArray]] = {}

    @property
    def nbytes(self) -> int:
        """Memory held, codes included."""
        return int(self.codes.nbytes + self.order.nbytes + self.offsets.nbytes)

    def probe_table(self, radius: int) -> tuple[IntArray, IntArray]:
        """(chunk number, flip mask) of every probe at this radius."""
        if radius not in self._probes:
            which, masks = [], []
            for number, chunk in enumerate(self.chunks):
                flip = flips(chunk.width, radius)
                which.append(np.full(len(flip), number, dtype=np.intp))
                masks.append(flip.astype(np.intp))
            self._probes[radius] = (np.concatenate(which), np.concatenate(masks))
        return self._probes[radius]

    def search(self, queries: U64, threshold: int) -> tuple[IntArray, IntArray, IntArray, int]:
        """(query, row, distance) of every code within ``threshold``, with duplicates; and
        the number of candidates verified."""
        count = len(queries)
        which, masks = self.probe_table(threshold // len(self.chunks))
        values = (queries[:, self.words] >> self.shifts) & self.masks  # (Q, m)
        slots = (values.astype(np.intp)[:, which] ^ masks) + self.bases[which]  # (Q, P)
        starts = np.take(self.offsets, slots).astype(np.intp).ravel()
        lengths = np.take(self.offsets, slots + 1).astype(np.intp).ravel() - starts
        ends = np.cumsum(lengths)
        total = int(ends[-1]) if len(ends) else 0
        if total == 0:
            empty = np.zeros(0, np.intp)
            return empty, empty, empty, 0
        # Ragged gather: the positions of every bucket's rows, bucket after bucket.
        positions = np.repeat(starts - (ends - lengths), lengths)
        positions += np.arange(total, dtype=np.intp)
        rows = np.take(self.order, positions).astype(np.intp)
        per_query = lengths.reshape(count, -1).sum(axis=1)
        diff = np.take(self.codes, rows, axis=0)
        diff ^= np.repeat(queries, per_query, axis=0)
        bits = np.bitwise_count(diff)
        # Half the words first: for random candidates 128 bits within t are vanishingly rare.
        half = bits[:, 0] + bits[:, 1]
        keep = np.flatnonzero(half <= threshold)
        distance = half[keep].astype(np.intp) + bits[keep, 2] + bits[keep, 3]
        close = distance <= threshold
        query = np.repeat(np.arange(count, dtype=np.intp), per_query)
        keep = keep[close]
        return query[keep], rows[keep], distance[close], total


def build(codes: U64, chunks: tuple[Chunk, ...], pool: object = None) -> Tables:
    """Sort the rows by every chunk (in threads when ``pool`` is an executor)."""

    def one(chunk: Chunk) -> tuple[NDArray[np.uint32], NDArray[np.intp]]:
        values = chunk_values(codes, chunk)
        if chunk.width <= 16:
            order = np.argsort(values.astype(np.uint16), kind="stable")
        else:
            order = np.argsort(values)
        counts = np.bincount(values, minlength=1 << chunk.width)
        return order.astype(np.uint32), counts

    mapper = getattr(pool, "map", map)
    results = list(mapper(one, chunks))
    return Tables(codes, chunks, [r[0] for r in results], [r[1] for r in results])


def brute_force(
    codes: U64, queries: U64, threshold: int, block: int = 1 << 20
) -> tuple[IntArray, IntArray, IntArray]:
    """Every (query, row, distance) within ``threshold`` by scanning all codes."""
    found_q, found_r, found_d = [], [], []
    for start in range(0, len(codes), block):
        part = codes[start : start + block]
        for number, query in enumerate(queries):
            distance = np.bitwise_count(part ^ query).sum(axis=1, dtype=np.intp)
            hits = np.flatnonzero(distance <= threshold)
            found_q.append(np.full(len(hits), number, dtype=np.intp))
            found_r.append(hits + start)
            found_d.append(distance[hits])
    if not found_q:
        empty = np.zeros(0, np.intp)
        return empty, empty, empty
    return np.concatenate(found_q), np.concatenate(found_r), np.concatenate(found_d)
