"""Hashes of one file held in memory: MD5, SHA-1, SHA-256 always, PDQ and quality for images.

Bytes are read once, hashed and dropped; nothing is written anywhere. Problems with a file are
reported in :attr:`FileHashes.error`, never raised, so one bad file cannot stop a batch.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
from dataclasses import dataclass, fields
from typing import BinaryIO

from nervecentre.hashing._magic import sniff
from nervecentre.hashing.images import ImageProblem, image_pdq
from nervecentre.settings import load_settings

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class FileHashes:
    """Everything nervecentre computes from one file's bytes.

    ``md5``, ``sha1`` and ``sha256`` are lowercase hex for every readable file, even when the
    image part fails; for a file that cannot be read they are empty strings and ``error`` says
    why. ``pdq`` (64 hex digits) and ``quality`` (0..100) are set for images only. ``error`` is
    None when all went well, otherwise a one-line reason ("image is truncated", "not an image").
    """

    path: str
    size: int
    md5: str
    sha1: str
    sha256: str
    media_type: str | None
    pdq: str | None
    quality: int | None
    error: str | None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict of every field."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@functools.cache
def default_max_bytes() -> int:
    """Largest file read whole into memory (the upload limit), read once per process."""
    return load_settings().max_upload_bytes


class _Digests:
    def __init__(self) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.sha1 = hashlib.sha1(usedforsecurity=False)
        self.sha256 = hashlib.sha256()

    def update(self, data: bytes) -> None:
        self.md5.update(data)
        self.sha1.update(data)
        self.sha256.update(data)


def hash_bytes(
    data: bytes,
    path: str = "<memory>",
    *,
    pdq: bool = True,
    max_pixels: int | None = None,
    exact: bool = False,
    estimate: bool = False,
) -> FileHashes:
    """Hash bytes already in memory; ``path`` only names them in the result.

    With ``pdq`` false no image work is done and non-images are not an error. ``max_pixels``
    defaults to the ``max_image_pixels`` setting; larger images are refused as bombs.
    ``exact`` gives the reference's PDQ where the fast path would estimate it (see
    :func:`~nervecentre.hashing.images.image_pdq`); ``estimate`` estimates it for images of
    every size (faster, within a few bits; see the same).
    """
    digests = _Digests()
    digests.update(data)
    media_type = sniff(data)
    pdq_hex: str | None = None
    quality: int | None = None
    error: str | None = None
    if not data:
        error = "empty file"
    elif pdq:
        try:
            pdq_hex, quality, pillow_type = image_pdq(
                data, max_pixels=max_pixels, exact=exact, estimate=estimate
            )
            media_type = media_type or pillow_type
        except ImageProblem as exc:
            error = str(exc)
    return FileHashes(
        path=path,
        size=len(data),
        md5=digests.md5.hexdigest(),
        sha1=digests.sha1.hexdigest(),
        sha256=digests.sha256.hexdigest(),
        media_type=media_type,
        pdq=pdq_hex,
        quality=quality,
        error=error,
    )


def _unreadable(path: str, size: int, reason: str) -> FileHashes:
    return FileHashes(path, size, "", "", "", None, None, None, reason)


def _too_big(path: str, handle: BinaryIO, size: int, max_bytes: int, pdq: bool) -> FileHashes:
    """Digests of a file too big to hold in memory, streamed; its image part is refused."""
    digests = _Digests()
    head = b""
    while chunk := handle.read(_CHUNK):
        head = head or chunk
        digests.update(chunk)
    media_type = sniff(head)
    error = None
    if pdq:
        if media_type is not None and media_type.startswith("image/"):
            error = f"file too large to decode: {size:,} bytes exceeds the {max_bytes:,}-byte limit"
        else:
            error = f"not an image ({media_type})" if media_type else "not an image"
    return FileHashes(
        path,
        size,
        digests.md5.hexdigest(),
        digests.sha1.hexdigest(),
        digests.sha256.hexdigest(),
        media_type,
        None,
        None,
        error,
    )


def hash_file(
    path: str | os.PathLike[str],
    *,
    pdq: bool = True,
    max_pixels: int | None = None,
    max_bytes: int | None = None,
    exact: bool = False,
) -> FileHashes:
    """Hash a file, reading it into memory once (never raises for a bad or unreadable file).

    A file that cannot be read (missing, a directory, no permission, not a regular file) gives
    a result with empty-string digests and ``error`` set. Files over ``max_bytes`` (default: the
    ``max_upload_bytes`` setting) are streamed for their digests and get no PDQ.
    """
    name = os.fspath(path)
    limit = default_max_bytes() if max_bytes is None else max_bytes
    try:
        info = os.stat(name)  # noqa: PTH116 - str paths throughout, no Path round trip
        if stat.S_ISDIR(info.st_mode):
            return _unreadable(name, 0, "cannot read: is a directory")
        # Opening a FIFO or a device would block or never end.
        if not stat.S_ISREG(info.st_mode):
            return _unreadable(name, 0, "cannot read: not a regular file")
        with open(name, "rb") as handle:  # noqa: PTH123
            if info.st_size > limit:
                return _too_big(name, handle, info.st_size, limit, pdq)
            data = handle.read()
    except OSError as exc:
        return _unreadable(name, 0, f"cannot read: {exc.strerror or exc}")
    return hash_bytes(data, name, pdq=pdq, max_pixels=max_pixels, exact=exact)
