"""Which pairs of records are worth comparing: blocking keys, as Splink's blocking rules.

Comparing every pair of a million records is 5·10¹¹ comparisons; two records of one person
almost always share a phone, an e-mail, a date of birth, or two name words (or a name word
and an initial) in sound. Each record gets those keys; records sharing a key are
candidates. A key shared by many records ("Kumar" with "R", a call-centre phone) says little
by itself and would make the pairs grow with the square of the list: such a block is sorted
by district, birth year and father's name, and each record is paired with its WINDOW
neighbours on either side (a sorted neighbourhood, as in the record-linkage literature), so
that the pairs grow with the number of records; the blocks so narrowed are counted.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from nervecentre.resolve.names import ParsedName, skeleton
from nervecentre.resolve.records import PersonRecord

# A block up to this size is compared whole; a larger one by a sorted neighbourhood.
# Measured 2026-12-08 (pairwise F1; candidate pairs a record): 80 and 30 against 40 and
# 10 — 5,000 records x 3 seeds 0.904/0.902/0.917 (15) against 0.906/0.901/0.919 (13-14);
# 98,556 records 0.822 (83) against 0.824 (37); 248,375 records 0.791 (101, 108 CPU s)
# against 0.796 (39, 49 CPU s): the far neighbours of a common name were namesakes.
MAX_BLOCK = 40
# In a larger block, each record is paired with this many neighbours on either side.
WINDOW = 10

# Record indexes fit in 32 bits: a pair takes 8 bytes (tens of millions at a million records).
PAIR_DTYPE = np.int32
Pairs = npt.NDArray[np.signedinteger[Any]]
Ints = npt.NDArray[np.int64]


@dataclass
class BlockStats:
    """What blocking did: candidate pairs made, blocks narrowed (``split``) as too common."""

    pairs: int = 0
    split: int = 0
    dropped: int = 0
    dropped_records: int = 0


def _name_keys(name: ParsedName) -> Iterator[str]:
    skels = sorted(set(name.skeletons))
    for a, b in combinations(skels, 2):
        yield f"n:{a}|{b}"
    letters = {s[:1] for s in skels} | set(name.initials)
    for s in skels:
        for letter in letters - {s[:1]}:
            yield f"i:{s}|{letter}"


def record_keys(record: PersonRecord) -> set[str]:
    """Every blocking key of one record."""
    keys: set[str] = {f"p:{p}" for p in record.phones}
    keys.update(f"e:{e}" for e in record.emails)
    for name in record.names:
        keys.update(_name_keys(name))
        if len(name.tokens) == 1 and not name.initials:
            keys.add(f"s:{name.skeletons[0]}|{record.district}")
    first = record.name.skeletons[:1]
    if record.dob is not None and first:
        keys.add(f"d:{record.dob.isoformat()}")
    if record.father is not None and record.father.tokens and first:
        keys.add(f"f:{skeleton(record.father.tokens[0])}|{first[0][:1]}")
    return keys


def build_blocks(records: Sequence[PersonRecord]) -> dict[str, list[int]]:
    """Every blocking key and the records (indexes, ascending) that carry it."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, record in enumerate(records):
        for key in record_keys(record):
            blocks[key].append(index)
    return blocks


def _sort_key(record: PersonRecord) -> tuple[str, int, str]:
    father = record.father.skeletons[0] if record.father and record.father.skeletons else ""
    return (record.district, record.birth_year or 0, father)


def _block_pairs(
    members: list[int],
    records: Sequence[PersonRecord],
    stats: BlockStats,
    only: set[int] | None = None,
) -> Iterator[tuple[int, int]]:
    """The pairs one block makes (those holding a record of ``only``, when given)."""
    if len(members) < 2:
        return
    if len(members) <= MAX_BLOCK:
        if only is None:
            yield from combinations(members, 2)
        else:
            for x in members:
                if x in only:
                    yield from ((x, y) for y in members if y != x)
        return
    stats.split += 1
    ordered = sorted(members, key=lambda i: _sort_key(records[i]))
    if only is None:
        for k, x in enumerate(ordered):
            for y in ordered[k + 1 : k + 1 + WINDOW]:
                yield x, y
        return
    for k, x in enumerate(ordered):
        if x in only:
            for y in ordered[max(0, k - WINDOW) : k + 1 + WINDOW]:
                if y != x:
                    yield x, y


def distinct(values: Ints) -> Ints:
    """The distinct values, ascending: ``np.unique(values)`` by a sort (NumPy 2.4's
    ``unique`` hashes integers, 100-200 times slower than sorting them here)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    kept: Ints = ordered[first]
    return kept


def _unique_pairs(chunks: list[Ints], n: int) -> Pairs:
    codes = distinct(np.concatenate(chunks)) if chunks else np.zeros(0, dtype=np.int64)
    if not n:
        return np.zeros((0, 2), PAIR_DTYPE)
    return np.stack([codes // n, codes % n], axis=1).astype(PAIR_DTYPE)


def _ordinal(values: list[str]) -> Ints:
    """Each value's rank among the distinct values (so that codes sort as the strings)."""
    _, inverse = np.unique(np.array(values, dtype=object).astype(str), return_inverse=True)
    ranks: Ints = inverse.reshape(-1).astype(np.int64)
    return ranks


