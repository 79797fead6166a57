"""Media types from magic bytes, and image dimensions read straight from a few headers.

Sniffing never trusts a file name: seized media and crawled URLs lie about extensions.
"""

from __future__ import annotations

import re
import struct

# (offset, magic, media type); first match wins, so longer and more specific magics come first.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"II+\x00", "image/tiff"),
    (0, b"MM\x00+", "image/tiff"),
    (0, b"\x00\x00\x01\x00", "image/vnd.microsoft.icon"),
    (0, b"\x00\x00\x00\x0cjP  \r\n\x87\n", "image/jp2"),
    (0, b"\xff\x4f\xff\x51", "image/jp2"),
    (0, b"8BPS", "image/vnd.adobe.photoshop"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"PK\x03\x04", "application/zip"),
    (0, b"\x1f\x8b", "application/gzip"),
    (0, b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (0, b"Rar!\x1a\x07", "application/vnd.rar"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),
    (0, b"SQLite format 3\x00", "application/vnd.sqlite3"),
    (0, b"\x7fELF", "application/x-executable"),
    (0, b"MZ", "application/vnd.microsoft.portable-executable"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"OggS", "application/ogg"),
    (0, b"fLaC", "audio/flac"),
    (0, b"FLV\x01", "video/x-flv"),
)
_BMP_HEADER_SIZES = {n.to_bytes(4, "little") for n in (12, 16, 40, 52, 56, 64, 108, 124)}
_RIFF = {b"WEBP": "image/webp", b"AVI ": "video/x-msvideo", b"WAVE": "audio/wav"}
# ISO base media (ftyp box) brands: still images first, everything else is video.
_FTYP_IMAGE = {
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"heim": "image/heic",
    b"heis": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
}
_FTYP_OTHER = {b"qt  ": "video/quicktime", b"M4A ": "audio/mp4"}
_NETPBM = re.compile(rb"P[1-6][ \t\r\n]")
_SVG = re.compile(rb"<svg[\s>]", re.IGNORECASE)


def sniff(data: bytes) -> str | None:
    """The media type named by the data's leading bytes, or None when unknown."""
    head = data[:64]
    for offset, magic, media_type in _MAGIC:
        if head.startswith(magic, offset):
            return media_type
    # "BM" alone is too common at the start of text, so also require a known DIB header size.
    if head[:2] == b"BM" and head[14:18] in _BMP_HEADER_SIZES:
        return "image/bmp"
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return _RIFF[head[8:12]]
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return _FTYP_IMAGE.get(brand) or _FTYP_OTHER.get(brand, "video/mp4")
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm" if b"webm" in head else "video/x-matroska"
    if _NETPBM.match(head):
        return "image/x-portable-anymap"
    if _SVG.search(data[:1024]):
        return "image/svg+xml"
    return None


def header_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) claimed by a JPEG, PNG, GIF, BMP or WebP header, decoding nothing.

    Used only to word a decompression-bomb message when Pillow refuses the file itself.
    """
    try:
        if data.startswith(b"\xff\xd8"):
            return _jpeg_dimensions(data)
        if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        if data[:6] in (b"GIF87a", b"GIF89a"):
            width, height = struct.unpack("<HH", data[6:10])
            return width, height
        if data.startswith(b"BM"):
            width, height = struct.unpack("<ii", data[18:26])
            return abs(width), abs(height)
        if data[:4] == b"RIFF" and data[8:16] == b"WEBPVP8X":
            width = int.from_bytes(data[24:27], "little") + 1
            height = int.from_bytes(data[27:30], "little") + 1
            return width, height
    except struct.error:
        return None
    return None


# Start-of-frame markers (baseline, progressive, lossless...); not DHT (C4), JPG (C8), DAC (CC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    position = 2
    while position + 9 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length
    return None
