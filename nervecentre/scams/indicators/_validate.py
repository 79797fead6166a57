"""One check per indicator kind, each delegating to the shared value types (nervecentre.types).

A candidate becomes an indicator only if its checksum (or, for phones, e-mails and UPI IDs, its
structure) validates; the value returned is the indicator's normalised form.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from nervecentre.errors import InvalidValue
from nervecentre.scams.indicators._text import clean
from nervecentre.types.crypto import CryptoType, keccak256
from nervecentre.types.email import EmailType
from nervecentre.types.phone import e164
from nervecentre.types.upi import UpiType, known_psps
from nervecentre.types.url import UrlType, onion_version
from nervecentre.types.value import MAX_LENGTH

# The scanner's candidates are already what ValueType.prepare makes of text (stripped, short,
# folded, ASCII but for URL paths), so the types' parse() is called directly: the same
# validation, without preparing the text a second time.
_NO_HINTS: dict[str, str] = {}
_CRYPTO = CryptoType()
_EMAIL = EmailType()
_UPI = UpiType()
_URL = UrlType()

# Chain code of nervecentre.types.crypto -> indicator kind; only main networks are money.
_NOT_DIGIT = re.compile(r"\D+")
_CHAIN_KINDS = {"BTC": "btc", "ETH": "eth", "XMR": "xmr", "LTC": "ltc", "TRX": "trx"}


def litecoin_p2sh(address: str) -> bool:
    """Whether a valid address uses the P2SH version Litecoin shared with Bitcoin (0x05)."""
    return address[:1] == "3"


@lru_cache(maxsize=16384)
def crypto(text: str) -> tuple[str, str] | None:
    """(kind, value) for a valid main-network address of a tracked chain, else None."""
    try:
        value = _CRYPTO.parse(text, _NO_HINTS)
    except InvalidValue:
        return None
    kind = _CHAIN_KINDS.get(value.extra["chain"])
    if kind is None or value.extra.get("network") != "mainnet":
        return None
    if kind == "eth":
        return kind, value.value.lower()
    return kind, value.value


def known_upi_handle(handle: str) -> bool:
    """Whether `handle` (what follows the '@') is a known payment provider's."""
    return handle.lower() in known_psps()


@lru_cache(maxsize=16384)
def upi(text: str, said_upi: bool = False) -> str | None:
    """The lower-case UPI ID if its handle belongs to a known payment provider, or (when the
    text around says it is a UPI ID, `said_upi`) to any provider."""
    if not said_upi and not known_upi_handle(text.rpartition("@")[2]):
        return None
    try:
        return _UPI.parse(text, _NO_HINTS).value
    except InvalidValue:
        return None


def _impossible_indian(text: str) -> bool:
    """A digit run without '+' that no Indian numbering form has (saves libphonenumber's
    slow path for 12-digit references and such): 10 digits, 0 + 10, 91 + 10, 0091 + 10, or
    an 1800/1860 service number."""
    if "+" in text or text.lstrip(" (").startswith("00"):
        return False  # international: libphonenumber reads the country code
    digits = _NOT_DIGIT.sub("", text)
    n = len(digits)
    if n == 10 or (n == 11 and digits[0] == "0"):
        return False
    if (n == 12 and digits[:2] == "91") or (n == 14 and digits[:4] == "0091"):
        return False
    return not (n == 11 and digits[:4] in ("1800", "1860"))


@lru_cache(maxsize=16384)
def phone(text: str, region: str) -> str | None:
    """E.164 for a number valid in its country (`region` for numbers without a prefix)."""
    if region == "IN" and _impossible_indian(text):
        return None
    return e164(text, region)


@lru_cache(maxsize=16384)
def email(text: str) -> str | None:
    """The lower-case e-mail address, or None."""
    try:
        return _EMAIL.parse(text, _NO_HINTS).value
    except InvalidValue:
        return None


@lru_cache(maxsize=16384)
def url(text: str) -> str | None:
    """The fanged URL with scheme and host lower-case, or None (onion hosts must checksum).

    The shared URL type writes an empty path as '/'; an indicator keeps the URL as written
    (scheme and host lower-case, nothing added), as the exchange formats expect.
    """
    try:
        value = _URL.parse(text, _NO_HINTS).value
    except InvalidValue:
        return None
    if value.endswith("/") and not text.endswith("/") and value.count("/") == 3:
        return value[:-1]
    return value


@lru_cache(maxsize=16384)
def onion(label: str) -> str | None:
    """`<56 chars>.onion` for a Tor v3 service name whose checksum and version hold."""
    label = label.lower()
    try:
        if onion_version(label) != "3":
            return None
    except ValueError:
        return None
    return label + ".onion"


def prepare() -> None:
    """Pay the one-time set-up now rather than on the first message that needs it: load
    libphonenumber's metadata for every country (it loads a country's on its first number,
    a few milliseconds each) and Keccak's C code. About a second; nothing is cached
    about any value. A long import (or a benchmark) calls it once before reading.

    libphonenumber compiles its metadata's regular expressions through the `re` module's
    cache, which holds 512 and is shared with every other library in the process: where a
    country's patterns drop out, each number recompiles them (milliseconds). Its own pattern
    cache (where the installed version has one) keeps them for the process."""
    import phonenumbers
    from phonenumbers import re_util

    enable = getattr(re_util, "enable_pattern_cache", None)
    if enable is not None:
        enable()
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        example = phonenumbers.example_number(region)
        if example is not None:
            phonenumbers.is_valid_number(example)
    phonenumbers.parse("0044 20 7946 0000", "IN")  # an international prefix, read once
    keccak256(b"")  # pycryptodome binds its C code on first use
    known_psps()  # the UPI providers' YAML, parsed once


def check(kind: str, text: str, *, default_region: str = "IN") -> str | None:
    """The normalised value if `text` is a valid indicator of `kind`, else None (one value:
    look-alikes folded, invisible characters dropped, defanged forms re-fanged first)."""
    if len(text) > MAX_LENGTH:
        return None
    text = clean(text).text.strip()
    if kind in _CHAIN_KINDS.values():
        found = crypto(text)
        return found[1] if found and found[0] == kind else None
    if kind == "phone":
        return phone(text, default_region)
    if kind == "onion":
        return onion(text.lower().removesuffix(".onion"))
    checks: dict[str, Callable[[str], str | None]] = {"upi": upi, "email": email, "url": url}
    if kind not in checks:
        raise ValueError(f"unknown indicator kind {kind!r}")
    return checks[kind](text)
