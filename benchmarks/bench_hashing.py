"""Hashing benchmark: nervecentre's ``hash_many`` vs the reference PDQ procedure, same files.

Generates ``--count`` synthetic JPEGs (gradients, shapes and noise; 800x600 to 1920x1080, either
orientation, baseline and progressive, ~60-600 KB) into a temporary folder, then times in one run:
- reference: Meta's procedure, one process: Pillow full decode, ``convert("RGB")``,
  ``pdqhash.compute`` (PDQ only, no MD5/SHA);
- nervecentre, 1 process and all cores: ``hash_many`` (MD5 + SHA-1 + SHA-256 + PDQ + quality,
  reduced-size JPEG decoding), pool start-up included.
The three alternate over ``--rounds`` slices of the corpus, so that load from other work on the
machine falls on all of them alike. Prints images/s, the ratio to the reference, and the Hamming
distance between the two hash sets.

    python benchmarks/bench_hashing.py [--count 2000] [--workers N] [--rounds 5]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pdqhash
from PIL import Image, ImageDraw

from nervecentre.hashing import hash_many
from nervecentre.hashing.walk import default_workers

SIZES = ((800, 600), (1024, 768), (1280, 720), (1280, 960), (1366, 768), (1600, 900), (1920, 1080))


def make_jpeg(seed: int) -> bytes:
    """One synthetic, benign photo-like JPEG: a smooth colour field, shapes, sensor-like noise."""
    rng = np.random.default_rng(seed)
    width, height = SIZES[int(rng.integers(len(SIZES)))]
    if rng.random() < 0.25:
        width, height = height, width
    cells = (int(rng.integers(2, 9)), int(rng.integers(2, 9)), 3)
    field = rng.integers(0, 256, cells, dtype=np.uint8)
    img = Image.fromarray(field).resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(8, 30))):
        x0, y0 = int(rng.integers(-width // 4, width)), int(rng.integers(-height // 4, height))
        x1, y1 = x0 + int(rng.integers(10, width // 2)), y0 + int(rng.integers(10, height // 2))
        colour = (int(rng.integers(256)), int(rng.integers(256)), int(rng.integers(256)))
        kind = int(rng.integers(3))
        if kind == 0:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        elif kind == 1:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(2, 25)))
    amp = int(rng.integers(4, 13))
    noise = rng.integers(-amp, amp + 1, (height, width, 1), dtype=np.int16)
    pixels = np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    quality = int(rng.integers(75, 93))
    Image.fromarray(pixels).save(out, "JPEG", quality=quality, progressive=rng.random() < 0.15)
    return out.getvalue()


def _write(job: tuple[Path, int]) -> int:
    folder, seed = job
    data = make_jpeg(seed)
    (folder / f"img-{seed:06d}.jpg").write_bytes(data)
    return len(data)


def generate(folder: Path, count: int, workers: int) -> list[int]:
    """Write ``count`` synthetic JPEGs into ``folder``; their sizes in bytes."""
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_write, [(folder, seed) for seed in range(count)], chunksize=16))


def reference(paths: list[Path]) -> list[tuple[str, int]]:
    """Meta's procedure (as in its Python hasher): full decode, RGB, pdqhash.compute."""
    results = []
    for path in paths:
        with Image.open(path) as img:
            bits, quality = pdqhash.compute(np.asarray(img.convert("RGB")))
        results.append((np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)))
    return results


def ours(paths: list[Path], workers: int) -> list[tuple[str, int]]:
    """nervecentre's batch hashing (all digests plus PDQ)."""
    results = []
    for item in hash_many(paths, workers=workers):
        if item.pdq is None or item.quality is None:
            raise SystemExit(f"{item.path}: {item.error}")
        results.append((item.pdq, item.quality))
    return results


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="synthetic JPEGs to generate")
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved timing rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nc-bench-hash-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        sizes = generate(folder, args.count, args.workers)
        print(
            f"corpus: {len(sizes)} JPEGs, mean {statistics.mean(sizes) / 1024:.0f} KB "
            f"(min {min(sizes) / 1024:.0f}, max {max(sizes) / 1024:.0f}), "
            f"generated in {time.perf_counter() - start:.0f} s; "
            f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
        )
        paths = sorted(folder.glob("*.jpg"))
        reference(paths[:5])  # warm-up: imports, codecs, page cache, the worker server
        ours(paths[:16], args.workers)
        # Interleaved rounds: on a shared machine, load drifts; every procedure gets a share.
        procedures: dict[str, Callable[[list[Path]], list[tuple[str, int]]]] = {
            "reference (Pillow full decode + pdqhash), 1 process": reference,
            "nervecentre hash_many, 1 process": lambda chunk: ours(chunk, 1),
            f"nervecentre hash_many, {args.workers} processes": (
                lambda chunk: ours(chunk, args.workers)
            ),
        }
        seconds = dict.fromkeys(procedures, 0.0)
        hashes: dict[str, list[tuple[str, int]]] = {label: [] for label in procedures}
        step = -(-len(paths) // args.rounds)
        for first in range(0, len(paths), step):
            chunk = paths[first : first + step]
            for label, run in procedures.items():
                began = time.perf_counter()
                hashes[label].extend(run(chunk))
                seconds[label] += time.perf_counter() - began
    n = len(paths)
    # Other work on the machine slows the multi-process figure most: show it.
    print(f"load average after the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    t_ref = seconds[next(iter(procedures))]
    print(f"\n{'procedure':<56}{'seconds':>9}{'images/s':>10}{'ratio':>8}")
    for label, spent in seconds.items():
        print(f"{label:<56}{spent:>9.2f}{n / spent:>10.1f}{t_ref / spent:>7.2f}x")
    ref, one, fast = hashes.values()
    if one != fast:
        raise SystemExit("hash_many gave different results with 1 and many processes")
    distances = [hamming(a, b) for (a, _), (b, _) in zip(ref, fast, strict=True)]
    quality = [abs(qa - qb) for (_, qa), (_, qb) in zip(ref, fast, strict=True)]
    print(
        f"\nHamming distance ours vs reference over {n} images: max {max(distances)}, "
        f"mean {statistics.mean(distances):.2f}, "
        f"p99 {float(np.percentile(distances, 99)):.0f}, "
        f"identical {distances.count(0) / n:.1%}; quality |diff| max {max(quality)}"
    )


if __name__ == "__main__":
    main()
