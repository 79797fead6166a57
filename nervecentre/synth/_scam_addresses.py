"""Synthetic indicators for the complaint corpus: addresses made by encoding random payloads.

Every address carries a correct checksum for a payload nobody holds a key to (random bytes
are not derived from any real wallet). Look-alikes change one character so that the checksum
no longer holds, as victims and filters mistype them.
"""

from __future__ import annotations

import random

import phonenumbers
from phonenumbers import PhoneNumberFormat

from nervecentre.synth._crypto import base58check, onion_v3
from nervecentre.synth._random import between, pick
from nervecentre.types import try_normalise
from nervecentre.types._base58 import monero_encode
from nervecentre.types._bech32 import encode_segwit
from nervecentre.types.crypto import eip55, keccak256

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_HEX = "0123456789abcdef"


def _bytes(rng: random.Random, n: int) -> bytes:
    return rng.getrandbits(8 * n).to_bytes(n, "big")


def btc(rng: random.Random) -> str:
    """A mainnet Bitcoin address: P2PKH, P2SH, P2WPKH, P2WSH or Taproot."""
    style = between(rng, 0, 9)
    if style <= 2:
        return base58check(b"\x00" + _bytes(rng, 20))
    if style <= 4:
        return base58check(b"\x05" + _bytes(rng, 20))
    if style <= 7:
        return encode_segwit("bc", 0, _bytes(rng, 20))
    if style == 8:
        return encode_segwit("bc", 0, _bytes(rng, 32))
    return encode_segwit("bc", 1, _bytes(rng, 32))


def ltc(rng: random.Random) -> str:
    """A Litecoin address: L… (P2PKH), M… (P2SH) or ltc1… (P2WPKH)."""
    style = between(rng, 0, 2)
    if style == 2:
        return encode_segwit("ltc", 0, _bytes(rng, 20))
    return base58check((b"\x30", b"\x32")[style] + _bytes(rng, 20))


def eth(rng: random.Random) -> str:
    """An Ethereum address, EIP-55 mixed case most of the time, lower case otherwise."""
    checksummed = eip55(_bytes(rng, 20).hex())
    return checksummed if rng.random() < 0.7 else checksummed.lower()


def trx(rng: random.Random) -> str:
    """A Tron address (T…, Base58Check version 0x41)."""
    return base58check(b"\x41" + _bytes(rng, 20))


def xmr(rng: random.Random) -> str:
    """A Monero standard (4…), integrated (4…, with payment id) or subaddress (8…)."""
    style = between(rng, 0, 5)
    tag, extra = (19, 8) if style == 5 else (42, 0) if style == 4 else (18, 0)
    data = bytes([tag]) + _bytes(rng, 64 + extra)
    return monero_encode(data + keccak256(data)[:4])


def onion(rng: random.Random) -> str:
    """A Tor v3 onion host (`….onion`) for a random 32-byte key."""
    return onion_v3(_bytes(rng, 32)) + ".onion"


CRYPTO = {"btc": btc, "ltc": ltc, "eth": eth, "trx": trx, "xmr": xmr}

_PHONE_REGIONS = ("GB", "US", "NG", "PK", "AE", "NP", "BD")


def phone(rng: random.Random, foreign: float = 0.15) -> str:
    """A valid mobile number in E.164: Indian mostly, sometimes another country's."""
    region = pick(rng, _PHONE_REGIONS) if rng.random() < foreign else "IN"
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None
    national = str(example.national_number)
    for _ in range(200):
        if region == "IN":
            digits = str(between(rng, 6, 9)) + "".join(str(between(rng, 0, 9)) for _ in range(9))
        else:
            keep = max(2, len(national) - 6)
            digits = national[:keep] + "".join(
                str(between(rng, 0, 9)) for _ in range(len(national) - keep)
            )
        number = phonenumbers.parse(f"+{example.country_code}{digits}")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    raise RuntimeError(f"no valid {region} number found")  # pragma: no cover


def lookalike(rng: random.Random, address: str) -> str:
    """`address` with one character changed so that it no longer validates."""
    body_start = 3 if address[:3].lower() in ("bc1", "0x") else 4 if address[:4] == "ltc1" else 1
    for _ in range(100):
        i = between(rng, body_start, len(address) - 1)
        char = address[i]
        if address.startswith("0x"):
            new = char.swapcase() if char.isalpha() and rng.random() < 0.5 else pick(rng, _HEX)
            if address[2:] == address[2:].lower():
                continue  # all-lower Ethereum has no checksum: any change is another address
        elif address[:3] in ("bc1", "ltc"):
            new = pick(rng, _BECH)
        else:
            new = pick(rng, _B58)
        if new == char:
            continue
        changed = address[:i] + new + address[i + 1 :]
        if try_normalise("crypto", changed) is None:
            return changed
    raise RuntimeError("no look-alike found")  # pragma: no cover


def checksummed_eth(rng: random.Random) -> str:
    """A mixed-case EIP-55 Ethereum address (look-alikes need a checksum to break)."""
    return eip55(_bytes(rng, 20).hex())
