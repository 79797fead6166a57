"""PDQ hashes of images held in memory: safe decoding, every Pillow mode, a fast JPEG path.

Decoding follows Meta's reference hasher (Pillow, no EXIF transpose, ``convert("RGB")``), with
two departures, both documented in docs/hashing.md: large JPEGs are decoded at 1/2, 1/4 or 1/8
scale (luma only) and downsampled with the reference's own weights, which costs a few bits of
Hamming distance and saves most of the time; and modes whose values are not 0..255 (I, I;16,
F) are scaled rather than clipped. Every failure is an :class:`ImageProblem` whose message is
a one-line reason fit for a per-file report.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import warnings
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from nervecentre.errors import InputFileError
from nervecentre.hashing import _pdq
from nervecentre.hashing._magic import header_dimensions, sniff
from nervecentre.settings import load_settings

DIHEDRAL_NAMES = _pdq.DIHEDRAL_NAMES
# Decoders tried on untrusted bytes; the rest of Pillow's plugins (TGA, PSD, EPS, fonts...)
# accept too much by guesswork or shell out, so they stay off.
# (Multi-picture JPEGs open through "JPEG" as format MPO.)
ALLOWED_FORMATS = (
    "JPEG",
    "PNG",
    "GIF",
    "WEBP",
    "BMP",
    "DIB",
    "TIFF",
    "ICO",
    "AVIF",
    "PPM",
    "JPEG2000",
)
# Media types sniffed from magic bytes that those decoders handle.
_SUPPORTED_TYPES = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
    "image/vnd.microsoft.icon",
    "image/avif",
    "image/x-portable-anymap",
    "image/jp2",
}
# A JPEG is decoded at the largest 1/2, 1/4 or 1/8 scale that keeps its shorter side at least
# this long: 4 decoded pixels per PDQ cell, which keeps the hash within a few bits of a
# full decode (see docs/hashing.md for the measurements behind the figure).
MIN_REDUCED_SIDE = 256
# Bigger full-size decodes are hashed in stripes by numpy: the reference binding makes several
# float64 copies of the whole image, gigabytes near the pixel limit.
EXACT_MAX_PIXELS = 16_000_000
_STRIPE_PIXELS = 2_000_000
_WIDE_MODES = ("I", "F", "I;16", "I;16B", "I;16L", "I;16N")
_TRUNCATED = re.compile(r"truncated", re.IGNORECASE)
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")


class ImageProblem(InputFileError):
    """An image could not be hashed; the message is a one-line reason."""


@functools.cache
def default_max_pixels() -> int:
    """The configured pixel limit, read once per process."""
    return load_settings().max_image_pixels


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    # Hostile files make Pillow warn (bad EXIF, odd palettes, bombs); the per-file error is the
    # report, and a warning turned into an exception (as under pytest) must not change the
    # outcome. catch_warnings is not thread-safe before Python 3.14: at worst another thread's
    # warning is hidden while an image decodes.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _bomb(width: int, height: int, limit: int) -> ImageProblem:
    return ImageProblem(
        f"decompression bomb: {width}x{height} pixels exceeds the {limit:,}-pixel limit"
    )


def _pillow_bomb(data: bytes, exc: Exception, max_pixels: int) -> ImageProblem:
    # Pillow refuses anything over twice its own limit before we see the size.
    hard_limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
    dims = header_dimensions(data)
    if dims is not None:
        width, height = dims
        return _bomb(width, height, max_pixels if width * height > max_pixels else hard_limit)
    found = _BOMB_PIXELS.search(str(exc))
    pixels = int(found.group(1)) if found else hard_limit + 1
    limit = max_pixels if pixels > max_pixels else hard_limit
    return ImageProblem(f"decompression bomb: {pixels:,} pixels exceeds the {limit:,}-pixel limit")


def open_image(data: bytes, *, max_pixels: int | None = None) -> Image.Image:
    """Open (not decode) an image and refuse it when it claims more than ``max_pixels``."""
    limit = default_max_pixels() if max_pixels is None else max_pixels
    if not data:
        raise ImageProblem("empty file")
    media_type = sniff(data)
    if media_type is not None and not media_type.startswith("image/"):
        raise ImageProblem(f"not an image ({media_type})")
    with _quiet():
        try:
            img = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
        except UnidentifiedImageError:
            if media_type is None:
                raise ImageProblem("not an image") from None
            if media_type in _SUPPORTED_TYPES:
                raise ImageProblem(f"corrupt image: not readable as {media_type}") from None
            raise ImageProblem(f"unsupported image format ({media_type})") from None
        except Image.DecompressionBombError as exc:
            raise _pillow_bomb(data, exc, limit) from None
        except Exception as exc:  # hostile headers raise anything: report, never crash
            raise _damaged(exc) from None
    width, height = img.size
    if width <= 0 or height <= 0:
        raise ImageProblem(f"corrupt image: {width}x{height} pixels")
    if width * height > limit:
        raise _bomb(width, height, limit)
    return img


def _load(img: Image.Image) -> None:
    with _quiet():
        try:
            img.load()
        except Image.DecompressionBombError as exc:
            raise ImageProblem(f"decompression bomb: {_one_line(exc)}") from None
        except MemoryError:
            raise ImageProblem("image too large to decode in memory") from None
        except Exception as exc:  # decoders on hostile data raise anything
            raise _damaged(exc) from None


def _damaged(exc: Exception) -> ImageProblem:
    if isinstance(exc, EOFError) or (isinstance(exc, OSError) and _TRUNCATED.search(str(exc))):
        return ImageProblem("image is truncated")
    return ImageProblem(f"corrupt image: {_one_line(exc)}")


def _jpeg_scale(img: Image.Image) -> int:
    if img.format not in ("JPEG", "MPO"):
        return 1
    short = min(img.size)
    return next((k for k in (8, 4, 2) if -(-short // k) >= MIN_REDUCED_SIDE), 1)


def _draft(img: Image.Image, *, estimate: bool = False) -> int:
    """Ask libjpeg for a reduced (and, for colour JPEGs, luma-only) decode; the scale it took.

    With ``estimate`` a colour JPEG too small to reduce is still decoded luma-only.
    """
    scale = _jpeg_scale(img)
    if scale == 1 and not (estimate and img.format in ("JPEG", "MPO") and img.mode == "RGB"):
        return 1
    width, height = img.size
    # "L" makes libjpeg skip chroma: its Y is PDQ's luma (same BT.601 weights).
    if img.draft("L" if img.mode == "RGB" else img.mode, (width // scale, height // scale)) is None:
        return 1
    config: tuple[int, ...] = getattr(img, "decoderconfig", ())
    taken = int(config[0]) if config else 1
    if img.size != (-(-width // taken), -(-height // taken)):
        raise ImageProblem("corrupt image: unexpected size from reduced JPEG decode")
    return taken


class _Converter:
    """Turns (parts of) an image of any mode into RGB or luma, the same way for every part."""

    def __init__(self, img: Image.Image) -> None:
        self.mode = img.mode
        # (offset, factor) mapping I/I;16/F values onto 0..255, or None to let Pillow convert.
        self.affine: tuple[float, float] | None = None
        if self.mode in _WIDE_MODES:
            self.affine = _wide_affine(img)

    def rgb(self, part: Image.Image) -> npt.NDArray[np.uint8]:
        if self.affine is not None:
            gray = self._gray(part)
            return np.repeat(gray[:, :, None], 3, axis=2)
        if part.mode != "RGB":
            try:
                part = part.convert("RGB")
            except (ValueError, OSError) as exc:
                raise ImageProblem(
                    f"unsupported image mode {self.mode}: {_one_line(exc)}"
                ) from None
        return np.asarray(part)

    def luma(self, part: Image.Image) -> _pdq.Floats:
        if self.mode == "L":
            return np.asarray(part, dtype=np.float32)
        if self.affine is not None:
            return self._gray(part).astype(np.float32)
        return _pdq.luma(self.rgb(part))

    def _gray(self, part: Image.Image) -> npt.NDArray[np.uint8]:
        assert self.affine is not None
        offset, factor = self.affine
        values = np.asarray(part).astype(np.float64)
        values = np.nan_to_num(values, nan=offset, posinf=offset + 255 / factor, neginf=offset)
        return np.clip(np.rint((values - offset) * factor), 0, 255).astype(np.uint8)


def _wide_affine(img: Image.Image) -> tuple[float, float] | None:
    """How I, I;16 and F images map onto 0..255 (None: values already fit, Pillow converts).

    16-bit data (I;16, or I within 0..65535) scales by 255/65535, as 16-to-8-bit conversion
    does elsewhere, so a dark image stays dark and its PDQ quality stays honest; F within 0..1
    (normalised floats) scales by 255; values that already fit in 0..255 (an 8-bit image saved
    as I or F) pass unchanged, as in the reference; anything else (negative values, beyond
    65535) is stretched from its minimum to its maximum.
    """
    if img.mode.startswith("I;16"):
        return 0.0, 255 / 65535
    extrema = img.getextrema()
    low, high = float(extrema[0]), float(extrema[1])  # type: ignore[arg-type]
    if not (np.isfinite(low) and np.isfinite(high)):
        # NaN or infinities in float data: take the range of the finite values.
        values = np.asarray(img)
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return 0.0, 1.0
        low, high = float(finite.min()), float(finite.max())
        return low, (255 / (high - low) if high > low else 1.0)
    if img.mode == "F" and low >= 0 and high <= 1:
        return 0.0, 255.0
    if low >= 0 and high <= 255:
        return None
    if img.mode == "I" and low >= 0 and high <= 65535:
        return 0.0, 255 / 65535
    return low, (255 / (high - low) if high > low else 1.0)


def _hash_loaded(
    img: Image.Image,
    full_size: tuple[int, int],
    scale: int,
    *,
    dihedral: bool,
    estimate: bool = False,
) -> tuple[dict[str, str], int]:
    """Hashes of a decoded image: the reference binding, or stripes of numpy when reduced,
    huge or estimated."""
    converter = _Converter(img)
    width, height = img.size
    with _quiet():
        # The reference's own rule for slivers (any side under 5): zero hash, quality 0.
        full = scale == 1 and not estimate and width * height <= EXACT_MAX_PIXELS
        if full or (scale == 1 and min(width, height) < 5):
            rgb = converter.rgb(img)
            if dihedral:
                return _pdq.reference_dihedral(rgb)
            digest, quality = _pdq.reference_hash(rgb)
            return {"orig": digest}, quality
        sampler = _pdq.Downsampler(full_size[0], full_size[1], scale)
        rows = max(1, _STRIPE_PIXELS // width)
        for top in range(0, height, rows):
            part = img if rows >= height else img.crop((0, top, width, min(height, top + rows)))
            sampler.add(top, converter.luma(part))
        dct, quality = sampler.finish()
    dcts = _pdq.dihedral_dcts(dct) if dihedral else {"orig": dct}
    return {name: _pdq.dct_to_hex(value) for name, value in dcts.items()}, quality


def _decode_and_hash(
    data: bytes,
    max_pixels: int | None,
    *,
    dihedral: bool,
    exact: bool = False,
    estimate: bool = False,
) -> tuple[dict[str, str], int, str | None]:
    img = open_image(data, max_pixels=max_pixels)
    with img:
        full_size = img.size
        media_type = Image.MIME.get(img.format or "")
        with _quiet():
            try:
                scale = 1 if exact else _draft(img, estimate=estimate)
            except ImageProblem:
                raise
            except Exception as exc:  # a header libjpeg rejects only when asked to scale
                raise ImageProblem(f"corrupt image: {_one_line(exc)}") from None
        _load(img)
        estimated = estimate and not exact
        hashes, quality = _hash_loaded(img, full_size, scale, dihedral=dihedral, estimate=estimated)
    return hashes, quality, media_type


def image_pdq(
    data: bytes, *, max_pixels: int | None = None, exact: bool = False, estimate: bool = False
) -> tuple[str, int, str | None]:
    """PDQ hash (64 hex digits), quality and Pillow's media type of an encoded image.

    A large JPEG is decoded at reduced size (several times faster; the hash may differ from
    the reference's by a few bits); ``exact`` decodes it whole, for the reference's hash.
    ``estimate`` takes the numpy path for images of every size too (a colour JPEG decoded
    luma-only): about half the time of the reference binding, most of it outside the GIL,
    within a few bits of the reference (docs/hashing.md); for callers that settle verdicts
    near the threshold with ``exact`` (:meth:`~nervecentre.hashing.match.Matcher.settle`).
    ``exact`` wins over ``estimate``.
    Raises :class:`ImageProblem` with a one-line reason when the bytes cannot be hashed.
    """
    hashes, quality, media_type = _decode_and_hash(
        data, max_pixels, dihedral=False, exact=exact, estimate=estimate
    )
    return hashes["orig"], quality, media_type


def pdq_hash_image(img: Image.Image) -> tuple[str, int]:
    """PDQ hash and quality of an already-decoded image, by the reference procedure."""
    _load(img)
    hashes, quality = _hash_loaded(img, img.size, 1, dihedral=False)
    return hashes["orig"], quality


def dihedral_pdq(img: Image.Image | bytes, *, max_pixels: int | None = None) -> dict[str, str]:
    """PDQ hashes of the image's 8 rotations and flips, keyed by :data:`DIHEDRAL_NAMES`.

    Given bytes, decodes them exactly as :func:`hash_bytes` does, so ``["orig"]`` equals its
    ``pdq``; given an image, uses the reference procedure as :func:`pdq_hash_image` does.
    Raises :class:`ImageProblem` when the image cannot be hashed.
    """
    if isinstance(img, bytes | bytearray | memoryview):
        hashes, _, _ = _decode_and_hash(bytes(img), max_pixels, dihedral=True)
        return hashes
    _load(img)
    hashes, _ = _hash_loaded(img, img.size, 1, dihedral=True)
    return hashes
