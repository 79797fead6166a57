"""The amount a message demands: "0.12 BTC", "$1,500", "Rs. 50,000", "₹5000", "2 lakh".

One demand per message and currency (the largest mentioned, since a text often repeats or
splits it: "send $500 … total $1500"). Currencies: BTC, ETH, XMR, LTC, USDT, INR, USD, EUR.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_NUMBER = r"(\d{1,3}(?:[,\s]\d{2,3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_BEFORE = {
    "₹": "INR", "rs": "INR", "rs.": "INR", "inr": "INR", "$": "USD", "usd": "USD",
    "us$": "USD", "€": "EUR", "eur": "EUR",
}  # fmt: skip
_AFTER = {
    "btc": "BTC", "bitcoin": "BTC", "bitcoins": "BTC", "eth": "ETH", "ether": "ETH",
    "xmr": "XMR", "monero": "XMR", "ltc": "LTC", "usdt": "USDT", "inr": "INR", "rs": "INR",
    "rupees": "INR", "rupee": "INR", "usd": "USD", "dollars": "USD", "dollar": "USD",
    "eur": "EUR", "euro": "EUR", "euros": "EUR", "lakh": "INR*100000", "lakhs": "INR*100000",
    "crore": "INR*10000000",
}  # fmt: skip
_PREFIXED = re.compile(r"(₹|\brs\.?|\binr|\bus\$|\$|€|\busd|\beur)\s?" + _NUMBER, re.IGNORECASE)
_SUFFIXED = re.compile(
    _NUMBER + r"\s?(" + "|".join(sorted(_AFTER, key=len, reverse=True)) + r")\b", re.IGNORECASE
)


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(re.sub(r"[,\s]", "", text))
    except InvalidOperation:
        return None


def demands(text: str) -> dict[str, Decimal]:
    """The largest amount asked per currency in ``text`` (empty when none)."""
    found: dict[str, Decimal] = {}

    def keep(currency: str, amount: Decimal | None) -> None:
        if amount is not None and amount > 0:
            found[currency] = max(found.get(currency, amount), amount)

    for match in _PREFIXED.finditer(text):
        keep(_BEFORE[match.group(1).lower()], _number(match.group(2)))
    for match in _SUFFIXED.finditer(text):
        code = _AFTER[match.group(2).lower()]
        amount = _number(match.group(1))
        if "*" in code:
            code, factor = code.split("*")
            amount = amount * int(factor) if amount is not None else None
        keep(code, amount)
    return found
