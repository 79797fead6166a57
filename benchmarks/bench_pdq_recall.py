"""PDQ recall on edited images: nervecentre's fast hashing, settled near the threshold, vs Meta's.

Known material is stood in for by synthetic, benign photo-like JPEGs (``bench_hashing``'s
generator, 800x600 to 1920x1080); the "hash set" holds the reference hashes of the originals,
as a list from a partner would. Each original is edited the ways material is altered when it
is re-shared (re-encodes, brightness, contrast, resizes, watermark, greyscale, blur, noise,
crops, small rotations), and every edit is hashed three ways in the same process, one after
the other:

- reference: Meta's procedure (Pillow full decode, RGB, ``pdqhash.compute``);
- fast: nervecentre's hashing (a large JPEG decoded at reduced size: several times faster,
  the hash a few bits off the reference's);
- settled: what nervecentre matches with — the fast hash, re-hashed exactly
  (``Matcher.settle``) when it lands within ``EXACT_MARGIN`` bits of the threshold of a
  known hash (or its quality near the minimum); its time is the fast time plus the re-hash
  where one was needed.

Recall: an edit whose hash lies within the threshold (31) of its original's, at quality
>= 50. False positives: unrelated distractor images matching any original. Prints recall per
edit type for the three, false positives, images/s and the settled/reference speed ratio.

    python benchmarks/bench_pdq_recall.py [--originals 120] [--distractors 400] [--workers 2]
"""

from __future__ import annotations

import argparse
import io
import os
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pdqhash
from bench_hashing import make_jpeg  # benchmarks/ is on the path when run as a script
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from nervecentre.hashing.digest import FileHashes
from nervecentre.hashing.images import image_pdq
from nervecentre.hashing.match import EXACT_MARGIN, KnownEntry, Matcher

THRESHOLD = 31
MIN_QUALITY = 50


def _watermark(img: Image.Image) -> Image.Image:
    """A translucent band with a site's name in a corner, as re-posting sites stamp."""
    out = img.convert("RGBA")
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    w, h = out.size
    draw.rectangle((w * 0.62, h * 0.90, w * 0.97, h * 0.96), fill=(255, 255, 255, 90))
    draw.text((w * 0.64, h * 0.91), "shared via example.invalid", fill=(20, 20, 20, 160))
    return Image.alpha_composite(out, layer).convert("RGB")


def _noise(img: Image.Image) -> Image.Image:
    rng = np.random.default_rng(img.size[0] * 7 + img.size[1])
    pixels = np.asarray(img, dtype=np.int16)
    noisy = pixels + rng.integers(-18, 19, pixels.shape, dtype=np.int16)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def _crop(img: Image.Image, part: float) -> Image.Image:
    w, h = img.size
    dx, dy = int(w * part), int(h * part)
    return img.crop((dx, dy, w - dx, h - dy))


def _scale(img: Image.Image, factor: float) -> Image.Image:
    w, h = img.size
    return img.resize((int(w * factor), int(h * factor)), Image.Resampling.LANCZOS)


EDITS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "re-encode q35": lambda im: im,
    "brightness +30%": lambda im: ImageEnhance.Brightness(im).enhance(1.3),
    "brightness -30%": lambda im: ImageEnhance.Brightness(im).enhance(0.7),
    "contrast +50%": lambda im: ImageEnhance.Contrast(im).enhance(1.5),
    "contrast -40%": lambda im: ImageEnhance.Contrast(im).enhance(0.6),
    "downscale 50%": lambda im: _scale(im, 0.5),
    "upscale 160%": lambda im: _scale(im, 1.6),
    "watermark": _watermark,
    "greyscale": lambda im: im.convert("L").convert("RGB"),
    "blur r=2": lambda im: im.filter(ImageFilter.GaussianBlur(2)),
    "noise +-18": _noise,
    "crop 3%": lambda im: _crop(im, 0.03),
    "rotate 2 deg": lambda im: im.rotate(2, resample=Image.Resampling.BICUBIC),
}


@dataclass
class Hashed:
    """One image hashed three ways, with each way's seconds."""

    original: int  # the seed of its original; -1 for a distractor
    edit: str
    reference: tuple[str, int]
    fast: tuple[str, int]
    exact: tuple[str, int]
    seconds: tuple[float, float, float]


def _reference(data: bytes) -> tuple[str, int]:
    with Image.open(io.BytesIO(data)) as img:
        bits, quality = pdqhash.compute(np.asarray(img.convert("RGB")))
    return np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)


