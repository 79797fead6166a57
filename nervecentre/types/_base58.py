"""Base58 as Bitcoin uses it (with Base58Check), and Monero's 8-byte block variant."""

from __future__ import annotations

import hashlib

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
# Byte -> digit value, 255 for a byte outside the alphabet: bytes.translate maps a whole
# address in C, and the loop below then reads small integers (no dictionary per character).
_DIGITS = bytes(_INDEX.get(chr(b), 255) for b in range(256))
# Monero encodes each 8-byte block as 11 characters; a short last block of n bytes takes
# _XMR_SIZES[n] characters.
_XMR_SIZES = (0, 2, 3, 5, 6, 7, 9, 10, 11)


class ChecksumError(ValueError):
    """The text decodes but its checksum does not match: a character is wrong."""


def _digits(text: str) -> bytes:
    """Each character's base58 value, or ValueError naming the first that has none."""
    digits = text.encode("utf-8").translate(_DIGITS)
    if 255 in digits:
        char = next(c for c in text if c not in _INDEX)
        raise ValueError(f"{char!r} is not a base58 character")
    return digits


def _to_int(text: str) -> int:
    return _number(_digits(text))


def _number(digits: bytes) -> int:
    number = 0
    for digit in digits:
        number = number * 58 + digit
    return number


def _from_int(number: int, width: int = 0) -> str:
    chars = []
    while number:
        number, digit = divmod(number, 58)
        chars.append(ALPHABET[digit])
    return "".join(reversed(chars)).rjust(width, "1")


def decode(text: str) -> bytes:
    """Decode Bitcoin-style base58; each leading '1' is a zero byte."""
    number = _to_int(text)
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + number.to_bytes((number.bit_length() + 7) // 8, "big")


def encode(data: bytes) -> str:
    """Encode bytes as Bitcoin-style base58."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + _from_int(int.from_bytes(data, "big"))


def _double_sha256(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


def check_decode(text: str) -> bytes:
    """Decode Base58Check and return the payload (version byte included) without checksum."""
    raw = decode(text)
    if len(raw) < 5:
        raise ValueError("too short for Base58Check")
    payload, checksum = raw[:-4], raw[-4:]
    if _double_sha256(payload)[:4] != checksum:
        raise ChecksumError("Base58Check checksum mismatch")
    return payload


def check_encode(payload: bytes) -> str:
    """Encode payload with its 4-byte double-SHA-256 checksum."""
    return encode(payload + _double_sha256(payload)[:4])


def monero_decode(text: str) -> bytes:
    """Decode Monero block base58 (no checksum check here)."""
    if len(text) % 11 not in _XMR_SIZES:
        raise ValueError("invalid length for Monero base58")
    out = bytearray()
    for start in range(0, len(text), 11):
        block = _digits(text[start : start + 11])  # block by block: the first fault is named
        size = _XMR_SIZES.index(len(block))
        number = _number(block)
        if number >= 1 << (8 * size):
            raise ValueError("Monero base58 block overflows")
        out += number.to_bytes(size, "big")
    return bytes(out)


def monero_encode(data: bytes) -> str:
    """Encode bytes as Monero block base58."""
    parts = []
    for i in range(0, len(data), 8):
        block = data[i : i + 8]
        parts.append(_from_int(int.from_bytes(block, "big"), _XMR_SIZES[len(block)]))
    return "".join(parts)
