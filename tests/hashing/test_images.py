"""PDQ of decoded images: formats, modes, the reduced JPEG path, dihedral variants, bad inputs."""

from __future__ import annotations

import io
import time

import numpy as np
import pdqhash
import pytest
from PIL import Image, ImageFile

from nervecentre.hashing import (
    DIHEDRAL_NAMES,
    ImageProblem,
    dihedral_pdq,
    hash_bytes,
    pdq_hash_image,
)
from nervecentre.hashing.images import MIN_REDUCED_SIDE, _jpeg_scale, image_pdq
from tests.hashing.conftest import (
    encode,
    gif_claiming,
    png_claiming,
    synthetic_image,
    zlib_bomb_png,
)

# Stated bound of the reduced-size JPEG path against a full decode (docs/hashing.md).
REDUCED_JPEG_MAX_DISTANCE = 8


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def reference(img: Image.Image) -> tuple[str, int]:
    """Meta's procedure, spelled out: RGB, pdqhash.compute."""
    bits, quality = pdqhash.compute(np.asarray(img.convert("RGB")))
    return np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)


BASE = synthetic_image()
BASE_PDQ, BASE_QUALITY = reference(BASE)


def test_pdq_hash_image_is_the_reference_procedure() -> None:
    digest, quality = pdq_hash_image(BASE)
    assert (digest, quality) == (BASE_PDQ, BASE_QUALITY)
    assert len(digest) == 64 and digest == digest.lower()
    assert quality == 100


@pytest.mark.parametrize(
    ("fmt", "options"),
    [("PNG", {}), ("BMP", {}), ("TIFF", {}), ("TIFF", {"compression": "tiff_lzw"}),
     ("WEBP", {"lossless": True}), ("PPM", {})],
)  # fmt: skip
def test_lossless_formats_hash_exactly_like_the_pixels(
    fmt: str, options: dict[str, object]
) -> None:
    result = hash_bytes(encode(BASE, fmt, **options))
    assert result.error is None
    assert (result.pdq, result.quality) == (BASE_PDQ, BASE_QUALITY)


@pytest.mark.parametrize(
    ("fmt", "options", "media_type"),
    [("JPEG", {"quality": 90}, "image/jpeg"), ("JPEG", {"progressive": True}, "image/jpeg"),
     ("WEBP", {"quality": 80}, "image/webp"), ("GIF", {}, "image/gif"),
     ("ICO", {"sizes": [(64, 64)]}, "image/vnd.microsoft.icon"), ("TIFF", {}, "image/tiff")],
)  # fmt: skip
def test_every_format_gives_a_hash(fmt: str, options: dict[str, object], media_type: str) -> None:
    data = encode(BASE, fmt, **options)
    result = hash_bytes(data)
    assert result.error is None
    assert result.media_type == media_type
    decoded, _ = reference(Image.open(io.BytesIO(data)))
    assert result.pdq == decoded  # small images decode in full: the reference, bit for bit


def test_animated_gif_hashes_its_first_frame() -> None:
    other = synthetic_image(seed=7)
    data = encode(BASE, "GIF", save_all=True, append_images=[other], duration=100)
    first = Image.open(io.BytesIO(data))
    assert getattr(first, "n_frames", 1) == 2
    assert hash_bytes(data).pdq == reference(first)[0]


# Distances of each mode's conversion of BASE from BASE itself: L, I, F round the luma to
# integers, P and 1 quantise colours.
MODE_BOUNDS = {"1": 32, "L": 4, "LA": 4, "P": 8, "PA": 8, "RGB": 0, "RGBA": 0, "RGBX": 0,
               "RGBa": 0, "CMYK": 0, "YCbCr": 0, "LAB": 8, "HSV": 8, "I": 4, "F": 4}  # fmt: skip


@pytest.mark.parametrize("mode", sorted(MODE_BOUNDS))
def test_every_pillow_mode_hashes(mode: str) -> None:
    converted = BASE.convert(mode)
    digest, quality = pdq_hash_image(converted)
    assert hamming(digest, BASE_PDQ) <= MODE_BOUNDS[mode]
    assert quality >= 50


def test_sixteen_bit_images_are_scaled_not_clipped() -> None:
    gray = np.asarray(BASE.convert("L")).astype(np.uint16)
    eight_bit = pdq_hash_image(BASE.convert("L"))
    wide = Image.fromarray(gray * 257)
    assert wide.mode == "I;16"
    assert pdq_hash_image(wide) == eight_bit
    assert pdq_hash_image(Image.fromarray((gray * 257).astype(np.int32))) == eight_bit
    # Through a file too: 16-bit PNG and TIFF.
    for fmt in ("PNG", "TIFF"):
        assert hash_bytes(encode(wide, fmt)).pdq == eight_bit[0]


