"""Indicator extraction: per-kind valid and invalid vectors, normalisation, negatives."""

from __future__ import annotations

import time

import pytest

from nervecentre.scams.indicators import KINDS, Indicator, check, find_indicators


def pairs(text: str) -> list[tuple[str, str]]:
    return [(i.kind, i.value) for i in find_indicators(text)]


VALID = [
    # BIP-173 (bech32, witness v0) and BIP-350 (bech32m, v1+) mainnet vectors.
    (
        "btc",
        "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
    ),
    (
        "btc",
        "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
        "bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3",
    ),
    (
        "btc",
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
        "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
    ),
    ("btc", "BC1SW50QGDZ25J", "bc1sw50qgdz25j"),
    # Base58Check P2PKH and P2SH (kept as written: base58 is case-sensitive).
    ("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"),
    ("btc", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"),
    # EIP-55 vectors, and an all-lower address (no checksum to check); value lower-case.
    (
        "eth",
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
    ),
    (
        "eth",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359",
    ),
    (
        "eth",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb",
    ),
    (
        "eth",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
        "0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb",
    ),
    (
        "eth",
        "0xde709f2102306220921060314715629080e2fb77",
        "0xde709f2102306220921060314715629080e2fb77",
    ),
    (
        "onion",
        "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
        "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
    ),
    ("phone", "+91 98765 43210", "+919876543210"),
    ("phone", "098765-43210", "+919876543210"),
    ("phone", "+44 7400 123456", "+447400123456"),
    ("phone", "+1 201-555-0123", "+12015550123"),
    ("upi", "Ravi.K@OKSBI", "ravi.k@oksbi"),
    ("upi", "9876543210@ybl", "9876543210@ybl"),
    ("email", "Ravi.Kumar@Example.CO.IN", "ravi.kumar@example.co.in"),
    ("url", "HTTPS://Evil.EXAMPLE/Pay?Id=7", "https://evil.example/Pay?Id=7"),
    ("url", "www.example.com/x", "http://www.example.com/x"),
]

INVALID = [
    "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",  # v1 with a bech32 checksum
    "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL",  # v16 with bech32
    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",  # v0 with a bech32m checksum
    "bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du",  # padding over 4 bits
    "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P",  # a 16-byte v0 program
    "bc1gmk9yu",  # empty data
    "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx",  # testnet is not money
    "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3",  # one character changed
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD",  # EIP-55 case broken
    "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczae.onion",  # onion checksum
    "ravi@unknownbank",  # not a known payment provider
    "12345",
]


@pytest.mark.parametrize(("kind", "written", "value"), VALID)
def test_valid_vectors_are_found_and_normalised(kind: str, written: str, value: str) -> None:
    assert (kind, value) in pairs(f"Pay to {written} today.")
    assert check(kind, written) == value


@pytest.mark.parametrize("written", INVALID)
def test_invalid_vectors_are_not_indicators(written: str) -> None:
    found = [p for p in pairs(f"Pay to {written} today.") if p[0] not in ("phone",)]
    assert found == []
    assert all(check(kind, written) is None for kind in KINDS if kind != "url")


def test_each_chain_is_told_apart() -> None:
    from nervecentre.synth import _scam_addresses as wallets
    from nervecentre.synth._random import rng_for

    rng = rng_for(1, "test")
    for kind, make in wallets.CRYPTO.items():
        address = make(rng)
        value = address.lower() if kind == "eth" or address[:3] in ("bc1", "ltc") else address
        assert pairs(f"wallet: {address}") == [(kind, value)]


def test_dedup_in_order_of_first_appearance_with_offsets() -> None:
    text = "mail x@example.com, pay 9876543210@ybl, then X@EXAMPLE.COM and 9876543210@YBL again"
    found = find_indicators(text)
    assert [(i.kind, i.value) for i in found] == [
        ("email", "x@example.com"),
        ("upi", "9876543210@ybl"),
    ]
    assert text[found[0].start : found[0].end] == "x@example.com"
    assert found[1].span == (24, 38)
    assert isinstance(found[0], Indicator)
    with pytest.raises(AttributeError):
        found[0].value = "y"  # type: ignore[misc]


def test_onion_url_gives_url_and_onion() -> None:
    host = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion"
    assert pairs(f"see http://{host.upper()}/pay now") == [
        ("url", f"http://{host}/pay"),
        ("onion", host),
    ]


NEGATIVES = [
    "tx 4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b confirmed",
    "TxID 0x4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 and md5 d41d8cd98f00b204e9800998ecf8427e",
    "commit 5aaeb6053f3e94c9b9a09f33669435e7ef1beaed (5aaeb60)",
    "Invoice No. INV-2024-001234, order ID 9876543210, Ref REF12345678, UTR 412345678901",
    "Transaction ID: 9123456780. Do not share your OTP 123456.",
    "uuid 123e4567-e89b-12d3-a456-426614174000, block 0000000000000000000a1b2c3d4e5f",
    "call me at 10:30 on 12/05/2026, amount Rs. 25,000, 0.0512 BTC",
    "base64 SGVsbG8gV29ybGQhIFRoaXMgaXMgbm90IGFuIGFkZHJlc3MgMUJ2Qk1TRVlzdFdldHFURm4=",
    "Hello Mister Tom, Love from Thane, Monday 3rd March",
    "the hash 0x" + "ab" * 32 + " is a transaction, not 0x + 40",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_hashes_ids_and_references_are_not_indicators(text: str) -> None:
    assert pairs(text) == []


def test_a_hash_in_groups_is_not_cut_into_an_address() -> None:
    digest = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
    grouped = "0x" + " ".join(digest[i : i + 8] for i in range(0, 64, 8))
    assert pairs(f"txid {grouped} done") == []


def test_several_phones_in_one_run_are_split() -> None:
    assert pairs("call 98765 43210 / 91234 56789") == [
        ("phone", "+919876543210"),
        ("phone", "+919123456789"),
    ]


def test_default_region_reads_national_numbers() -> None:
    found = find_indicators("ring 07400 123456", default_region="GB")
    assert [(i.kind, i.value) for i in found] == [("phone", "+447400123456")]


def test_empty_and_hostile_input() -> None:
    assert find_indicators("") == []
    assert find_indicators("<" * 10_000 + "[" * 10_000) == []
    big = ("lorem ipsum 1234 0xdeadbeef bc1 Tx " * 30_000) + "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
    started = time.perf_counter()
    assert pairs(big) == [("btc", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")]
    assert time.perf_counter() - started < 30  # linear, not quadratic, on a 1 MB text
    with pytest.raises(ValueError, match="unknown indicator kind"):
        check("iban", "x")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tel:+919876543210", [("phone", "+919876543210")]),
        ("Contact:-9876543210", [("phone", "+919876543210")]),
        ("Mob.9876543210", [("phone", "+919876543210")]),
        ("9876543210/9123456789", [("phone", "+919876543210"), ("phone", "+919123456789")]),
        (
            "https://wa.me/919876543210",
            [("url", "https://wa.me/919876543210"), ("phone", "+919876543210")],
        ),
        ("INV-2024001234", []),
        ("call 0044 7400 123456", [("phone", "+447400123456")]),
        ("कॉल करो 9876543210पर", [("phone", "+919876543210")]),
        ("9 8 7 6 5 4 3 2 1 0", [("phone", "+919876543210")]),
        ("UTR 412345678901 and 412345678901", []),
        (
            "https://x.example/orders/9876543210/x",
            [("url", "https://x.example/orders/9876543210/x")],
        ),
    ],
)
def test_phone_boundaries(text: str, expected: list[tuple[str, str]]) -> None:
    assert pairs(text) == expected


def test_a_url_is_kept_as_written_nothing_added() -> None:
    assert pairs("see https://Evil.example now") == [("url", "https://evil.example")]
    assert pairs("see https://evil.example/ now") == [("url", "https://evil.example/")]


def test_defanged_host_without_scheme_is_a_url() -> None:
    assert pairs("visit evil-site[.]com/pay now") == [("url", "http://evil-site.com/pay")]
    assert pairs("end of the sentence[.] Next one") == []


def test_unknown_upi_handle_counts_only_when_the_text_says_upi() -> None:
    assert pairs("UPI: ravi@newbank") == [("upi", "ravi@newbank")]
    assert pairs("write to ravi@newbank") == []


def test_shared_p2sh_version_follows_the_coin_named_before_it() -> None:
    address = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"
    assert pairs(f"Send Litecoin (LTC) to {address}") == [("ltc", address)]
    assert pairs(f"Bitcoin only: {address}") == [("btc", address)]
    assert pairs(f"LTC accepted, but pay bitcoin to {address}") == [("btc", address)]


@pytest.mark.parametrize(
    "text",
    [
        "1 " * 50_000,  # one long run of digit groups
        "[.]" * 50_000,  # defanged dots with nothing around
        "a[.]" * 50_000,
        "hxxp://" * 20_000,  # URL marks inside one candidate
        "x@" + "a." * 50_000,
        "4Abc " * 20_000,  # pieces that could start a Monero address
        "<p>" * 50_000,
        "1\u200b" * 50_000,
    ],
)
def test_hostile_text_costs_linear_time(text: str) -> None:
    started = time.process_time()
    find_indicators(text)
    # Quadratic behaviour on 100-350 KB takes minutes; linear takes well under a second.
    assert time.process_time() - started < 10


def test_an_invalid_international_number_is_not_split_into_a_national_one() -> None:
    found = [(i.kind, i.value) for i in find_indicators("call +44 7700 900123 now")]
    assert ("phone", "+917700900123") not in found
    assert [(i.kind, i.value) for i in find_indicators("+44 7911 123456")] == [
        ("phone", "+447911123456")
    ]
