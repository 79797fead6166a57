"""Synthetic, benign test media made in memory: photo-like images and hand-built hostile files.

Nothing here is or resembles real material: smooth colour fields, ellipses, bars and noise.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[2]


def synthetic_image(width: int = 320, height: int = 240, seed: int = 0) -> Image.Image:
    """A deterministic photo-like RGB image: colour field, shapes and a little noise."""
    rng = np.random.default_rng(seed)
    cells = (int(rng.integers(3, 8)), int(rng.integers(3, 8)), 3)
    field = rng.integers(0, 256, cells, dtype=np.uint8)
    img = Image.fromarray(field).resize((width, height), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        box = (
            x0,
            y0,
            x0 + int(rng.integers(8, width // 3)),
            y0 + int(rng.integers(8, height // 3)),
        )
        colour = (int(rng.integers(256)), int(rng.integers(256)), int(rng.integers(256)))
        if rng.random() < 0.5:
            draw.ellipse(box, fill=colour)
        else:
            draw.rectangle(box, fill=colour)
    noise = rng.integers(-6, 7, (height, width, 1), dtype=np.int16)
    pixels = np.clip(np.asarray(img, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


def encode(img: Image.Image, fmt: str, **options: Any) -> bytes:
    """The image saved in ``fmt`` to bytes (never to disk)."""
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int, idat: bytes = b"", colour_type: int = 0) -> bytes:
    """A hand-built 8-bit PNG whose header claims ``width`` x ``height``; ``idat`` as given."""
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    body = _chunk(b"IHDR", header)
    if idat:
        body += _chunk(b"IDAT", idat)
    return b"\x89PNG\r\n\x1a\n" + body + _chunk(b"IEND", b"")


def zlib_bomb_png(width: int, height: int) -> bytes:
    """A valid greyscale PNG of ``width`` x ``height`` black pixels, compressed to kilobytes."""
    row = b"\x00" * (width + 1)  # filter byte + pixels
    packer = zlib.compressobj(9)
    parts = [packer.compress(row) for _ in range(height)]
    parts.append(packer.flush())
    return png_claiming(width, height, b"".join(parts))


def gif_claiming(width: int, height: int) -> bytes:
    """A tiny GIF: a 1x1 frame on a logical screen of ``width`` x ``height``."""
    screen = (
        b"GIF89a" + struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00" * 3 + b"\xff" * 3
    )
    frame = b"," + struct.pack("<HHHHB", 0, 0, 1, 1, 0) + b"\x02\x02\x44\x01\x00"
    return screen + frame + b";"


@pytest.fixture
def make_image() -> Callable[..., Image.Image]:
    """Factory for :func:`synthetic_image`."""
    return synthetic_image


@pytest.fixture
def jpeg_bytes() -> bytes:
    """A 320x240 synthetic JPEG."""
    return encode(synthetic_image(), "JPEG", quality=90)


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """The PDQ reference folder in ../shared (or NERVECENTRE_SHARED_DIR); skips when absent."""
    env = os.environ.get("NERVECENTRE_SHARED_DIR")
    shared = Path(env) if env else REPO.parent / "shared"
    folder = shared / "pdq-reference"
    if not (folder / "expected-pdq.csv").is_file():
        pytest.skip(f"PDQ reference images not found in {folder} (set NERVECENTRE_SHARED_DIR)")
    return folder
