"""PDQ in numpy: the reference's downsampling as two small matrices, its DCT, quality and bits.

Meta's reference (``pdqhash``) blurs the full-size luma with two passes of a box filter along
each axis (the "Jarosz" filter, window ``ceil(side / 128)``), samples it at 64 x 64 points, takes
a 16 x 16 DCT and sets each bit where a coefficient exceeds the median. Every step up to the
DCT is linear and separable, so the 64 x 64 buffer is ``Wy @ luma @ Wx.T`` for two fixed
weight matrices per image size. Built from the reference's own window rules, the matrices give
the reference's buffer from a full-size decode (to float rounding), and a close estimate from
a JPEG decoded at 1/2, 1/4 or 1/8 scale, where each decoded pixel is the mean of a block of
full-size pixels: its weight is the sum of theirs.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
import pdqhash

Floats = npt.NDArray[np.float32]
Doubles = npt.NDArray[np.float64]

DIHEDRAL_NAMES = ("orig", "rot90", "rot180", "rot270", "flipx", "flipy", "flipplus", "flipminus")
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)

_SIDE = 64
_ROWS = np.arange(16)[:, None]
_COLS = np.arange(16)[None, :]
# The reference's DCT matrix: rows 1..16 of the 64-point DCT-II (row 0, the mean, is skipped).
_DCT = np.sqrt(2.0 / 64) * np.cos(
    (np.pi / 2 / 64) * (np.arange(16)[:, None] + 1) * (2 * np.arange(64)[None, :] + 1)
)


@functools.lru_cache(maxsize=256)
def axis_weights(full: int, scale: int = 1) -> Floats:
    """(64, ceil(full / scale)) weights: the reference's blur and decimation along one axis.

    ``full`` is the axis length of the full-size image; ``scale`` the JPEG reduction (1, 2, 4, 8)
    of the decode the weights are applied to.
    """
    window = (full + 2 * _SIDE - 1) // (2 * _SIDE)
    half = (window + 2) // 2
    index = np.arange(full)
    # One box pass: output o averages inputs [lo[o], hi[o]) (windows shrink at the edges).
    lo = np.maximum(0, index - (window - half))
    hi = np.minimum(full, index + half)
    inv = 1.0 / (hi - lo)
    samples = ((np.arange(_SIDE) + 0.5) * full / _SIDE).astype(np.intp)
    # Second pass at each sample s: the mean of first-pass outputs o in [lo[s], hi[s]), each
    # spread uniformly over its own input range; accumulate those ranges as a difference array.
    firsts = lo[samples][:, None] + np.arange(window)[None, :]
    valid = firsts < hi[samples][:, None]
    firsts = np.minimum(firsts, full - 1)
    amount = np.where(valid, inv[firsts], 0.0)
    rows = np.broadcast_to(np.arange(_SIDE)[:, None], firsts.shape)
    diff = np.zeros((_SIDE, full + 1))
    np.add.at(diff, (rows, lo[firsts]), amount)
    np.add.at(diff, (rows, hi[firsts]), -amount)
    weights = np.cumsum(diff, axis=1)[:, :full] / (hi[samples] - lo[samples])[:, None]
    # The running sum leaves rounding residue outside each sample's support; zero it so that
    # the supports stay short (see axis_taps).
    start = lo[lo[samples]]
    stop = hi[hi[samples] - 1]
    weights[(index[None, :] < start[:, None]) | (index[None, :] >= stop[:, None])] = 0.0
    if scale > 1:
        blocks = -(-full // scale)
        padded = np.zeros((_SIDE, blocks * scale))
        padded[:, :full] = weights
        weights = padded.reshape(_SIDE, blocks, scale).sum(axis=2)
    result: Floats = np.ascontiguousarray(weights, dtype=np.float32)
    result.flags.writeable = False
    return result


@functools.lru_cache(maxsize=256)
def axis_taps(full: int, scale: int = 1) -> tuple[npt.NDArray[np.intp], Floats]:
    """:func:`axis_weights` as 64 short runs: (64, T) input indices and their weights.

    Each output samples a window of about ``2 * ceil(full / 128) / scale`` inputs, so gathering
    those beats a dense product 10-60 times, and it stays off BLAS, whose thread pool costs
    more to wake than these products take.
    """
    weights = axis_weights(full, scale)
    nonzero = weights != 0
    first = nonzero.argmax(axis=1)
    last = weights.shape[1] - 1 - nonzero[:, ::-1].argmax(axis=1)
    span = np.arange(int((last - first).max()) + 1)
    wanted = first[:, None] + span[None, :]
    index = np.minimum(wanted, weights.shape[1] - 1)
    taps = np.where(wanted <= last[:, None], np.take_along_axis(weights, index, axis=1), 0.0)
    index.flags.writeable = False
    result: Floats = taps.astype(np.float32)
    result.flags.writeable = False
    return index, result


class Downsampler:
    """Builds the reference's 64 x 64 buffer from horizontal stripes of luma."""

    def __init__(self, full_width: int, full_height: int, scale: int = 1) -> None:
        self._x_index, self._x_taps = axis_taps(full_width, scale)
        self._y_index, self._y_taps = axis_taps(full_height, scale)
        rows = -(-full_height // scale)
        self._columns: Floats = np.zeros((rows, _SIDE), dtype=np.float32)

    def add(self, top: int, luma: Floats) -> None:
        """Add the stripe of decoded luma whose first row is ``top``."""
        # Columns first, per stripe: only a (rows, 64) array outlives the stripe.
        gathered = luma[:, self._x_index]
        self._columns[top : top + luma.shape[0]] = np.einsum("rjt,jt->rj", gathered, self._x_taps)

    def finish(self) -> tuple[Doubles, int]:
        """The 16 x 16 DCT and the quality (0..100) of the accumulated image."""
        gathered = self._columns[self._y_index].astype(np.float64)
        buffer = np.einsum("jtc,jt->jc", gathered, self._y_taps.astype(np.float64))
        return dct_and_quality(buffer)


def luma(rgb: npt.NDArray[np.uint8]) -> Floats:
    """PDQ's luma (BT.601 weights) of a (height, width, 3) RGB array."""
    # Three float32 multiply-adds: about three times faster than an einsum over the channels.
    pixels = rgb.astype(np.float32)
    result: Floats = pixels[:, :, 0] * LUMA[0]
    result += pixels[:, :, 1] * LUMA[1]
    result += pixels[:, :, 2] * LUMA[2]
    return result


def dct_and_quality(buffer: Doubles) -> tuple[Doubles, int]:
    """PDQ's DCT of a 64 x 64 luma buffer, and its gradient-based quality metric."""
    # The quality metric truncates float32 arithmetic to int exactly as the reference does.
    image = buffer.astype(np.float32)
    hundred, full_scale = np.float32(100), np.float32(255)
    down = np.trunc((image[:-1, :] - image[1:, :]) * hundred / full_scale)
    across = np.trunc((image[:, :-1] - image[:, 1:]) * hundred / full_scale)
    gradient = int(np.abs(down).astype(np.int64).sum() + np.abs(across).astype(np.int64).sum())
    # einsum, not "@": these products are tiny and BLAS threads cost more to wake (see taps).
    rows = np.einsum("ik,kl->il", _DCT, buffer)
    return np.einsum("il,jl->ij", rows, _DCT), min(100, gradient // 90)


def dct_to_hex(dct: Doubles) -> str:
    """64 hex digits: bit i*16+j is set where coefficient (i, j) exceeds the median."""
    flat = dct.ravel()
    # Torben's median in the reference returns the lower middle value of the 256.
    median = np.partition(flat, 127)[127]
    return np.packbits((flat > median)[::-1]).tobytes().hex()


def dihedral_dcts(dct: Doubles) -> dict[str, Doubles]:
    """The DCTs of the image's 8 rotations and flips, derived in the DCT domain."""
    even_col = np.where(_COLS % 2 == 1, 1.0, -1.0)
    even_row = np.where(_ROWS % 2 == 1, 1.0, -1.0)
    checker = np.where((_ROWS + _COLS) % 2 == 1, -1.0, 1.0)
    return {
        "orig": dct,
        "rot90": (dct * even_col).T,
        "rot180": dct * checker,
        "rot270": (dct * even_row).T,
        "flipx": dct * even_row,
        "flipy": dct * even_col,
        "flipplus": dct.T,
        "flipminus": (dct * checker).T,
    }


def _bits_to_hex(bits: npt.NDArray[np.integer]) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def reference_hash(rgb: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """The reference implementation on a full-size (height, width, 3) uint8 RGB array."""
    bits, quality = pdqhash.compute(rgb)
    return _bits_to_hex(bits), int(quality)


def reference_dihedral(rgb: npt.NDArray[np.uint8]) -> tuple[dict[str, str], int]:
    """The reference's 8 dihedral hashes of a full-size RGB array, and its quality."""
    hashes, quality = pdqhash.compute_dihedral(rgb)
    return {name: _bits_to_hex(bits) for name, bits in zip(DIHEDRAL_NAMES, hashes, strict=True)}, (
        int(quality)
    )
