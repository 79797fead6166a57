"""Opening hash-list files: byte-order marks, empty files, and telling VICS from CSV."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

from nervecentre.errors import InputFileError

FORMATS = ("vics", "csv")
_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _check(path: Path) -> None:
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if not path.is_file():
        raise InputFileError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise InputFileError(f"{path}: the file is empty (0 bytes)")


def open_utf8(path: Path) -> BinaryIO:
    """The file opened for binary reading, positioned after a UTF-8 byte-order mark if any."""
    _check(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputFileError(f"{path}: cannot open: {exc.strerror}") from None
    head = handle.read(4)
    if head.startswith(_OTHER_BOMS):
        handle.close()
        raise InputFileError(f"{path}: the file is UTF-16 or UTF-32; save it as UTF-8")
    handle.seek(3 if head.startswith(_UTF8_BOM) else 0)
    return handle


def detect_format(path: Path) -> str:
    """'vics' when the file is JSON (starts with '{'), else 'csv'."""
    with open_utf8(path) as handle:
        head = handle.read(4096).lstrip()
    if not head:
        raise InputFileError(f"{path}: the file holds only blank space")
    return "vics" if head[:1] in (b"{", b"[") else "csv"


def file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, recorded with each import for traceability."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
    return digest.hexdigest(), path.stat().st_size
