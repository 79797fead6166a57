"""Indicators in complaint text: crypto addresses, UPI IDs, phones, e-mails, URLs, onions.

Only values that validate are indicators (checksums for addresses and onion names, known
payment providers for UPI IDs, country numbering plans for phones), after undoing the ways
scam mail hides them (see `_text`).

>>> [(i.kind, i.value) for i in find_indicators("Pay 1BoatSLRHtKNngkdXEeobR76b53LETtpyT now")]
[('btc', '1BoatSLRHtKNngkdXEeobR76b53LETtpyT')]
"""

from __future__ import annotations

from dataclasses import dataclass

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

__all__ = ["KINDS", "Indicator", "check", "find_indicators", "prepare"]


@dataclass(frozen=True, slots=True)
class Indicator:
    """One validated indicator: `(kind, value)` is its key; `start:end` is where it first
    appears in the text given to `find_indicators` (obfuscation included)."""

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
    found = [*_scan.crypto(body), *_scan.phone(body, default_region.upper())]
    if "@" in body:
        found += _scan.at_signs(body)
    if "://" in body or "www." in body or "WWW." in body:
        found += _scan.url(body)
    if "." in body:
        found += _scan.onion(body)
    if cleaned.defanged:
        taken = [(f[2], f[3]) for f in found if f[0] in ("url", "email", "onion")]
        found += _scan.defanged_hosts(body, cleaned.defanged, taken)
    if not found:
        return []
    found.sort(key=lambda item: item[2])
    seen: set[tuple[str, str]] = set()
    out: list[Indicator] = []
    for kind, value, start, end in found:
        if (kind, value) in seen:
            continue
        seen.add((kind, value))
        origin_end = cleaned.origin(end - 1) + 1 if end > start else cleaned.origin(end)
        out.append(Indicator(kind, value, cleaned.origin(start), origin_end))
    return out
