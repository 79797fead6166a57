"""PDQ matching benchmark: nervecentre's PDQIndex vs Meta HMA's FAISS setup vs brute force.

Same stored hashes, same queries, same run, same threads:
- ours: ``nervecentre.hashing.PDQIndex`` (multi-index hashing over sorted numpy arrays);
- HMA: ``faiss.IndexBinaryMultiHash(256, nhash=16, b=16)`` with ``nflip = threshold // 16``,
  searched with ``range_search(q, threshold + 1)`` - exactly what Hasher-Matcher-Actioner's
  ``PDQMultiHashIndex`` does (faiss binary range search keeps distances strictly below the
  radius; checked below);
- brute force: ``faiss.IndexBinaryFlat`` range search, the ground truth for recall.

Stored hashes are uniformly random (mean pairwise distance 128), so only planted neighbours
exercise recall: half the queries are stored hashes with 0..threshold random bits flipped,
half are random. Memory is the index's own footprint per million hashes (codes included);
for FAISS, whose structures cannot be measured from Python, it is the growth of resident
memory while building (freed heap trimmed first; ours is printed that way too).
Needs ``faiss-cpu`` (the ``bench`` extra). Hashes are random numbers: no image is involved.

    python benchmarks/bench_matching.py [--sizes 1000000 10000000] [--queries 1000]
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import faiss
import numpy as np

from nervecentre.hashing.index import PDQIndex

PAGE = os.sysconf("SC_PAGE_SIZE")
THREADS = os.cpu_count() or 1


_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def rss() -> int:
    """Resident memory of this process now, in bytes, after handing freed heap back to the OS
    (so that temporaries of a build do not count as the index's memory)."""
    gc.collect()
    _LIBC.malloc_trim(0)
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


@dataclass
class Row:
    method: str
    size: int
    build_s: float
    mb_per_million: float
    qps: float
    recall: float
    candidates: float
    found: int


def make_data(
    size: int, queries: int, threshold: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 2**64, size=(size, 4), dtype=np.uint64)
    near = queries // 2
    sources = rng.integers(0, size, near)
    bits = np.unpackbits(codes[sources].view(np.uint8), axis=1)
    distances = rng.integers(0, threshold + 1, near)
    distances[:4] = threshold  # the edge case: exactly at the threshold
    for row, distance in enumerate(distances):
        bits[row, rng.choice(256, distance, replace=False)] ^= 1
    planted = np.packbits(bits, axis=1).view(np.uint64)
    random = rng.integers(0, 2**64, size=(queries - near, 4), dtype=np.uint64)
    return codes, np.vstack([planted, random]), distances


def pairs(limits: np.ndarray, ids: np.ndarray) -> set[tuple[int, int]]:
    counts = np.diff(limits).astype(np.intp)
    return set(zip(np.repeat(np.arange(len(counts)), counts).tolist(), ids.tolist(), strict=True))


def timed(run: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def check_radius_is_strict(threshold: int) -> None:
    code = np.zeros((1, 32), np.uint8)
    query = code.copy()
    query[0, : threshold // 8] = 0xFF
    query[0, threshold // 8] = (1 << (threshold % 8)) - 1
    flat = faiss.IndexBinaryFlat(256)
    flat.add(code)
    at = len(flat.range_search(query, threshold)[2])
    above = len(flat.range_search(query, threshold + 1)[2])
    assert (at, above) == (0, 1), "faiss binary range_search is not strictly below the radius"


def run_brute(codes: np.ndarray, qs: np.ndarray, threshold: int) -> tuple[Row, set]:
    flat = faiss.IndexBinaryFlat(256)
    started = time.perf_counter()
    flat.add(codes.view(np.uint8).reshape(-1, 32))
    build = time.perf_counter() - started
    q_bytes = qs.view(np.uint8).reshape(-1, 32)
    seconds, result = timed(lambda: flat.range_search(q_bytes, threshold + 1), 1)
    truth = pairs(result[0], result[2])  # type: ignore[index]
    size = len(codes)
    row = Row(
        "brute force (faiss IndexBinaryFlat)",
        size,
        build,
        32 * 1e6 / 2**20,
        len(qs) / seconds,
        1.0,
        float(size),
        len(truth),
    )
    return row, truth


def run_ours(codes: np.ndarray, qs: np.ndarray, threshold: int, repeat: int, truth: set) -> Row:
    per_m = 1e6 / len(codes) / 2**20
    before = rss()
    ours = PDQIndex(codes, workers=THREADS)
    grown = rss() - before
    seconds, hits = timed(lambda: ours.search(qs, threshold), repeat)
    found = set(zip(hits.query.tolist(), hits.row.tolist(), strict=True))  # type: ignore[attr-defined]
    print(
        f"  ours: {ours.nbytes * per_m:.0f} MiB per million in its arrays (codes included); "
        f"resident memory grew by {grown * per_m:.0f} MiB per million (codes excluded)"
    )
    return Row(
        f"nervecentre PDQIndex ({ours.chunks} chunks)",
        len(codes),
        ours.build_seconds,
        ours.nbytes * per_m,
        len(qs) / seconds,
        len(found & truth) / max(1, len(truth)),
        hits.candidates / len(qs),
        len(found),
    )  # type: ignore[attr-defined]


def run_hma(codes: np.ndarray, qs: np.ndarray, threshold: int, truth: set) -> Row:
    per_m = 1e6 / len(codes) / 2**20
    before = rss()
    started = time.perf_counter()
    mih = faiss.IndexBinaryMultiHash(256, 16, 16)
    mih.add(codes.view(np.uint8).reshape(-1, 32))
    build = time.perf_counter() - started
    grown = rss() - before
    mih.nflip = threshold // 16
    stats = faiss.cvar.indexBinaryHash_stats
    stats.reset()
    q_bytes = qs.view(np.uint8).reshape(-1, 32)
    seconds, result = timed(lambda: mih.range_search(q_bytes, threshold + 1), 1)
    got = pairs(result[0], result[2])  # type: ignore[index]
    return Row(
        "HMA: faiss IndexBinaryMultiHash(256,16,16) nflip=1",
        len(codes),
        build,
        grown * per_m,
        len(qs) / seconds,
        len(got & truth) / max(1, len(truth)),
        stats.ndis / len(qs),
        len(got),
    )


def bench(size: int, queries: int, threshold: int, seed: int, repeat: int) -> list[Row]:
    codes, qs, _ = make_data(size, queries, threshold, seed)
    brute, truth = run_brute(codes, qs, threshold)
    gc.collect()
    ours = run_ours(codes, qs, threshold, repeat, truth)
    gc.collect()
    hma = run_hma(codes, qs, threshold, truth)
    return [brute, ours, hma]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--threshold", type=int, default=31)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for our index")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=THREADS, help="for both FAISS and ours")
    args = parser.parse_args()
    globals()["THREADS"] = args.threads
    faiss.omp_set_num_threads(args.threads)
    check_radius_is_strict(args.threshold)
    print(
        f"threads: faiss {faiss.omp_get_max_threads()}, ours {THREADS}; "
        f"threshold {args.threshold}; {args.queries} queries, half planted at 0..threshold"
    )
    header = (
        f"{'method':<52} {'hashes':>11} {'build s':>8} {'MiB/M':>7} {'queries/s':>10} "
        f"{'recall':>7} {'cand/q':>9} {'matches':>8}"
    )
    for size in args.sizes:
        print(f"\n{size:,} stored hashes")
        rows = bench(size, args.queries, args.threshold, args.seed, args.repeat)
        print(header)
        for r in rows:
            print(
                f"{r.method:<52} {r.size:>11,} {r.build_s:>8.2f} {r.mb_per_million:>7.0f} "
                f"{r.qps:>10,.0f} {r.recall:>7.1%} {r.candidates:>9,.0f} {r.found:>8,}"
            )
        brute, ours, hma = rows
        print(
            f"ours / HMA: {ours.qps / hma.qps:.1f}x queries/s, "
            f"{hma.mb_per_million / ours.mb_per_million:.1f}x less memory, "
            f"{hma.build_s / ours.build_s:.1f}x faster build; "
            f"ours / brute force: {ours.qps / brute.qps:.1f}x queries/s"
        )


if __name__ == "__main__":
    main()
