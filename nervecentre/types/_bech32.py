"""Bech32 / Bech32m (BIP-173, BIP-350) and Bitcoin Cash CashAddr, written from the specs."""

from __future__ import annotations

import enum

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_INDEX = {c: i for i, c in enumerate(CHARSET)}
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
_CASHADDR_GENERATOR = (0x98F2BC8E61, 0x79B76D99E2, 0xF33E5FB3C4, 0xAE2EABE2A8, 0x1E4F43E470)


class Encoding(enum.Enum):
    """Which checksum constant a string verifies against."""

    BECH32 = 1
    BECH32M = 0x2BC830A3


# Iterating an Enum class is slow; the checksum constants are looked up in a dict instead.
_BY_CONSTANT = {encoding.value: encoding for encoding in Encoding}


class ChecksumError(ValueError):
    """The string is well formed but its checksum verifies as neither Bech32 nor Bech32m."""


def _xor_of(generators: tuple[int, ...], top: int) -> int:
    out = 0
    for i, gen in enumerate(generators):
        if (top >> i) & 1:
            out ^= gen
    return out


# The generators XORed for each value of the bits shifted out (one lookup per character
# instead of five tests: the same polynomial, several times faster in Python).
_TABLE = tuple(_xor_of(_GENERATOR, top) for top in range(32))
_CASHADDR_TABLE = tuple(_xor_of(_CASHADDR_GENERATOR, top) for top in range(32))


def _polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        check = ((check & 0x1FFFFFF) << 5 ^ value) ^ _TABLE[check >> 25]
    return check


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _split(
    text: str, sep_char: str, max_length: int, checksum_length: int
) -> tuple[str, list[int]]:
    """Check characters and case, split at the last separator, map data to 5-bit values."""
    if not text.isascii() or not text.isprintable() or " " in text:
        raise ValueError("character out of range")
    if text.lower() != text and text.upper() != text:
        raise ValueError("mixes upper and lower case")
    text = text.lower()
    if len(text) > max_length:
        raise ValueError("too long")
    sep = text.rfind(sep_char)
    if sep < 1:
        raise ValueError("no human-readable prefix")
    if sep + 1 + checksum_length > len(text):
        raise ValueError("checksum too short")
    part = text[sep + 1 :]
    wrong = set(part).difference(_INDEX)
    if wrong:
        raise ValueError(f"{min(wrong)!r} is not a bech32 character")
    return text[:sep], [_INDEX[char] for char in part]


def decode(text: str) -> tuple[str, list[int], Encoding]:
    """Decode a Bech32 or Bech32m string into (hrp, data without checksum, encoding)."""
    hrp, data = _split(text, "1", 90, 6)
    encoding = _BY_CONSTANT.get(_polymod(_hrp_expand(hrp) + data))
    if encoding is None:
        raise ChecksumError("bech32 checksum mismatch")
    return hrp, data[:-6], encoding


def encode(hrp: str, data: list[int], encoding: Encoding) -> str:
    """Encode 5-bit `data` under `hrp` with the checksum of `encoding`."""
    check = _polymod([*_hrp_expand(hrp), *data, 0, 0, 0, 0, 0, 0]) ^ encoding.value
    checksum = [(check >> 5 * (5 - i)) & 31 for i in range(6)]
    return hrp + "1" + "".join(CHARSET[d] for d in data + checksum)


def convertbits(data: list[int] | bytes, frombits: int, tobits: int, pad: bool) -> list[int]:
    """Regroup bits; without `pad`, leftover bits must be fewer than `frombits` and zero."""
    if data and (min(data) < 0 or max(data) >> frombits):
        raise ValueError("value out of range")
    acc = 0
    for value in data:  # one big integer, then cut: no per-bit bookkeeping in Python
        acc = acc << frombits | value
    bits = len(data) * frombits
    if pad:
        extra = -bits % tobits
        acc, bits = acc << extra, bits + extra
    else:
        rest = bits % tobits
        if rest >= frombits or acc & ((1 << rest) - 1):
            raise ValueError("invalid padding")
        acc, bits = acc >> rest, bits - rest
    maxv = (1 << tobits) - 1
    return [(acc >> shift) & maxv for shift in range(bits - tobits, -1, -tobits)]


def decode_segwit(text: str) -> tuple[str, int, bytes, Encoding]:
    """Decode a segwit address into (hrp, witness version, program, encoding), BIP-173/350."""
    hrp, data, encoding = decode(text)
    if not data:
        raise ValueError("empty data section")
    version = data[0]
    if version > 16:
        raise ValueError("invalid witness version")
    program = bytes(convertbits(data[1:], 5, 8, False))
    if not 2 <= len(program) <= 40:
        raise ValueError("invalid witness program length")
    if version == 0 and len(program) not in (20, 32):
        raise ValueError("a version 0 witness program must be 20 or 32 bytes")
    expected = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    if encoding is not expected:
        raise ChecksumError(
            f"witness version {version} needs a {expected.name.lower()} checksum, "
            f"not {encoding.name.lower()}"
        )
    return hrp, version, program, encoding


def encode_segwit(hrp: str, version: int, program: bytes) -> str:
    """Encode a segwit address (Bech32 for version 0, Bech32m for 1 and up)."""
    encoding = Encoding.BECH32 if version == 0 else Encoding.BECH32M
    return encode(hrp, [version, *convertbits(program, 8, 5, True)], encoding)


def _cashaddr_polymod(values: list[int]) -> int:
    check = 1
    for value in values:
        check = ((check & 0x07FFFFFFFF) << 5 ^ value) ^ _CASHADDR_TABLE[check >> 35]
    return check ^ 1


def decode_cashaddr(text: str) -> tuple[str, int, bytes]:
    """Decode `prefix:payload` into (prefix, version byte, hash)."""
    prefix, data = _split(text, ":", 112, 8)
    if _cashaddr_polymod([ord(c) & 31 for c in prefix] + [0] + data):
        raise ChecksumError("cashaddr checksum mismatch")
    payload = bytes(convertbits(data[:-8], 5, 8, False))
    if not payload:
        raise ValueError("empty payload")
    version, digest = payload[0], payload[1:]
    sizes = (20, 24, 28, 32, 40, 48, 56, 64)
    if version & 0x80 or len(digest) != sizes[version & 7]:
        raise ValueError("hash length does not match the version byte")
    return prefix, version, digest


def encode_cashaddr(prefix: str, version: int, digest: bytes) -> str:
    """Encode a CashAddr address with its 40-bit checksum."""
    data = convertbits(bytes([version]) + digest, 8, 5, True)
    check = _cashaddr_polymod([ord(c) & 31 for c in prefix] + [0] + data + [0] * 8)
    checksum = [(check >> 5 * (7 - i)) & 31 for i in range(8)]
    return prefix + ":" + "".join(CHARSET[d] for d in data + checksum)