def test_float_images_are_scaled() -> None:
    gray = np.asarray(BASE.convert("L")).astype(np.float32)
    eight_bit = pdq_hash_image(BASE.convert("L"))
    assert pdq_hash_image(Image.fromarray(gray / 255)) == eight_bit  # normalised 0..1
    stretched = pdq_hash_image(Image.fromarray(gray * 40 - 3000))  # arbitrary range
    assert hamming(stretched[0], eight_bit[0]) <= 8
    with_nan = gray / 255
    with_nan[0, :5] = np.nan
    assert hamming(pdq_hash_image(Image.fromarray(with_nan))[0], eight_bit[0]) <= 8
    flat = pdq_hash_image(Image.fromarray(np.full((50, 60), np.nan, dtype=np.float32)))
    assert flat[1] == 0


def test_unconvertible_mode_is_a_clear_error() -> None:
    with pytest.raises(ImageProblem, match="unsupported image mode La"):
        pdq_hash_image(Image.new("La", (32, 32)))


def test_tiny_images_follow_the_reference() -> None:
    digest, quality = pdq_hash_image(Image.new("RGB", (1, 1), (200, 10, 10)))
    assert (digest, quality) == ("0" * 64, 0)
    assert hash_bytes(encode(Image.new("L", (3, 3)), "PNG")).pdq == "0" * 64


def test_exif_orientation_is_not_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    plain = encode(BASE, "JPEG", quality=90)
    tagged = encode(BASE, "JPEG", quality=90, exif=exif.tobytes())
    assert Image.open(io.BytesIO(tagged)).getexif()[0x0112] == 6
    assert hash_bytes(tagged).pdq == hash_bytes(plain).pdq


REDUCTIONS = [(255, 1), (510, 1), (511, 2), (1020, 2), (1021, 4), (2040, 4), (2041, 8), (9000, 8)]


