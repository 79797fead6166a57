"""The registry of value types: normalise, try_normalise, detect and get_type."""

from __future__ import annotations

import re
from functools import lru_cache
from types import MappingProxyType

from nervecentre.errors import InvalidValue
from nervecentre.types.bank import BankAccountType
from nervecentre.types.crypto import CryptoType
from nervecentre.types.email import EmailType
from nervecentre.types.imei import ImeiType
from nervecentre.types.ip import IpType
from nervecentre.types.phone import PhoneType
from nervecentre.types.social import SocialType
from nervecentre.types.upi import UpiType
from nervecentre.types.url import UrlType
from nervecentre.types.value import MAX_LENGTH, Value, ValueType, quote
from nervecentre.types.vehicle import VehicleType

_TYPES: dict[str, ValueType] = {
    t.name: t
    for t in (
        PhoneType(),
        EmailType(),
        UpiType(),
        BankAccountType(),
        CryptoType(),
        IpType(),
        ImeiType(),
        VehicleType(),
        SocialType(),
        UrlType(),
    )
}
KINDS: tuple[str, ...] = tuple(_TYPES)
_PHONE = _TYPES["phone"]
_NO_HINTS: MappingProxyType[str, str] = MappingProxyType({})

# Most specific and self-verifying shapes first, so a value is claimed by the strictest type
# that accepts it:
# - url with a scheme (or www./.onion) is unmistakable, and must win over email ('user@host'
#   inside a URL) and over crypto URIs' look-alikes;
# - email before upi: both are 'x@y', and only email has a dot in the domain;
# - crypto before everything numeric: addresses carry checksums, so a match is near-certain;
# - bank_account only when an IFSC is present; a bare 9-18 digit number is as likely a phone;
# - ip before imei and phone: dots and colons separate its groups;
# - imei before phone: a 15-digit number whose Luhn check passes is an IMEI far more often
#   than a (15-digit, foreign) phone number, while Indian phones have 10 digits;
# - phone before vehicle; social needs a platform and is never guessed from a bare '@name'.
DETECT_ORDER: tuple[str, ...] = (
    "url",
    "email",
    "upi",
    "crypto",
    "bank_account",
    "ip",
    "imei",
    "phone",
    "vehicle",
)


def get_type(kind: str) -> ValueType:
    """The ValueType registered for `kind`; InvalidValue for an unknown kind."""
    try:
        return _TYPES[kind]
    except (KeyError, TypeError):
        raise InvalidValue(
            f"unknown value kind {kind!r}; known kinds: {', '.join(KINDS)}", kind=None, value=kind
        ) from None


@lru_cache(maxsize=65536)
def _normalise_cached(kind: str, raw: str) -> Value:
    return get_type(kind).clean(raw)


def normalise(kind: str, raw: str, **hints: str) -> Value:
    """Clean `raw` as a `kind` value; raise InvalidValue with an analyst-readable reason."""
    if not hints and type(raw) is str and len(raw) <= MAX_LENGTH:
        return _normalise_cached(kind, raw)
    return get_type(kind).clean(raw, **hints)


def try_normalise(kind: str, raw: str, **hints: str) -> Value | None:
    """Like `normalise`, but None instead of raising for an invalid value."""
    try:
        return normalise(kind, raw, **hints)
    except InvalidValue:
        return None


# A bare phone number as registers write it: ASCII digits, spaces and hyphens, a leading '+'.
# No kind before phone in DETECT_ORDER takes such text unless it has 15 digits (an IMEI), so
# it goes straight to the phone type (tests/types/test_detect_fast.py checks both agree).
_PHONE_ONLY = re.compile(r"\+?[0-9][0-9 \-]{5,22}[0-9]")


@lru_cache(maxsize=65536)
def _detect_cached(raw: str) -> Value:
    if _PHONE_ONLY.fullmatch(raw) and 7 <= sum(c.isdigit() for c in raw) <= 14:
        try:
            return _PHONE.parse(raw, _NO_HINTS)
        except InvalidValue:
            pass  # the full path below says why, as it says for anything else
    return detect_slowly(raw)


def detect_slowly(raw: str) -> Value:
    """:func:`detect` without its cache and its shortcut for bare phone numbers."""
    try:
        text = _TYPES["url"].prepare(raw)  # length and type were checked: only blank fails
        folded = _TYPES["phone"].prepare(raw)
    except InvalidValue:
        raise InvalidValue("nothing to detect: the value is empty", kind=None, value=raw) from None
    reasons: list[str] = []
    for kind in DETECT_ORDER:
        value_type = _TYPES[kind]
        candidate = folded if value_type.folds_unicode else text
        if not value_type.looks_like(candidate):
            continue
        try:
            return value_type.clean(candidate)
        except InvalidValue as exc:
            reasons.append(f"{kind}: {exc}")
    digits = sum(c.isdigit() for c in folded)
    if not reasons and digits and all(c.isdigit() or c in " +-().\u00a0" for c in folded):
        # Only digits: almost always a mistyped phone number, so say what is wrong with it.
        try:
            return _TYPES["phone"].clean(folded)
        except InvalidValue as exc:
            raise InvalidValue(str(exc), kind=None, value=raw) from None
    if not reasons:
        raise InvalidValue(
            f"{quote(text)} does not look like any identifier we know "
            f"(tried {', '.join(DETECT_ORDER)})",
            kind=None,
            value=raw,
        )
    raise InvalidValue(
        f"{quote(text)} could not be recognised; " + "; ".join(reasons), kind=None, value=raw
    )


def detect(raw: str) -> Value:
    """Guess the kind of `raw` (in DETECT_ORDER) and return its Value, or raise InvalidValue."""
    if type(raw) is str and len(raw) <= MAX_LENGTH:
        return _detect_cached(raw)
    if raw is None:
        raise InvalidValue("nothing to detect: the value is empty", kind=None, value=raw)
    if not isinstance(raw, str):
        raise InvalidValue(
            f"cannot detect the kind of a {type(raw).__name__}; give text", value=raw
        )
    raise InvalidValue(
        f"the value is {len(raw):,} characters long; the limit is {MAX_LENGTH:,}, so this cannot "
        "be a single identifier",
        value=raw[:100],
    )
