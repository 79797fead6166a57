"""Comparing pairs by arrays gives exactly the levels of comparing them one by one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nervecentre.resolve.blocking import candidate_pairs, random_pairs
from nervecentre.resolve.compare import compare
from nervecentre.resolve.records import read_records
from nervecentre.resolve.vectors import compare_many, encode
from nervecentre.synth.person_lists import write_person_list


def test_array_levels_equal_pair_by_pair_levels(tmp_path: Path) -> None:
    write_person_list(tmp_path / "people.csv", 300, seed=9)
    records = read_records(tmp_path / "people.csv")
    pairs, _ = candidate_pairs(records)
    pairs = np.concatenate([pairs, random_pairs(len(records), 3000)])
    expected = np.array([compare(records[i], records[j]) for i, j in pairs.tolist()])
    got = compare_many(records, encode(records), pairs)
    assert got.shape == expected.shape
    mismatched = np.flatnonzero((got != expected).any(axis=1))
    assert not len(mismatched), [(pairs[k], got[k], expected[k]) for k in mismatched[:3]]
    # every feature takes several levels here, so the test would see a wrong one
    assert all(len(set(expected[:, f].tolist())) >= 2 for f in range(expected.shape[1]))


def test_pairs_compared_by_forked_workers_get_the_same_levels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nervecentre.resolve import engine

    write_person_list(tmp_path / "people.csv", 200, seed=4)
    records = read_records(tmp_path / "people.csv")
    pairs, _ = candidate_pairs(records)
    alone = engine.compare_pairs(records, pairs)
    monkeypatch.setattr(engine, "PARALLEL_FROM", 1)
    monkeypatch.setattr(engine, "WORKERS", 2)
    monkeypatch.setattr(engine, "CHUNK", 97)
    seen: list[int] = []
    together = engine.compare_pairs(records, pairs, lambda done, _: seen.append(done))
    assert np.array_equal(alone, together)
    assert seen[-1] == len(pairs) and len(seen) == -(-len(pairs) // 97)


def test_repeated_and_swapped_name_pairs_get_the_levels_of_each_pair(tmp_path: Path) -> None:
    # levels() computes each distinct pair of names once (in either order) and spreads the
    # levels back: every pair must still get exactly its own level
    from nervecentre.resolve.compare import name_level
    from nervecentre.resolve.namevec import levels

    write_person_list(tmp_path / "people.csv", 300, seed=5)
    records = read_records(tmp_path / "people.csv")
    codes = encode(records)
    pairs, _ = candidate_pairs(records)
    a, b = codes.name[pairs[:, 0]], codes.name[pairs[:, 1]]
    keep = (a >= 0) & (b >= 0)
    a, b = a[keep], b[keep]
    # each pair three times: as it is, swapped, and again at the end
    a3, b3 = np.concatenate([a, b, a]), np.concatenate([b, a, b])
    got = levels(codes.table, a3, b3)
    names = codes.table.names
    expected = [
        name_level(names[i], names[j]) for i, j in zip(a3.tolist(), b3.tolist(), strict=True)
    ]
    assert got.tolist() == expected
    assert len(set(expected)) >= 5


def test_term_frequencies_by_codes_equal_those_counted_pair_by_pair(tmp_path: Path) -> None:
    from nervecentre.resolve import engine

    write_person_list(tmp_path / "people.csv", 300, seed=6)
    records = read_records(tmp_path / "people.csv")
    codes = encode(records)
    pairs, _ = candidate_pairs(records)
    pairs = pairs.astype(np.int64)
    levels = compare_many(records, codes, pairs)
    counts = engine._frequencies(records)
    tables = engine.count_tables(codes, counts)
    slow = engine._term_frequencies(records, pairs, levels, counts)
    fast = engine._term_frequencies(records, pairs, levels, counts, tables)
    for one, other in zip(slow, fast, strict=True):
        assert np.array_equal(one, other, equal_nan=True)
        assert np.isfinite(one).sum() > 50
