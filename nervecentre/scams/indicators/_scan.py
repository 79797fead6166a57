"""Cheap candidate patterns over the whole text, each candidate then validated.

The patterns are compiled once and deliberately loose; nothing is an indicator until its
checksum or structure validates (_validate). Crypto addresses that mail wrapped across lines
or split into groups are rejoined from a strong first piece (one holding a digit or an inner
capital), trying each join whose length a real address can have.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from nervecentre.scams.indicators import _validate

_B58 = "1-9A-HJ-NP-Za-km-z"
# A token that may start (or be) a crypto address; its family decides the lengths to try.
_CRYPTO = re.compile(
    r"(?<![0-9A-Za-z])(?:(?P<eth>0[xX][0-9a-fA-F]+)|(?P<bech>(?:bc|BC|ltc|LTC)1[0-9A-Za-z]+)"
    rf"|(?P<b58>[13LMT48][{_B58}]{{3,}}))(?![0-9A-Za-z])"
)
# The next piece of a split address: spaces, or one line break with mail quoting ('> ').
_NEXT = re.compile(r"[ \t\u00a0]{0,3}(?:\r?\n[ \t>]*)?([0-9A-Za-z]+)")
_MAX_PIECES = 40
_HEX = re.compile(r"[0-9a-fA-F]+")

_UPI = re.compile(
    r"(?<![\w.\-@])[A-Za-z0-9][A-Za-z0-9._\-]{1,255}@[A-Za-z][A-Za-z0-9]{1,63}"
    r"(?![\w@\-]|\.[A-Za-z0-9])"
)
_EMAIL = re.compile(
    r"(?<![\w.%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@(?:[A-Za-z0-9\-]{1,63}\.)+[A-Za-z]{2,24}"
    r"(?![\w\-])"
)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`{}|\\^\[\]]+", re.IGNORECASE)
_URL_TAIL = ".,;:!?'\")]}*"
_ONION = re.compile(r"(?<![A-Za-z2-7])([A-Za-z2-7]{56})\.onion(?![A-Za-z0-9\-])", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w.+/:@\-])(?:\+[ \t]?|00)?\(?\d[\d \t().\-]{5,22}\d(?![\w@/]|\.\d)")
# Numbers that these words introduce are references, not phones.
_NOT_PHONE = re.compile(
    r"(?:invoice|inv|order|bill|ref|reference|txn|transaction|trans|utr|rrn|a/c|acct|account"
    r"|pnr|awb|tracking|otp|pin|amount|amt|rs|inr|usd|id|ticket|case|fir|policy|receipt"
    r"|serial|customer|cust|block|height|nonce)\W{0,3}(?:no|number|num|id|#)?\W{0,3}$",
    re.IGNORECASE,
)

Found = tuple[str, str, int, int]  # kind, value, start, end in the cleaned text


def _strong(token: str) -> bool:
    """A first piece worth rejoining: it holds a digit or a capital after its first letter."""
    rest = token[1:]
    return any(c.isdigit() or c.isupper() for c in rest)


def _lengths_ok(family: str, length: int) -> bool:
    if family == "b58":
        return 26 <= length <= 35 or length in (95, 106)
    if family == "eth":
        return length == 42
    return 14 <= length <= 74


def _too_long(family: str, length: int) -> bool:
    return length > {"b58": 106, "eth": 42, "bech": 74}[family]


def crypto(text: str) -> Iterator[Found]:
    """Crypto addresses, whole or rejoined from pieces."""
    skip_to = 0
    for match in _CRYPTO.finditer(text):
        start, end = match.span()
        if start < skip_to:
            continue
        family = match.lastgroup or "b58"
        token = match.group()
        if _lengths_ok(family, len(token)) and (found := _validate.crypto(token)):
            yield found[0], found[1], start, end
            continue
        if _too_long(family, len(token)) or len(token) < 4 or not _strong(token):
            continue
        joined, pos = token, end
        for _ in range(_MAX_PIECES):
            piece = _NEXT.match(text, pos)
            if piece is None:
                break
            joined += piece.group(1)
            pos = piece.end()
            if _too_long(family, len(joined)):
                break
            if not _lengths_ok(family, len(joined)):
                continue
            found = _validate.crypto(joined)
            if found is None:
                continue
            if found[0] == "eth" and _hex_run_continues(text, pos, joined):
                break  # the start of a longer hex string (a hash), not an address
            yield found[0], found[1], start, pos
            skip_to = pos
            break


def _hex_run_continues(text: str, pos: int, joined: str) -> bool:
    """An all-lower/upper 0x+40 join followed by more hex is a longer hash cut short."""
    body = joined[2:]
    if body != body.lower() and body != body.upper():
        return False  # EIP-55 mixed case checked out: the address is meant
    piece = _NEXT.match(text, pos)
    return piece is not None and _HEX.fullmatch(piece.group(1)) is not None


def upi(text: str) -> Iterator[Found]:
    """UPI IDs whose handle is a known payment provider."""
    if "@" not in text:
        return
    for match in _UPI.finditer(text):
        if value := _validate.upi(match.group()):
            yield "upi", value, match.start(), match.end()


def email(text: str) -> Iterator[Found]:
    """E-mail addresses."""
    if "@" not in text:
        return
    for match in _EMAIL.finditer(text):
        if value := _validate.email(match.group()):
            yield "email", value, match.start(), match.end()


def url(text: str) -> Iterator[Found]:
    """http(s) and www. addresses, re-fanged already, with trailing punctuation dropped."""
    for match in _URL.finditer(text):
        raw = match.group()
        while raw and raw[-1] in _URL_TAIL:
            if raw[-1] == ")" and raw.count("(") >= raw.count(")"):
                break
            raw = raw[:-1]
        if value := _validate.url(raw):
            yield "url", value, match.start(), match.start() + len(raw)


def onion(text: str) -> Iterator[Found]:
    """Tor v3 onion service names whose checksum holds."""
    if "onion" not in text and "ONION" not in text:
        return
    for match in _ONION.finditer(text):
        if value := _validate.onion(match.group(1)):
            yield "onion", value, match.start(), match.end()


def phone(text: str, region: str) -> Iterator[Found]:
    """Phone numbers valid in their country; runs of several numbers are split."""
    for match in _PHONE.finditer(text):
        start = match.start()
        if _NOT_PHONE.search(text, max(0, start - 40), start):
            continue
        raw = match.group()
        digits = sum(c.isdigit() for c in raw)
        if 7 <= digits <= 15 and (value := _validate.phone(raw, region)):
            yield "phone", value, start, match.end()
        elif digits > 10:
            yield from _split_phones(raw, start, region)


def _split_phones(raw: str, offset: int, region: str) -> Iterator[Found]:
    """Several numbers written one after another ('98765 43210 / 91234 56789')."""
    pieces = [(m.start(), m.end()) for m in re.finditer(r"\+?\d[\d().\-]*", raw)]
    i = 0
    while i < len(pieces):
        for j in range(len(pieces) - 1, i - 1, -1):
            candidate = raw[pieces[i][0] : pieces[j][1]]
            digits = sum(c.isdigit() for c in candidate)
            if 7 <= digits <= 15 and (value := _validate.phone(candidate, region)):
                yield "phone", value, offset + pieces[i][0], offset + pieces[j][1]
                i = j
                break
        i += 1