def _three_ways(original: int, edit: str, data: bytes) -> Hashed:
    began = time.perf_counter()
    reference = _reference(data)
    t_ref = time.perf_counter() - began
    began = time.perf_counter()
    fast_hash, fast_quality, _ = image_pdq(data)
    t_fast = time.perf_counter() - began
    began = time.perf_counter()
    exact_hash, exact_quality, _ = image_pdq(data, exact=True)
    t_exact = time.perf_counter() - began
    return Hashed(
        original,
        edit,
        reference,
        (fast_hash, fast_quality),
        (exact_hash, exact_quality),
        (t_ref, t_fast, t_exact),
    )


def _encode(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def _job(seed: int) -> list[Hashed]:
    """An original (its reference hash) and every edit of it, hashed three ways."""
    data = make_jpeg(seed)
    results = [_three_ways(seed, "original", data)]
    with Image.open(io.BytesIO(data)) as img:
        base = img.convert("RGB")
    for name, edit in EDITS.items():
        quality = 35 if name.startswith("re-encode") else 88
        results.append(_three_ways(seed, name, _encode(edit(base), quality)))
    return results


def _distractor(seed: int) -> list[Hashed]:
    return [_three_ways(-1, "distractor", make_jpeg(seed))]


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--originals", type=int, default=120)
    parser.add_argument("--distractors", type=int, default=400)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    began = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        groups = list(pool.map(_job, range(args.originals)))
        seeds = range(100_000, 100_000 + args.distractors)
        groups += list(pool.map(_distractor, seeds, chunksize=8))
    items = [h for group in groups for h in group]
    print(
        f"{args.originals} originals x {len(EDITS)} edits + {args.distractors} distractors "
        f"hashed three ways in {time.perf_counter() - began:.0f} s "
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
    )
    known = {h.original: h.reference[0] for h in items if h.edit == "original"}
    matcher = Matcher.from_entries(
        [KnownEntry("bench", str(seed), pdq=value) for seed, value in known.items()],
        threshold=THRESHOLD,
        min_quality=MIN_QUALITY,
    )

    def matched(h: Hashed, value: tuple[str, int]) -> bool:
        if value[1] < MIN_QUALITY:
            return False
        if h.original >= 0:
            return _distance(value[0], known[h.original]) <= THRESHOLD
        return any(_distance(value[0], k) <= THRESHOLD for k in known.values())

    hits: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    seconds = [0.0, 0.0, 0.0]
    rehashed = 0
    for h in items:
        if h.edit == "original":
            continue
        near = matcher.near_threshold(FileHashes("x", 0, "", "", "", None, *h.fast, None))
        rehashed += near
        settled = h.exact if near else h.fast
        totals[h.edit] += 1
        for label, value in (("reference", h.reference), ("fast", h.fast), ("settled", settled)):
            hits[h.edit][label] += matched(h, value)
        seconds[0] += h.seconds[0]
        seconds[1] += h.seconds[1]
        seconds[2] += h.seconds[1] + (h.seconds[2] if near else 0.0)
    print(f"\nthreshold {THRESHOLD}, minimum quality {MIN_QUALITY}, margin {EXACT_MARGIN} bits")
    print(f"{'edit':<18}{'images':>7}{'reference':>11}{'fast':>8}{'settled':>9}")
    for edit in [*EDITS, "distractor"]:
        n = totals[edit]
        row = [hits[edit][k] / n for k in ("reference", "fast", "settled")]
        label = "false pos." if edit == "distractor" else "recall"
        print(
            f"{edit:<18}{n:>7}"
            + "".join(f"{v:>{w}.3f}" for v, w in zip(row, (11, 8, 9), strict=True))
            + (f"  ({label})" if edit == "distractor" else "")
        )
    edited = [e for e in EDITS]
    overall = {
        k: sum(hits[e][k] for e in edited) / sum(totals[e] for e in edited)
        for k in ("reference", "fast", "settled")
    }
    worse = [e for e in edited if hits[e]["settled"] < hits[e]["reference"]]
    n = sum(totals.values())
    print(
        f"\nall edits: reference {overall['reference']:.4f}, fast {overall['fast']:.4f}, "
        f"settled {overall['settled']:.4f}; edit types where settled < reference: "
        f"{', '.join(worse) or 'none'}"
    )
    print(
        f"speed over {n} images (1 process each, interleaved): reference "
        f"{n / seconds[0]:.1f}/s, fast {n / seconds[1]:.1f}/s ({seconds[0] / seconds[1]:.2f}x), "
        f"settled {n / seconds[2]:.1f}/s ({seconds[0] / seconds[2]:.2f}x the reference); "
        f"{rehashed} of {n} re-hashed exactly ({rehashed / n:.1%})"
    )


if __name__ == "__main__":
    main()
