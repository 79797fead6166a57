"""Benign synthetic images for the synthetic web: colour fields, shapes and noise, never more.

Every image is drawn from a seed, so the same seed gives the same bytes on every machine with
the same Pillow. Edited copies (resized, re-encoded, slightly cropped) are what a known-image
list must still catch by PDQ; the hostile files (a decompression bomb, a truncated JPEG) are
hand-built headers and halves of the benign images.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

# The edits a known image gets before it is planted again; each keeps its PDQ hash within
# the default threshold (31 bits) of the original's, which the tests check.
EDITS = ("resized", "reencoded", "cropped", "png")


def draw(seed: int, width: int = 320, height: int = 240) -> Image.Image:
    """A deterministic photo-like RGB image: a smooth colour field, shapes and a little noise."""
    rng = np.random.default_rng(seed)
    cells = (int(rng.integers(3, 8)), int(rng.integers(3, 8)), 3)
    field = rng.integers(0, 256, cells, dtype=np.uint8)
    img = Image.fromarray(field).resize((width, height), Image.Resampling.BICUBIC)
    pen = ImageDraw.Draw(img)
    for _ in range(14):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        box = (
            x0,
            y0,
            x0 + int(rng.integers(8, width // 3)),
            y0 + int(rng.integers(8, height // 3)),
        )
        colour = (int(rng.integers(256)), int(rng.integers(256)), int(rng.integers(256)))
        if rng.random() < 0.5:
            pen.ellipse(box, fill=colour)
        else:
            pen.rectangle(box, fill=colour)
    noise = rng.integers(-6, 7, (height, width, 1), dtype=np.int16)
    pixels = np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


def encode(img: Image.Image, fmt: str = "JPEG", **options: Any) -> bytes:
    """The image encoded in ``fmt``, in memory."""
    out = io.BytesIO()
    # Fast settings: noise makes default PNG, WebP and GIF encoding slow, and speed of
    # encoding changes nothing a crawler sees.
    if fmt == "JPEG":
        options.setdefault("quality", 90)
    elif fmt == "PNG":
        options.setdefault("compress_level", 1)
    elif fmt == "WEBP":
        options.setdefault("method", 0)
    elif fmt == "GIF":
        img = img.quantize(64, method=Image.Quantize.FASTOCTREE)
    img.save(out, fmt, **options)
    return out.getvalue()


def edited(img: Image.Image, edit: str) -> bytes:
    """An edited copy of ``img``: different bytes, nearly the same picture."""
    width, height = img.size
    if edit == "resized":
        return encode(img.resize((width * 3 // 4, height * 3 // 4), Image.Resampling.LANCZOS))
    if edit == "reencoded":
        return encode(img, "JPEG", quality=55)
    if edit == "cropped":
        # A few pixels a side: PDQ is robust to small crops, not to large ones.
        dx, dy = max(1, width // 160), max(1, height // 160)
        return encode(img.crop((dx, dy, width - dx, height - dy)), "JPEG", quality=85)
    if edit == "png":
        return encode(img, "PNG")
    raise ValueError(f"unknown edit {edit!r}")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int = 10_000, height: int = 10_000) -> bytes:
    """A valid greyscale PNG of ``width`` x ``height`` black pixels, a few hundred KiB packed."""
    row = b"\x00" * (width + 1)  # the filter byte, then the pixels
    packer = zlib.compressobj(1)
    parts = [packer.compress(row) for _ in range(height)]
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


def truncated(data: bytes) -> bytes:
    """The first half of an encoded image."""
    return data[: len(data) // 2]
