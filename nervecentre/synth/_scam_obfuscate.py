"""How scam mail hides its indicators, applied to synthetic complaints.

Each function returns the text to write for a value whose normalised form the truth keeps.
The look-alike table is written here independently of the extractor's folding table.
"""

from __future__ import annotations

import random

from nervecentre.synth._random import between, pick

_CYRILLIC = {
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у",
    "A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "P": "Р", "C": "С",
    "T": "Т", "X": "Х",
}  # fmt: skip
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")
_DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _zero_width(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(between(rng, 1, 4)):
        chars.insert(between(rng, 1, len(chars) - 1), pick(rng, _ZERO_WIDTH))
    return "".join(chars)


def _homoglyphs(rng: random.Random, text: str) -> str:
    spots = [i for i, c in enumerate(text) if c in _CYRILLIC and i > 0]
    chars = list(text)
    for i in rng.sample(spots, min(len(spots), between(rng, 1, 3))):
        chars[i] = _CYRILLIC[chars[i]]
    return "".join(chars)


def _html_tags(rng: random.Random, text: str) -> str:
    cut = sorted(rng.sample(range(2, len(text) - 1), 2))
    a, b = cut
    return f"{text[:a]}<span>{text[a:b]}</span><!-- x -->{text[b:]}"


def address(rng: random.Random, text: str, rate: float, html: bool) -> tuple[str, str]:
    """A crypto address as a scam mail writes it; returns (text, how it was hidden)."""
    if rng.random() >= rate:
        return text, "plain"
    how = pick(
        rng,
        ("wrap", "groups", "dashes", "zero_width", "homoglyph", "fullwidth", "html", "quote"),
    )
    if how == "wrap":
        at = between(rng, 4, len(text) - 4)
        return text[:at] + "\n" + text[at:], how
    if how == "quote":
        at = between(rng, 4, len(text) - 4)
        return text[:at] + "\n> " + text[at:], how
    if how == "groups":
        size = between(rng, 4, 6)
        return " ".join(text[i : i + size] for i in range(0, len(text), size)), how
    if how == "dashes":
        size = between(rng, 4, 8)
        return "-".join(text[i : i + size] for i in range(0, len(text), size)), how
    if how == "zero_width":
        return _zero_width(rng, text), how
    if how == "homoglyph":
        return _homoglyphs(rng, text), how
    if how == "fullwidth":
        return _fullwidth(text), how
    if html:
        return _html_tags(rng, text), "html"
    return text, "plain"


def phone(rng: random.Random, e164: str, language: str) -> str:
    """A phone number in one of the ways people write it."""
    if not e164.startswith("+91"):
        return pick(rng, (e164, e164[:3] + " " + e164[3:7] + " " + e164[7:], "00" + e164[1:]))
    nsn = e164[3:]
    shown = pick(
        rng,
        (
            f"+91 {nsn[:5]} {nsn[5:]}",
            f"+91-{nsn}",
            f"0{nsn}",
            nsn,
            e164,
            f"0{nsn[:5]} {nsn[5:]}",
            f"{nsn[:5]}-{nsn[5:]}",
            f"0091 {nsn}",
            f"tel:{e164}",
            f"Contact:-{nsn}",
            " ".join(nsn),
            f"(+91) {nsn[:5]} {nsn[5:]}",
            f"+91.{nsn[:5]}.{nsn[5:]}",
            f"91-{nsn[:5]}-{nsn[5:]}",
            f"+91 {nsn[:3]} {nsn[3:6]} {nsn[6:]}",
            f"+91 (0) {nsn[:5]}-{nsn[5:]}",
        ),
    )
    if language != "en" and rng.random() < 0.4:
        return shown.translate(_DEVANAGARI)
    if rng.random() < 0.05:
        return _fullwidth(shown)
    return shown


def url(rng: random.Random, value: str, rate: float) -> str:
    """A URL, defanged the ways threat reports and cautious victims write them."""
    if rng.random() >= rate:
        return value
    scheme, _, rest = value.partition("://")
    host, _, path = rest.partition("/")
    style = between(rng, 0, 4)
    if style == 4 and scheme == "http" and not host.endswith(".onion"):
        return host.replace(".", "[.]") + ("/" + path if path else "")  # no scheme at all
    tail = "/" + path if path else ""
    if style == 0:
        return "hxxp" + scheme[4:] + "://" + host.replace(".", "[.]") + tail
    if style == 1:
        return scheme + "[:]//" + host.replace(".", "[.]", 1) + tail
    if style == 2:
        return scheme + "://" + host.replace(".", "(dot)") + tail
    return scheme.upper() + "://" + host.upper() + tail


def email(rng: random.Random, value: str, rate: float) -> str:
    """An e-mail address, sometimes defanged or capitalised."""
    if rng.random() >= rate:
        return value
    local, _, domain = value.partition("@")
    style = between(rng, 0, 2)
    if style == 0:
        return f"{local}[at]{domain.replace('.', '[.]')}"
    if style == 1:
        return local.capitalize() + "@" + domain.upper()
    return _zero_width(rng, value)


def upi(rng: random.Random, value: str, rate: float) -> str:
    """A UPI ID, sometimes upper-cased or with invisible characters."""
    if rng.random() >= rate:
        return value
    return value.upper() if rng.random() < 0.5 else _zero_width(rng, value)
