"""Conformance with Meta's reference hashes of the images in ../shared/pdq-reference/.

Bounds (docs/hashing.md): 0 bits and equal quality wherever the image is decoded in full, as
the reference does; at most REDUCED_MAX bits and REDUCED_QUALITY points of quality where a
large JPEG is decoded at reduced size (measured: 2 bits, 0 points).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PIL import Image

from nervecentre.hashing import FileHashes, dihedral_pdq, hash_file, pdq_hash_image
from nervecentre.hashing.images import _jpeg_scale

pytestmark = pytest.mark.shared

REDUCED_MAX = 4
REDUCED_QUALITY = 2
MATCH_THRESHOLD = 31


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


@pytest.fixture(scope="module")
def expected(shared_reference: Path) -> dict[str, dict[str, str]]:
    with (shared_reference / "expected-pdq.csv").open(encoding="utf-8") as handle:
        rows = {row["path"]: row for row in csv.DictReader(handle)}
    assert {"path", "pil_mode", "width", "height", "pdq_hex", "quality"} <= set(
        next(iter(rows.values()))
    )
    return rows


@pytest.fixture(scope="module")
def ours(shared_reference: Path, expected: dict[str, dict[str, str]]) -> dict[str, FileHashes]:
    """Our hashes of every reference image, computed once."""
    return {name: hash_file(shared_reference / name) for name in expected}


def test_every_reference_image_within_the_stated_bound(
    shared_reference: Path, expected: dict[str, dict[str, str]], ours: dict[str, FileHashes]
) -> None:
    reduced = 0
    for name, row in expected.items():
        path = shared_reference / name
        result = ours[name]
        assert result.error is None, name
        assert result.pdq is not None and result.quality is not None
        with Image.open(path) as img:
            assert (img.mode, img.size) == (
                row["pil_mode"],
                (int(row["width"]), int(row["height"])),
            )
            scale = _jpeg_scale(img)
        distance = hamming(result.pdq, row["pdq_hex"])
        quality_gap = abs(result.quality - int(row["quality"]))
        if scale == 1:
            assert (distance, quality_gap) == (0, 0), name
        else:
            reduced += 1
            assert distance <= REDUCED_MAX, name
            assert quality_gap <= REDUCED_QUALITY, name
    assert reduced >= 20  # the fast path is really exercised


@pytest.mark.slow  # ~5 s: full decodes of 12-megapixel photos through the reference binding
def test_pdq_hash_image_is_bit_exact(
    shared_reference: Path, expected: dict[str, dict[str, str]]
) -> None:
    for name, row in expected.items():
        with Image.open(shared_reference / name) as img:
            assert pdq_hash_image(img) == (row["pdq_hex"], int(row["quality"])), name


def test_bridge_variants_match_the_original(ours: dict[str, FileHashes]) -> None:
    original = ours["bridge-mods/aaa-orig.jpg"].pdq
    assert original is not None
    variants = {name: r.pdq for name, r in ours.items() if name.startswith("bridge-mods/")}
    assert len(variants) >= 10
    for name, pdq in variants.items():
        assert pdq is not None and hamming(pdq, original) <= MATCH_THRESHOLD, name


def test_low_quality_images_are_flagged(
    expected: dict[str, dict[str, str]], ours: dict[str, FileHashes]
) -> None:
    low = {name for name, row in expected.items() if int(row["quality"]) < 50}
    assert "misc-images/small.jpg" in low
    assert {name for name, result in ours.items() if (result.quality or 0) < 50} == low


def test_exif_orientation_is_ignored_like_the_reference(ours: dict[str, FileHashes]) -> None:
    # The four files hold differently stored pixels and differ in the reference too.
    rotated = {r.pdq for name, r in ours.items() if name.startswith("reg-test-input/exif-rotn/")}
    assert len(rotated) == 4


DIHEDRAL_FILES = {
    "orig": "bridge-1-original",
    "rot90": "bridge-2-rotate-90",
    "rot180": "bridge-3-rotate-180",
    "rot270": "bridge-4-rotate-270",
    "flipx": "bridge-5-flipx",
    "flipy": "bridge-6-flipy",
    "flipplus": "bridge-7-flip-plus-1",
    "flipminus": "bridge-8-flip-minus-1",
}


def test_dihedral_variants_find_the_rotated_files(
    shared_reference: Path, expected: dict[str, dict[str, str]]
) -> None:
    folder = shared_reference / "reg-test-input" / "dih"
    original = folder / "bridge-1-original.jpg"
    from_bytes = dihedral_pdq(original.read_bytes())
    with Image.open(original) as img:
        from_image = dihedral_pdq(img)
    for name, stem in DIHEDRAL_FILES.items():
        reference = expected[f"reg-test-input/dih/{stem}.jpg"]["pdq_hex"]
        assert hamming(from_image[name], reference) <= 12, name
        assert hamming(from_bytes[name], reference) <= 12, name
        if name != "orig":  # without the transforms, the rotated files do not match
            assert hamming(from_bytes["orig"], reference) > MATCH_THRESHOLD, name


def test_every_saved_mode_matches_the_original(shared_reference: Path) -> None:
    folder = shared_reference / "misc-images" / "modes"
    original = hash_file(folder / "original.jpg").pdq
    assert original is not None
    for path in sorted(folder.iterdir()):
        if path.suffix in {".png", ".jpg", ".webp"}:
            pdq = hash_file(path).pdq
            assert pdq is not None and hamming(pdq, original) <= 4, path.name
            # and each still matches when decoded by Pillow and re-hashed in memory
            with Image.open(io.BytesIO(path.read_bytes())) as img:
                assert hamming(pdq_hash_image(img)[0], original) <= 4, path.name
