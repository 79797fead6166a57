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