def candidate_pairs(records: Sequence[PersonRecord]) -> tuple[Pairs, BlockStats]:
    """Unique candidate pairs (i < j) as an array of shape (n, 2), and what blocking did.

    The pairs :func:`_block_pairs` makes of every block, formed by arrays: the (key,
    record) entries sorted by key and, within a key, as a sorted neighbourhood sorts them;
    then the entries ``d`` apart in one key are pairs, for every ``d`` up to the block's
    size (a block up to MAX_BLOCK) or WINDOW (a larger one). A pair that several keys make
    is one pair: the pairs are made and made unique a range of first records at a time
    (about PART_PAIRS at once), so that a million records' pairs are never all held twice.
    """
    stats = BlockStats()
    n = len(records)
    keys, owner = _entries(records)
    if not len(keys):
        return np.zeros((0, 2), PAIR_DTYPE), stats
    sizes = np.bincount(keys)
    stats.split = int((sizes > MAX_BLOCK).sum())
    sort = [_sort_key(r) for r in records]
    district = _ordinal([k[0] for k in sort])
    born = np.array([k[1] for k in sort], dtype=np.int64)
    father = _ordinal([k[2] for k in sort])
    del sort
    order = np.lexsort((owner, father[owner], born[owner], district[owner], keys))
    del district, born, father
    keys, owner = keys[order], owner[order]
    large = sizes[keys] > MAX_BLOCK
    del order, sizes
    # How many (not yet unique) pairs each record makes as the first of a pair; then the
    # records split into ranges of first records making about PART_PAIRS pairs each.
    per_first = np.zeros(n, dtype=np.int64)
    distances = 0
    for d in range(1, min(MAX_BLOCK, len(keys))):
        together = _together(keys, large, d)
        if not together.any():
            break  # no block holds more than d records
        first = np.minimum(owner[:-d][together], owner[d:][together])
        per_first += np.bincount(first, minlength=n)
        distances = d
    made = np.cumsum(per_first)
    parts = max(1, -(-int(made[-1]) // PART_PAIRS))
    bounds = [0, *np.searchsorted(made, made[-1] * np.arange(1, parts) / parts).tolist(), n]
    del per_first, made
    out: list[Pairs] = []
    for lo, hi in pairwise(bounds):
        chunks: list[Ints] = []
        for d in range(1, distances + 1):
            together = _together(keys, large, d)
            x, y = owner[:-d][together], owner[d:][together]
            first = np.minimum(x, y)
            inside = (first >= lo) & (first < hi)
            chunks.append(first[inside] * n + np.maximum(x, y)[inside])
        out.append(_unique_pairs(chunks, n))
    pairs = np.concatenate(out) if len(out) > 1 else out[0]
    stats.pairs = len(pairs)
    return pairs, stats


# Pairs made (before they are made unique) a range of first records at a time.
PART_PAIRS = 8_000_000


def _entries(records: Sequence[PersonRecord]) -> tuple[Ints, Ints]:
    """Every (key, record) entry as two arrays: the key's number and the record's index."""
    ids: dict[str, int] = {}
    key_of = array("q")
    record_of = array("q")
    for index, record in enumerate(records):
        for key in record_keys(record):
            key_of.append(ids.setdefault(key, len(ids)))
            record_of.append(index)
    return np.frombuffer(key_of, dtype=np.int64), np.frombuffer(record_of, dtype=np.int64)


def _together(keys: Ints, large: npt.NDArray[np.bool_], d: int) -> npt.NDArray[np.bool_]:
    """Which entries ``d`` apart (in the sorted order) make a pair: the same key, and a
    block small enough to be compared whole or ``d`` within the WINDOW."""
    together: npt.NDArray[np.bool_] = keys[d:] == keys[:-d]
    if d > WINDOW:
        together &= ~large[d:]
    return together


def pairs_touching(
    records: Sequence[PersonRecord],
    subset: Iterable[int],
    blocks: dict[str, list[int]] | None = None,
) -> tuple[Pairs, BlockStats]:
    """The candidate pairs with at least one record of ``subset``: its keys looked up in all.

    The same pairs :func:`candidate_pairs` gives for those records (the same blocks, the
    same neighbourhoods), without forming the pairs among the others.
    """
    blocks = build_blocks(records) if blocks is None else blocks
    wanted = set(subset)
    stats = BlockStats()
    n = len(records)
    seen: set[str] = set()
    buffer: list[int] = []
    for i in sorted(wanted):
        for key in record_keys(records[i]):
            if key in seen:
                continue
            seen.add(key)
            for x, y in _block_pairs(blocks.get(key, []), records, stats, wanted):
                buffer.append(min(x, y) * n + max(x, y))
    pairs = _unique_pairs([np.array(buffer, dtype=np.int64)], n)
    stats.pairs = len(pairs)
    return pairs, stats


def random_pairs(n: int, count: int, seed: int = 1) -> Pairs:
    """Up to ``count`` distinct random pairs (i < j) of ``n`` records, for estimating u."""
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    total = n * (n - 1) // 2
    rng = np.random.default_rng(seed)
    if total <= count:
        i, j = np.triu_indices(n, k=1)
        return np.stack([i, j], axis=1).astype(np.int64)
    a = rng.integers(0, n, size=count * 2)
    b = rng.integers(0, n, size=count * 2)
    keep = a != b
    lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    codes = distinct(lo * n + hi)[:count]
    return np.stack([codes // n, codes % n], axis=1)