@pytest.mark.parametrize(("side", "scale"), REDUCTIONS)
def test_jpeg_reduction_keeps_the_short_side(side: int, scale: int) -> None:
    img = Image.open(io.BytesIO(encode(Image.new("RGB", (16, 16)), "JPEG")))
    img._size = (side + 700, side)  # only the header size matters to the choice
    assert _jpeg_scale(img) == scale
    assert scale == 1 or -(-side // scale) >= MIN_REDUCED_SIDE
    assert scale == 8 or -(-side // (scale * 2)) < MIN_REDUCED_SIDE


@pytest.mark.parametrize("size", [(700, 520), (1280, 1024), (2200, 1500)])
def test_reduced_jpeg_decode_stays_close_to_a_full_decode(size: tuple[int, int]) -> None:
    data = encode(synthetic_image(*size, seed=sum(size)), "JPEG", quality=85)
    digest, quality, _ = image_pdq(data)
    full_digest, full_quality = reference(Image.open(io.BytesIO(data)))
    assert hamming(digest, full_digest) <= REDUCED_JPEG_MAX_DISTANCE
    assert abs(quality - full_quality) <= 2


def test_grayscale_and_cmyk_jpegs_take_the_reduced_path() -> None:
    big = synthetic_image(1100, 800, seed=3)
    for img in (big.convert("L"), big.convert("CMYK")):
        data = encode(img, "JPEG", quality=90)
        digest, _, _ = image_pdq(data)
        assert hamming(digest, reference(Image.open(io.BytesIO(data)))[0]) <= 8


def test_huge_images_are_hashed_in_stripes(monkeypatch: pytest.MonkeyPatch) -> None:
    from nervecentre.hashing import images

    monkeypatch.setattr(images, "EXACT_MAX_PIXELS", 0)
    monkeypatch.setattr(images, "_STRIPE_PIXELS", 5_000)
    for img in (BASE, BASE.convert("P"), BASE.convert("I;16")):
        exact, _ = images._pdq.reference_hash(images._Converter(img).rgb(img))
        assert pdq_hash_image(img)[0] == exact


def test_dihedral_variants() -> None:
    variants = dihedral_pdq(BASE)
    assert tuple(variants) == DIHEDRAL_NAMES
    assert variants["orig"] == BASE_PDQ
    transposes = {
        "rot90": Image.Transpose.ROTATE_90,
        "rot180": Image.Transpose.ROTATE_180,
        "rot270": Image.Transpose.ROTATE_270,
        "flipx": Image.Transpose.FLIP_TOP_BOTTOM,
        "flipy": Image.Transpose.FLIP_LEFT_RIGHT,
        "flipplus": Image.Transpose.TRANSPOSE,
        "flipminus": Image.Transpose.TRANSVERSE,
    }
    for name, transpose in transposes.items():
        moved, _ = pdq_hash_image(BASE.transpose(transpose))
        nearest = min(variants, key=lambda key: hamming(variants[key], moved))
        assert nearest == name
        assert hamming(variants[name], moved) <= 31


def test_dihedral_of_bytes_agrees_with_hash_bytes() -> None:
    data = encode(synthetic_image(1400, 900, seed=5), "JPEG", quality=88)
    variants = dihedral_pdq(data)
    assert variants["orig"] == hash_bytes(data).pdq
    with pytest.raises(ImageProblem, match="not an image"):
        dihedral_pdq(b"plain text, not pixels")


# ---- bad inputs -------------------------------------------------------------------------------

LIMIT = "89,478,485-pixel limit"


def test_empty_and_non_images() -> None:
    assert hash_bytes(b"").error == "empty file"
    assert hash_bytes(b"just some text\n").error == "not an image"
    assert hash_bytes(b"%PDF-1.7\n...").error == "not an image (application/pdf)"
    assert hash_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'></svg>").error == (
        "unsupported image format (image/svg+xml)"
    )
    assert hash_bytes(b"8BPS" + b"\x00" * 60).error == (
        "unsupported image format (image/vnd.adobe.photoshop)"
    )


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "BMP", "TIFF"])
def test_truncated_images(fmt: str) -> None:
    data = encode(BASE, fmt)
    result = hash_bytes(data[: len(data) * 2 // 3])
    assert result.error == "image is truncated"
    assert result.pdq is None and result.md5  # digests are still there
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "TIFF"])
def test_corrupt_images_never_crash(fmt: str) -> None:
    data = bytearray(encode(BASE, fmt))
    rng = np.random.default_rng(1)
    for cut in (12, 40, len(data) // 3):
        damaged = bytes(data[:cut]) + bytes(rng.integers(0, 256, 400, dtype=np.uint8))
        result = hash_bytes(damaged)
        assert result.error is None or result.error.startswith(("corrupt image", "image is"))
        assert "\n" not in (result.error or "")


def test_png_header_claiming_huge_dimensions() -> None:
    result = hash_bytes(png_claiming(100_000, 100_000))
    assert result.error == f"decompression bomb: 100000x100000 pixels exceeds the {LIMIT}"


def test_gif_with_a_huge_logical_screen() -> None:
    result = hash_bytes(gif_claiming(65535, 65535))
    assert result.error == f"decompression bomb: 65535x65535 pixels exceeds the {LIMIT}"
    assert hash_bytes(gif_claiming(40, 30)).error is None  # the same file, sane size


def test_compressed_bomb_between_pillow_warning_and_error_levels() -> None:
    # 96 M pixels: Pillow only warns (over 89.5 M, under 179 M); we refuse before decoding.
    data = zlib_bomb_png(12_000, 8_000)
    assert len(data) < 200_000
    start = time.perf_counter()
    result = hash_bytes(data)
    assert result.error == f"decompression bomb: 12000x8000 pixels exceeds the {LIMIT}"
    assert time.perf_counter() - start < 1.0  # refused from the header, nothing decoded


def test_max_pixels_is_enforced_before_decoding() -> None:
    data = encode(BASE, "PNG")
    assert hash_bytes(data, max_pixels=320 * 240).error is None
    assert hash_bytes(data, max_pixels=320 * 240 - 1).error == (
        "decompression bomb: 320x240 pixels exceeds the 76,799-pixel limit"
    )


def test_absurd_and_zero_dimensions() -> None:
    assert hash_bytes(png_claiming(0, 10)).error.startswith("corrupt image")  # type: ignore[union-attr]
    jpeg = bytearray(encode(BASE, "JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5 : sof + 9] = b"\xff\xf0\xff\xf0"  # height, width = 65520
    result = hash_bytes(bytes(jpeg))
    assert result.error == f"decompression bomb: 65520x65520 pixels exceeds the {LIMIT}"
