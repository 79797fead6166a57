"""Property tests: a generated valid address is found inside noise; one changed character is
never found unless the changed text still validates."""

from __future__ import annotations

import random

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nervecentre.scams.indicators import check, find_indicators
from nervecentre.synth import _scam_addresses as wallets

CHAINS = sorted(wallets.CRYPTO)
NOISE = st.text(
    alphabet=st.sampled_from(list("abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,:;!?\n-()@#/")),
    max_size=200,
)


def _value(kind: str, address: str) -> str:
    return address.lower() if kind == "eth" or address[:3] in ("bc1", "ltc") else address


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CHAINS), st.integers(0, 2**32), NOISE, NOISE)
def test_a_valid_address_is_found_inside_noise(
    kind: str, seed: int, before: str, after: str
) -> None:
    address = wallets.CRYPTO[kind](random.Random(seed))
    text = f"{before} {address} {after}"
    found = {(i.kind, i.value) for i in find_indicators(text)}
    assert (kind, _value(kind, address)) in found


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(CHAINS), st.integers(0, 2**32), st.data())
def test_one_changed_character_is_never_found_unless_it_validates(
    kind: str, seed: int, data: st.DataObject
) -> None:
    address = wallets.CRYPTO[kind](random.Random(seed))
    i = data.draw(st.integers(3, len(address) - 1))
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    if address.startswith("0x"):
        alphabet = "0123456789abcdefABCDEF"
    elif address[:3] in ("bc1", "ltc"):
        alphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
    new = data.draw(st.sampled_from(alphabet))
    changed = address[:i] + new + address[i + 1 :]
    found = [(k, v) for k, v in ((j.kind, j.value) for j in find_indicators(f"pay {changed} now"))]
    if changed == address:
        return
    for found_kind, value in found:
        # Anything reported must validate on its own: never a broken checksum.
        assert check(found_kind, value) == value
    if kind != "eth" or changed[2:] != changed[2:].lower():
        assert (kind, _value(kind, changed)) not in found or check(kind, changed) is not None


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32), st.integers(4, 30))
def test_a_wrapped_address_is_rejoined(seed: int, at: int) -> None:
    address = wallets.CRYPTO["xmr"](random.Random(seed))
    text = f"Monero:\n{address[:at]}\n{address[at:]}\nthanks"
    assert ("xmr", address) in {(i.kind, i.value) for i in find_indicators(text)}


SEPARATORS = [" ", "\n", "\n> ", " - ", "  ", "\r\n"]
# What may follow the last piece: words and numbers with characters no address of the chain
# has (0 O I l, punctuation), which must stop the rejoining without losing the address.
AFTER = ["\nthanks", " now. 1500 rupees", "\nOk", " 10l0 IOU", "\n\n-- sent from my phone"]


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(CHAINS),
    st.integers(0, 2**32),
    st.lists(st.integers(5, 90), min_size=1, max_size=3),
    st.sampled_from(SEPARATORS),
    st.sampled_from(AFTER),
)
def test_a_split_address_is_rejoined(
    kind: str, seed: int, cuts: list[int], separator: str, after: str
) -> None:
    address = wallets.CRYPTO[kind](random.Random(seed))
    points = sorted({c for c in cuts if c < len(address) - 1})
    pieces = [address[a:b] for a, b in zip([0, *points], [*points, len(address)], strict=True)]
    # Pieces are rejoined from a first piece that does not read as a word: one with a digit,
    # or a capital after its first letter (a split inside 'ltc1' or 'bc1' is not followed).
    first = pieces[0]
    assume(first[0].isdigit() or any(c.isdigit() or c.isupper() for c in first[1:]))
    text = f"Send 1800 now to{separator}{separator.join(pieces)}{after}"
    found = {(i.kind, i.value) for i in find_indicators(text)}
    if kind == "btc" and address[:3] == "bc1" and len(pieces) > 1:
        # Rejoined bech32 is read only at witness-program lengths: those of real addresses.
        assert len(address) - address.index("1") - 1 in (39, 59)
    assert (kind, _value(kind, address)) in found
