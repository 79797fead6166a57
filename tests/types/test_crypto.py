"""Crypto addresses: chain detection and checksums, against published vectors and our encoders."""

from __future__ import annotations

import random

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.types import _base58 as b58
from nervecentre.types import _bech32 as bech32
from nervecentre.types import normalise
from nervecentre.types.crypto import eip55, keccak256

GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
GENESIS_HASH160 = "62e907b15cbf27d5425399ebf6f0fb50ebb88f18"
EIP55_EXAMPLES = (
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
)
USDT_TRC20 = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
MONERO_GENERAL_FUND = (
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSs"
    "aBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
)
CASHADDR = "bitcoincash:qpm2qsznhks23z7629mms6s4cwef74vcwvy22gdx6a"
CASHADDR_LEGACY = "1BpEi6DfDAUFd7GtittLSdBeYJvcoaVggu"

rng = random.Random(20240611)


def random_bytes(n: int) -> bytes:
    return bytes(rng.randrange(256) for _ in range(n))


def flip_base58(address: str, position: int) -> str:
    """Flip one ASCII bit (the case bit) of a letter, keeping it a base58 character."""
    for i in list(range(position, len(address))) + list(range(position)):
        swapped = address[i].swapcase()
        if swapped != address[i] and swapped in b58.ALPHABET:
            return address[:i] + swapped + address[i + 1 :]
    raise AssertionError("no flippable character")


def flip_bech32(address: str, position: int) -> str:
    """Flip the lowest bit of one 5-bit data symbol."""
    symbol = bech32.CHARSET.index(address[position])
    return address[:position] + bech32.CHARSET[symbol ^ 1] + address[position + 1 :]


def xmr_address(tag: int, body: bytes) -> str:
    data = bytes([tag]) + body
    return b58.monero_encode(data + keccak256(data)[:4])


# Published addresses.


def test_bitcoin_genesis_address() -> None:
    value = normalise("crypto", GENESIS)
    assert value.value == GENESIS
    assert value.extra == {"chain": "BTC", "network": "mainnet", "type": "p2pkh"}
    assert b58.check_decode(GENESIS).hex() == "00" + GENESIS_HASH160
    assert b58.check_encode(bytes.fromhex("00" + GENESIS_HASH160)) == GENESIS


@pytest.mark.parametrize("position", [1, 10, 20, 33])
def test_bitcoin_genesis_with_one_bit_flipped_is_rejected(position: int) -> None:
    with pytest.raises(InvalidValue, match="fails its checksum"):
        normalise("crypto", flip_base58(GENESIS, position))


