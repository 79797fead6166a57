"""Indicators in complaint text: crypto addresses, UPI IDs, phones, e-mails, URLs, onions.

Only values that validate are indicators (checksums for addresses and onion names, known
payment providers for UPI IDs, country numbering plans for phones), after undoing the ways
scam mail hides them (see `_text`).

>>> [(i.kind, i.value) for i in find_indicators("Pay 1BoatSLRHtKNngkdXEeobR76b53LETtpyT now")]
[('btc', '1BoatSLRHtKNngkdXEeobR76b53LETtpyT')]
"""

from __future__ import annotations

from operator import itemgetter
from typing import NamedTuple

from nervecentre.scams.indicators import _scan
from nervecentre.scams.indicators._text import clean
from nervecentre.scams.indicators._validate import check, prepare

KINDS: tuple[str, ...] = (
    "btc",
    "eth",
    "xmr",
    "ltc",
    "trx",
    "upi",
    "phone",
    "email",
    "url",
    "onion",
)

_START = itemgetter(2)

__all__ = ["KINDS", "Indicator", "check", "find_indicators", "prepare"]


class Indicator(NamedTuple):
    """One validated indicator: `(kind, value)` is its key; `start:end` is where it first
    appears in the text given to `find_indicators` (obfuscation included). Immutable (a named
    tuple: built for every indicator of every message, it costs half a frozen dataclass)."""

    kind: str
    value: str
    start: int
    end: int

    @property
    def span(self) -> tuple[int, int]:
        """`(start, end)` offsets in the original text."""
        return self.start, self.end


def find_indicators(text: str, *, default_region: str = "IN") -> list[Indicator]:
    """Every valid indicator in `text`, once per (kind, value), in order of first appearance.

    Phone numbers without a country prefix are read in `default_region`.
    """
    cleaned = clean(text)
    body = cleaned.text
    found = list(_scan.crypto(body))
    found += _scan.phone(body, default_region.upper())
    if "@" in body:
        found += _scan.at_signs(body)
    if "://" in body or "www." in body or "WWW." in body:
        found += _scan.url(body)
    if ".o" in body or ".O" in body:  # where '.onion' can be, in any case
        found += _scan.onion(body)
    if cleaned.defanged:
        taken = [(f[2], f[3]) for f in found if f[0] in ("url", "email", "onion")]
        found += _scan.defanged_hosts(body, cleaned.defanged, taken)
    if not found:
        return []
    if len(found) > 1:
        found.sort(key=_START)
    seen: set[tuple[str, str]] = set()
    out: list[Indicator] = []
    edited = cleaned.edited
    for kind, value, start, end in found:
        key = (kind, value)
        if key in seen:
            continue
        seen.add(key)
        if edited:  # map back to the original text's offsets
            end = cleaned.origin(end - 1) + 1 if end > start else cleaned.origin(end)
            start = cleaned.origin(start)
        out.append(Indicator(kind, value, start, end))
    return out
