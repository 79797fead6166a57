"""Indicators that mail hides: split, wrapped, invisible characters, look-alikes, HTML, defanged."""

from __future__ import annotations

import pytest

from nervecentre.scams.indicators import find_indicators

BTC = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
P2PKH = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
ETH = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
ONION = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad"


def pairs(text: str) -> list[tuple[str, str]]:
    return [(i.kind, i.value) for i in find_indicators(text)]


CYRILLIC = str.maketrans({"a": "а", "e": "е", "o": "о", "c": "с", "B": "В", "M": "М"})


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (f"{BTC[:20]}\n{BTC[20:]}", ("btc", BTC)),
        (f"{BTC[:20]}\r\n> {BTC[20:]}", ("btc", BTC)),
        (f"{BTC[:20]}\n\n{BTC[20:]}", ("btc", BTC)),
        (" ".join(P2PKH[i : i + 4] for i in range(0, len(P2PKH), 4)), ("btc", P2PKH)),
        (P2PKH[:5] + "\u200b" + P2PKH[5:20] + "\ufeff\u200d" + P2PKH[20:], ("btc", P2PKH)),
        (P2PKH.translate(CYRILLIC), ("btc", P2PKH)),
        ("".join(chr(ord(c) + 0xFEE0) for c in P2PKH), ("btc", P2PKH)),
        (f"{P2PKH[:6]}<span>{P2PKH[6:12]}</span><!-- x -->{P2PKH[12:]}", ("btc", P2PKH)),
        (f"<p>{ETH[:22]}</p><p>{ETH[22:]}</p>", ("eth", ETH.lower())),
        (f"{ETH[:10]}&#8203;{ETH[10:]}", ("eth", ETH.lower())),
        ("hxxps://evil[.]example/pay", ("url", "https://evil.example/pay")),
        ("HXXP[:]//evil(dot)example/pay", ("url", "http://evil.example/pay")),
        ("https[:]//evil[.]example/pay", ("url", "https://evil.example/pay")),
        ("crook[at]evil[.]example", ("email", "crook@evil.example")),
        ("crook [at] evil [dot] example", ("email", "crook@evil.example")),
        (f"{ONION}[.]onion", ("onion", f"{ONION}.onion")),
        ("९८७६५ ४३२१०", ("phone", "+919876543210")),
        ("９８７６５４３２１０", ("phone", "+919876543210")),
        ("ravi\u200b.k@ok\u200dsbi", ("upi", "ravi.k@oksbi")),
    ],
)
def test_hidden_indicators_are_found(written: str, expected: tuple[str, str]) -> None:
    text = f"Send the money to:\n{written}\nwithin 48 hours."
    assert expected in pairs(text)
    found = next(i for i in find_indicators(text) if (i.kind, i.value) == expected)
    # The span covers the text as the analyst sees it, obfuscation included.
    assert expected in pairs(text[found.start : found.end])
    assert found.end - found.start >= len(written.strip("<p>/")) - 8


def test_rejoining_stops_at_a_word_that_is_not_part_of_the_address() -> None:
    text = f"BTC {BTC[:20]}\n{BTC[20:]} now, and then Tomorrow Morning 1stTime"
    assert pairs(text) == [("btc", BTC)]


def test_look_alikes_with_one_character_changed_are_not_found() -> None:
    changed = P2PKH[:10] + ("x" if P2PKH[10] != "x" else "y") + P2PKH[11:]
    split = changed[:15] + "\n" + changed[15:]
    assert pairs(f"pay {changed} or {split}") == []


def test_obfuscated_and_plain_forms_are_one_indicator() -> None:
    text = f"{P2PKH}\n{P2PKH[:10]}\u200b{P2PKH[10:]}\n{P2PKH.translate(CYRILLIC)}"
    assert pairs(text) == [("btc", P2PKH)]


def test_whole_cyrillic_words_do_not_become_indicators() -> None:
    assert pairs("Оплатите сейчас, иначе видео увидят все. Время: 48 часов.") == []


# Each family's scan is skipped when a cheap substring test says it cannot match (the '.o' of
# '.onion', an 'xx' of 'hxxp'); these forms must still reach the scan.
@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (f"{ONION}.ONION", ("onion", f"{ONION}.onion")),
        (f"{ONION.upper()}.Onion", ("onion", f"{ONION}.onion")),
        (f"{ONION}.oNiOn", ("onion", f"{ONION}.onion")),
        (f"{ONION}[.]ONION", ("onion", f"{ONION}.onion")),
        ("hXxps://evil[.]example/pay", ("url", "https://evil.example/pay")),
        ("HxXp://evil.example/pay", ("url", "http://evil.example/pay")),
        ("hxXps[:]//evil.example/pay", ("url", "https://evil.example/pay")),
    ],
)
def test_prefiltered_families_are_found_in_every_case(
    written: str, expected: tuple[str, str]
) -> None:
    assert expected in pairs(f"Reach us at {written} today.")


@pytest.mark.parametrize(
    "written",
    [
        # a bech32 address split by a zero-width space, a tag and a line break at once
        f"{BTC[:12]}\u200b{BTC[12:24]}<span></span>\n{BTC[24:]}",
        # homoglyphs and a soft hyphen inside, full-width digits
        f"{BTC[:4].translate(CYRILLIC)}\u00ad{BTC[4:]}",
        # wrapped in quoted mail and split twice
        f"> {BTC[:15]}\n> {BTC[15:30]}\n> {BTC[30:]}",
    ],
)
def test_an_address_hidden_several_ways_at_once_is_found(written: str) -> None:
    assert ("btc", BTC) in pairs(f"Bitcoin wallet:\n{written}\nPay in 24 hours.")


def test_a_transaction_hash_split_like_an_address_is_not_one() -> None:
    digest = "9e3a802390984795f826815a3c1e956e67f85b5d93ac2f1334ffb56322f0506d"
    assert pairs(f"Tx hash: 0x{digest[:20]}\u200b{digest[20:44]}\n{digest[44:]}") == []
    assert pairs(f"txid <b>{digest[:32]}</b>{digest[32:]}") == []


def test_an_indicator_at_the_end_of_a_huge_message_keeps_its_offsets() -> None:
    filler = "Dear customer, your order 12345 ships on 12/05/2026. " * 20_000  # about 1 MB
    text = filler + f"Pay {P2PKH[:10]}\u200b{P2PKH[10:]} and call +91 98765 43210."
    found = {(i.kind, i.value): i for i in find_indicators(text)}
    assert set(found) == {("btc", P2PKH), ("phone", "+919876543210")}
    btc = found[("btc", P2PKH)]
    assert text[btc.start : btc.end] == f"{P2PKH[:10]}\u200b{P2PKH[10:]}"


def test_words_before_a_number_decide_for_each_message() -> None:
    # The verdict on the words before a number is kept per window of text, never per number.
    assert pairs("Order no 9876543210") == []
    assert pairs("Call me 9876543210") == [("phone", "+919876543210")]
    assert pairs("Order no 9876543210") == []