@pytest.mark.parametrize(
    ("address", "program", "network", "kind"),
    [
        (
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "751e76e8199196d454941c45d1b3a323f1433bd6",
            "mainnet",
            "p2wpkh",
        ),
        (
            "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
            "1863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262",
            "testnet",
            "p2wsh",
        ),
        (
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
            "mainnet",
            "p2tr",
        ),
        ("BC1SW50QGDZ25J", "751e", "mainnet", "witness_v16"),
        (
            "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs",
            "751e76e8199196d454941c45d1b3a323",
            "mainnet",
            "witness_v2",
        ),
    ],
)
def test_bip173_bip350_valid_vectors(address: str, program: str, network: str, kind: str) -> None:
    value = normalise("crypto", address)
    assert value.value == address.lower()
    assert value.extra == {"chain": "BTC", "network": network, "type": kind}
    assert bech32.decode_segwit(address)[2].hex() == program


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "bech32m checksum"),
        ("BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", "bech32m checksum"),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "needs a bech32 checksum"),
        ("tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", "needs a bech32 "),
        ("bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "bech32 character"),
        ("BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", "witness version"),
        ("bc1pw5dgrnzv", "program length"),
        ("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", "20 or 32 bytes"),
        ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", "mixes upper"),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", "padding"),
        ("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", "padding"),
        ("bc1gmk9yu", "empty data"),
        ("tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", "shape"),
    ],
)
def test_bip350_invalid_vectors(address: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        normalise("crypto", address)


@pytest.mark.parametrize(
    "text",
    [
        "A1LQFN3A",
        "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
        "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
        "?1v759aa",
    ],
)
def test_bip350_bech32m_strings(text: str) -> None:
    assert bech32.decode(text)[2] is bech32.Encoding.BECH32M


@pytest.mark.parametrize("text", ["M1VUXWEZ", "in1muywd", "1qyrz8wqd2c9m", "qyrz8wqd2c9m"])
def test_bip350_invalid_bech32m_strings(text: str) -> None:
    with pytest.raises(ValueError):
        bech32.decode(text)


@pytest.mark.parametrize("address", EIP55_EXAMPLES)
def test_eip55_examples(address: str) -> None:
    assert normalise("crypto", address).value == address
    assert normalise("crypto", address.lower()).value == address
    assert normalise("crypto", "0x" + address[2:].upper()).value == address
    assert eip55(address[2:].lower()) == address


@pytest.mark.parametrize("address", EIP55_EXAMPLES)
def test_eip55_with_one_case_bit_flipped_is_rejected(address: str) -> None:
    position = next(i for i, c in enumerate(address) if i > 1 and c.isalpha())
    flipped = address[:position] + address[position].swapcase() + address[position + 1 :]
    with pytest.raises(InvalidValue, match="fails its checksum"):
        normalise("crypto", flipped)


def test_tron_usdt_contract() -> None:
    value = normalise("crypto", USDT_TRC20)
    assert value.extra == {"chain": "TRX", "network": "mainnet", "type": "account"}
    with pytest.raises(InvalidValue, match="checksum"):
        normalise("crypto", flip_base58(USDT_TRC20, 5))


def test_monero_general_fund_address() -> None:
    value = normalise("crypto", MONERO_GENERAL_FUND)
    assert value.extra == {"chain": "XMR", "network": "mainnet", "type": "standard"}
    with pytest.raises(InvalidValue, match="checksum"):
        normalise("crypto", flip_base58(MONERO_GENERAL_FUND, 40))


def test_cashaddr_matches_its_legacy_address() -> None:
    value = normalise("crypto", CASHADDR.upper())
    assert value.value == CASHADDR
    assert value.extra == {"chain": "BCH", "network": "mainnet", "type": "p2pkh"}
    assert normalise("crypto", CASHADDR.split(":")[1]).value == CASHADDR
    digest = bech32.decode_cashaddr(CASHADDR)[2]
    assert b58.check_decode(CASHADDR_LEGACY) == b"\x00" + digest
    assert normalise("crypto", CASHADDR_LEGACY, chain="BCH").extra["chain"] == "BCH"
    with pytest.raises(InvalidValue, match="checksum"):
        normalise("crypto", flip_bech32(CASHADDR, 20))


# Addresses built here from random keys with our own encoders.


@pytest.mark.parametrize(
    ("version", "chain", "network", "kind", "first"),
    [
        (0x00, "BTC", "mainnet", "p2pkh", "1"),
        (0x05, "BTC", "mainnet", "p2sh", "3"),
        (0x6F, "BTC", "testnet", "p2pkh", "mn"),
        (0xC4, "BTC", "testnet", "p2sh", "2"),
        (0x30, "LTC", "mainnet", "p2pkh", "L"),
        (0x32, "LTC", "mainnet", "p2sh", "M"),
        (0x1E, "DOGE", "mainnet", "p2pkh", "D"),
        (0x41, "TRX", "mainnet", "account", "T"),
    ],
)
def test_constructed_base58_addresses(
    version: int, chain: str, network: str, kind: str, first: str
) -> None:
    for _ in range(5):
        address = b58.check_encode(bytes([version]) + random_bytes(20))
        assert address[0] in first
        value = normalise("crypto", address)
        assert value.value == address
        assert value.extra == {"chain": chain, "network": network, "type": kind}
        with pytest.raises(InvalidValue, match="checksum"):
            normalise("crypto", flip_base58(address, 12))


@pytest.mark.parametrize(
    ("hrp", "version", "size", "chain", "kind"),
    [
        ("bc", 0, 20, "BTC", "p2wpkh"),
        ("bc", 0, 32, "BTC", "p2wsh"),
        ("bc", 1, 32, "BTC", "p2tr"),
        ("tb", 1, 32, "BTC", "p2tr"),
        ("ltc", 0, 20, "LTC", "p2wpkh"),
    ],
)
def test_constructed_segwit_addresses(
    hrp: str, version: int, size: int, chain: str, kind: str
) -> None:
    for _ in range(5):
        address = bech32.encode_segwit(hrp, version, random_bytes(size))
        value = normalise("crypto", address.upper())
        assert value.value == address
        assert value.extra["chain"] == chain
        assert value.extra["type"] == kind
        with pytest.raises(InvalidValue, match="checksum"):
            normalise("crypto", flip_bech32(address, len(hrp) + 8))


@pytest.mark.parametrize(
    ("version", "wrong"), [(0, bech32.Encoding.BECH32M), (1, bech32.Encoding.BECH32)]
)
def test_segwit_with_the_other_checksum_is_rejected(version: int, wrong: bech32.Encoding) -> None:
    program = random_bytes(32)
    data = [version, *bech32.convertbits(program, 8, 5, True)]
    right = bech32.encode_segwit("bc", version, program)
    mismatched = bech32.encode("bc", data, wrong)
    assert normalise("crypto", right).value == right
    with pytest.raises(InvalidValue, match="needs a bech32"):
        normalise("crypto", mismatched)


@pytest.mark.parametrize(
    ("tag", "size", "first", "network", "kind", "length"),
    [
        (18, 64, "4", "mainnet", "standard", 95),
        (42, 64, "8", "mainnet", "subaddress", 95),
        (19, 72, "4", "mainnet", "integrated", 106),
        (53, 64, "9AB", "testnet", "standard", 95),
    ],
)
def test_constructed_monero_addresses(
    tag: int, size: int, first: str, network: str, kind: str, length: int
) -> None:
    address = xmr_address(tag, random_bytes(size))
    assert len(address) == length
    assert address[0] in first
    assert b58.monero_decode(address)[0] == tag
    value = normalise("crypto", address)
    assert value.extra == {"chain": "XMR", "network": network, "type": kind}
    with pytest.raises(InvalidValue, match="checksum"):
        normalise("crypto", flip_base58(address, 50))


def test_monero_integrated_tag_with_standard_length_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="wrong length"):
        normalise("crypto", xmr_address(19, random_bytes(64)))


