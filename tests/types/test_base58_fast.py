"""Base58 decoding (digits by bytes.translate) agrees with a character-by-character reference."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nervecentre.types import _base58

ALPHABET = _base58.ALPHABET


def reference_int(text: str) -> int:
    number = 0
    for char in text:
        if char not in ALPHABET:
            raise ValueError(f"{char!r} is not a base58 character")
        number = number * 58 + ALPHABET.index(char)
    return number


def reference_monero(text: str) -> bytes:
    sizes = (0, 2, 3, 5, 6, 7, 9, 10, 11)
    if len(text) % 11 not in sizes:
        raise ValueError("length")
    out = b""
    for i in range(0, len(text), 11):
        block = text[i : i + 11]
        size = sizes.index(len(block))
        number = reference_int(block)
        if number >= 1 << (8 * size):
            raise ValueError("overflow")
        out += number.to_bytes(size, "big")
    return out


def _outcome(function: object, text: str) -> tuple[str, object]:
    try:
        return "ok", function(text)  # type: ignore[operator]
    except ValueError as exc:
        return "error", str(exc) if "base58 character" in str(exc) else "error"


# Look-alike characters that base58 leaves out (0 O I l), other scripts, full-width digits.
HOSTILE = "0OIl+/=-_ éОІ１\u200b\x00"


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=ALPHABET + HOSTILE, max_size=120))
def test_to_int_agrees(text: str) -> None:
    assert _outcome(_base58._to_int, text) == _outcome(reference_int, text)


@settings(max_examples=800, deadline=None)
@given(st.text(alphabet=ALPHABET + "0Il", min_size=90, max_size=110))
def test_monero_decode_agrees(text: str) -> None:
    got = _outcome(_base58.monero_decode, text)
    expected = _outcome(reference_monero, text)
    assert got[0] == expected[0]
    if got[0] == "ok":
        assert got == expected


def test_round_trips_on_random_payloads() -> None:
    rng = random.Random(58)
    for _ in range(500):
        payload = bytes([0] * rng.randrange(3)) + rng.randbytes(rng.randrange(1, 40))
        assert _base58.decode(_base58.encode(payload)) == payload
        monero = rng.randbytes(rng.choice([69, 77, 8, 13]))
        assert _base58.monero_decode(_base58.monero_encode(monero)) == monero


@pytest.mark.parametrize(
    "text", ["1BoatSLRHtKNngkdXEeobR76b53LETtpy0", "1Boat\u0405LRHtKNngkd", "ｌ"]
)
def test_the_first_bad_character_is_named(text: str) -> None:
    bad = next(c for c in text if c not in ALPHABET)
    with pytest.raises(ValueError, match=repr(bad)):
        _base58.decode(text)
