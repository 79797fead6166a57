"""The PDQ index finds exactly what brute force finds: random hashes and planted neighbours."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from nervecentre.errors import InvalidValue
from nervecentre.hashing import _mih
from nervecentre.hashing.index import (
    PDQIndex,
    brute_force_search,
    codes_from_hex,
    hex_from_codes,
)


def flip_bits(code: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    bits = np.unpackbits(code.view(np.uint8))
    bits[rng.choice(256, count, replace=False)] ^= 1
    return np.packbits(bits).view(np.uint64)


def planted(rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Random codes; queries at every distance 0..40 from stored codes, plus random ones; and
    the (stored row, distance) each planted query was made from."""
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 2**64, size=(rows, 4), dtype=np.uint64)
    sources = [(int(p), d % 41) for d, p in enumerate(rng.integers(0, rows, 82))]
    near = [flip_bits(codes[p].copy(), d, rng) for p, d in sources]
    # Clustered flips stress a few chunks: all of them inside the first 64-bit word.
    for distance in (16, 24, 31, 32):
        code = codes[sources[0][0]].copy()
        code[0] ^= np.uint64((1 << distance) - 1)
        near.append(code)
        sources.append((sources[0][0], distance))
    far = rng.integers(0, 2**64, size=(20, 4), dtype=np.uint64)
    return codes, np.vstack([np.array(near), far]), sources


@functools.cache
def built(chunks: int) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]], PDQIndex]:
    codes, queries, sources = planted(20_000, seed=chunks)
    return codes, queries, sources, PDQIndex(codes, chunks=chunks)


def same(a: tuple[np.ndarray, ...], b: tuple[np.ndarray, ...]) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a[:3], b[:3], strict=True))


@pytest.mark.parametrize("chunks", [12, 16, 20, 32])
@pytest.mark.parametrize("threshold", [0, 10, 15, 16, 31, 32, 40, 47, 64])
def test_recall_is_exact_against_brute_force(chunks: int, threshold: int) -> None:
    codes, queries, sources, index = built(chunks)
    found = index.search(queries, threshold)
    assert same(found, brute_force_search(codes, queries, threshold))
    pairs = set(zip(found.query.tolist(), found.row.tolist(), strict=True))
    for number, (row, distance) in enumerate(sources):
        assert ((number, row) in pairs) == (distance <= threshold)


def test_each_match_is_reported_once_with_its_distance() -> None:
    codes, queries, _ = planted(5_000)
    hits = PDQIndex(codes).search(queries[:41], 40)
    pairs = list(zip(hits.query.tolist(), hits.row.tolist(), strict=True))
    assert len(pairs) == len(set(pairs))
    distances = np.bitwise_count(codes[hits.row] ^ queries[hits.query]).sum(axis=1)
    assert np.array_equal(distances, hits.distance)
    assert hits.distance.max() <= 40


def test_large_thresholds_fall_back_to_a_full_scan() -> None:
    codes, queries, _ = planted(3_000)
    index = PDQIndex(codes)
    for threshold in (100, 128, 256):
        assert same(
            index.search(queries[:5], threshold), brute_force_search(codes, queries[:5], threshold)
        )
    assert len(index.search(queries[:2], 256).row) == 2 * len(codes)


def test_duplicate_stored_hashes_are_all_found() -> None:
    codes = np.repeat(np.random.default_rng(3).integers(0, 2**64, (1, 4), np.uint64), 3, 0)
    hits = PDQIndex(codes).search(codes[:1], 0)
    assert hits.row.tolist() == [0, 1, 2]


def test_empty_index_and_empty_queries() -> None:
    empty = PDQIndex(np.zeros((0, 4), np.uint64))
    assert len(empty) == 0 and len(empty.search(np.zeros((3, 4), np.uint64)).row) == 0
    index = PDQIndex(np.ones((4, 4), np.uint64))
    assert len(index.search(np.zeros((0, 4), np.uint64)).row) == 0


def test_hex_conversions_round_trip_and_validate() -> None:
    hexes = ["f" * 64, "0123456789abcdef" * 4]
    assert hex_from_codes(codes_from_hex(hexes)) == hexes
    index = PDQIndex.from_hex(hexes)
    assert index.search_hex(["f" * 63 + "e", "0" * 64], 1) == [[(0, 1)], []]
    with pytest.raises(InvalidValue, match="64 hex digits"):
        codes_from_hex(["abc"])
    with pytest.raises(InvalidValue, match="not hexadecimal"):
        codes_from_hex(["g" * 64])


@pytest.mark.parametrize("bad", [-1, 257, 3.5, True])
def test_thresholds_out_of_range_are_refused(bad: object) -> None:
    index = PDQIndex(np.ones((2, 4), np.uint64))
    with pytest.raises(InvalidValue, match="threshold"):
        index.search(np.ones((1, 4), np.uint64), bad)  # type: ignore[arg-type]


def test_layouts_cover_all_256_bits_once() -> None:
    for chunks in (12, 16, 20, 24, 32):
        covered = np.zeros(256, int)
        for c in _mih.layout(chunks):
            covered[c.word * 64 + c.shift : c.word * 64 + c.shift + c.width] += 1
        assert covered.tolist() == [1] * 256
    for bad in (8, 10, 36):
        with pytest.raises(ValueError, match="multiple of 4"):
            _mih.layout(bad)


def test_automatic_layout_depends_on_size() -> None:
    from nervecentre.hashing.index import _choose_chunks

    assert _choose_chunks(10_000, 31) == 16
    assert _choose_chunks(10_000_000, 31) == 12