# Hints, URIs and garbage.


def test_chain_hint_restricts() -> None:
    assert normalise("crypto", USDT_TRC20, chain="trc20").extra["chain"] == "TRX"
    assert normalise("crypto", GENESIS, chain="Bitcoin").extra["chain"] == "BTC"
    with pytest.raises(InvalidValue, match="is a Bitcoin address, not Ethereum"):
        normalise("crypto", GENESIS, chain="ETH")
    with pytest.raises(InvalidValue, match="unknown chain"):
        normalise("crypto", GENESIS, chain="SOL")


def test_legacy_p2sh_shared_with_litecoin_follows_the_hint() -> None:
    address = b58.check_encode(b"\x05" + random_bytes(20))
    assert normalise("crypto", address).extra["chain"] == "BTC"
    assert normalise("crypto", address, chain="LTC").extra["chain"] == "LTC"


@pytest.mark.parametrize(
    ("uri", "value"),
    [
        (f"bitcoin:{GENESIS}?amount=0.05&label=pay", GENESIS),
        (f"BITCOIN:{GENESIS}", GENESIS),
        (f"ethereum:{EIP55_EXAMPLES[0].lower()}@1", EIP55_EXAMPLES[0]),
        (f"tron:{USDT_TRC20}", USDT_TRC20),
    ],
)
def test_payment_uris(uri: str, value: str) -> None:
    assert normalise("crypto", uri).value == value


def test_payment_uri_for_another_chain_is_refused() -> None:
    with pytest.raises(InvalidValue, match="Ethereum payment link"):
        normalise("crypto", f"ethereum:{EIP55_EXAMPLES[0]}", chain="BTC")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "40 hexadecimal"),
        ("0xZZZeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "40 hexadecimal"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7Div0Na", "not a base58 character"),
        ("1A1zP1eP 5QGefi2DMPTfTL5SLmv7DivfNa", "space"),
        ("hello", "shape"),
        ("' OR 1=1 --", "space"),
    ],
)
def test_rejections_say_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        normalise("crypto", raw)


def test_unknown_base58_version_is_rejected() -> None:
    with pytest.raises(InvalidValue, match="version byte"):
        normalise("crypto", b58.check_encode(b"\x99" + random_bytes(20)))
