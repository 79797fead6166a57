"""Phone numbers, canonical in E.164 (`+919876543210`), parsed with `phonenumbers`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from re import _parser as _re_parser  # type: ignore[attr-defined]

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers import ValidationResult as Possible

from nervecentre.types.value import Value, ValueType, quote

DEFAULT_REGION = "IN"

# Register cells often carry a label in front of the number ("Mob: 98765 43210").
_LABEL = re.compile(
    r"^(?:mob(?:ile)?|ph(?:one)?|tel(?:ephone)?|cell|contact|m)\.?\s*(?:no\.?|num(?:ber)?)?"
    r"\s*[:.#\-]?\s*",
    re.IGNORECASE,
)
_SHAPE = re.compile(r"^[\d\s().\-/+]+$")
_LOOKS = re.compile(r"^\(?\+?[\d\s().\-]{7,24}$")
# What is not a digit: on text that matched _SHAPE, removing it keeps exactly the characters
# str.isdigit() accepts (one regex pass instead of a generator over every character).
_NOT_DIGIT = re.compile(r"\D+")

_TYPE_NAMES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
}


# Most register phones are Indian mobiles; checking them against libphonenumber's own IN
# mobile and fixed-line patterns (what is_valid_number/number_type do, minus the generic
# machinery) is ~20x faster. tests/types/test_phone_fast.py proves both paths agree.
_IN = phonenumbers.PhoneMetadata.metadata_for_region("IN")
assert _IN is not None and _IN.mobile is not None and _IN.fixed_line is not None
_IN_MOBILE = re.compile(_IN.mobile.national_number_pattern or "(?!)")
_IN_FIXED = re.compile(_IN.fixed_line.national_number_pattern or "(?!)")


# libphonenumber's international formats for India, compiled once: choosing and applying one
# the way format_number does (first format whose last leading-digits pattern matches the
# start and whose pattern matches the whole number) costs a few microseconds instead of ~100.
_IN_FORMATS = tuple(
    (
        re.compile(f.leading_digits_pattern[-1]) if f.leading_digits_pattern else None,
        re.compile(f.pattern or "(?!)"),
        f.format or "",
    )
    for f in (_IN.intl_number_format or _IN.number_format)
)


def _leading_width() -> int | None:
    """How many digits the leading-digits patterns can look at, at most (None: unbounded).

    Which format applies depends only on that many first digits and the number's length, so
    the choice is memoised by them (a register's phones share a few thousand prefixes).
    """
    widths = []
    for leading, _, _ in _IN_FORMATS:
        if leading is None:
            continue
        if "(?=" in leading.pattern or "(?!" in leading.pattern or "(?<" in leading.pattern:
            return None  # a look-around could look further than its width says
        widths.append(_re_parser.parse(leading.pattern).getwidth()[1])
    width = max(widths, default=0)
    return width if width <= _MAX_MEMO_WIDTH else None  # (unbounded: MAXREPEAT)


_MAX_MEMO_WIDTH = 8
_LEADING_WIDTH = _leading_width()
# (first digits, length) → the format's pattern and rule, or None where no format applies.
_FORMAT_MEMO: dict[tuple[str, int], tuple[re.Pattern[str], str] | None] = {}


def _format_for(nsn: str) -> tuple[re.Pattern[str], str] | None:
    for leading, pattern, rule in _IN_FORMATS:
        if (leading is None or leading.match(nsn)) and pattern.fullmatch(nsn):
            # Most rules are the groups joined by spaces ("$1 $2 $3"): joined without sub().
            spaced = " ".join(f"\\{i}" for i in range(1, pattern.groups + 1))
            return pattern, "" if rule == spaced else rule
    return None


def _indian_international(nsn: str) -> str:
    """``+91`` and the national number grouped as ``format_number(…, INTERNATIONAL)`` does."""
    if _LEADING_WIDTH is None:
        chosen = _format_for(nsn)
    else:
        key = (nsn[:_LEADING_WIDTH], len(nsn))
        if key in _FORMAT_MEMO:
            chosen = _FORMAT_MEMO[key]
        else:
            chosen = _FORMAT_MEMO[key] = _format_for(nsn)
    match = chosen[0].fullmatch(nsn) if chosen is not None else None
    if chosen is None or match is None:  # (patterns match by length only: not None here)
        return "+91 " + nsn
    pattern, rule = chosen
    return "+91 " + (pattern.sub(rule, nsn) if rule else " ".join(match.groups()))


def _indian_nsn(digits: str, plus: bool) -> str:
    """The 10-digit national number of an Indian number written in a usual form, or ''."""
    n = len(digits)
    if plus:
        return digits[2:] if n == 12 and digits.startswith("91") else ""
    if n == 10:
        return digits
    if n == 11 and digits[0] == "0":
        return digits[1:]
    if n == 12 and digits.startswith("91"):
        return digits[2:]
    if n == 14 and digits.startswith("0091"):
        return digits[4:]
    return ""


def _indian_mobile(digits: str, plus: bool) -> str | None:
    """The 10-digit national number if ``digits`` is plainly a valid Indian mobile, else None."""
    nsn = _indian_nsn(digits, plus)
    if nsn[:1] not in ("6", "7", "8", "9") or not _IN_MOBILE.fullmatch(nsn):
        return None
    return None if _IN_FIXED.fullmatch(nsn) else nsn


def _where(region: str) -> str:
    return "an Indian" if region == "IN" else f"a {region}"


class PhoneType(ValueType):
    """Phone numbers; a number without country code is read in the `region` hint (default IN)."""

    name = "phone"
    label = "phone number"
    hints = frozenset({"region"})

    def looks_like(self, raw: str) -> bool:
        text = _LABEL.sub("", raw, count=1)
        if not _LOOKS.match(text):
            return False
        digits = sum(c.isdigit() for c in text)
        return 7 <= digits <= 15

    def parse(self, text: str, hints: Mapping[str, str]) -> Value:
        region = hints.get("region", DEFAULT_REGION).upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise self.invalid(f"unknown phone region {region!r} (use a code such as 'IN')", text)
        body = _LABEL.sub("", text, count=1)
        if not _SHAPE.match(body):
            if any(c.isalpha() for c in body):
                raise self.invalid(f"phone {quote(text)} contains letters", text)
            raise self.invalid(
                f"phone {quote(text)} contains characters other than digits, spaces, "
                "+ ( ) . - or /",
                text,
            )
        digits = _NOT_DIGIT.sub("", body)
        if not digits:
            raise self.invalid(f"phone {quote(text)} has no digits", text)
        plus = body.lstrip(" (").startswith("+")
        if body.count("+") > int(plus):
            raise self.invalid(f"phone {quote(text)} has a '+' in the middle", text)
        if region == DEFAULT_REGION and (nsn := _indian_mobile(digits, plus)):
            return self.make("+91" + nsn, _indian_international(nsn), type="mobile", region="IN")
        return self.parse_full(text, digits, plus, region)

    def parse_full(self, text: str, digits: str, plus: bool, region: str) -> Value:
        """The general path through libphonenumber, for every number the fast path declines."""
        candidate = ("+" if plus else "") + digits
        try:
            number = phonenumbers.parse(candidate, region)
        except NumberParseException as exc:
            raise self.invalid(self._parse_message(text, exc, region), text) from None
        reason = phonenumbers.is_possible_number_with_reason(number)
        if reason == Possible.TOO_SHORT:
            raise self.invalid(
                f"phone {quote(text)} is too short for {_where(self._region(number, region))} "
                "number (mobile numbers have 10 digits)",
                text,
            )
        if reason in (Possible.TOO_LONG, Possible.INVALID_LENGTH):
            too = "too long" if reason == Possible.TOO_LONG else "the wrong length"
            raise self.invalid(
                f"phone {quote(text)} is {too} for {_where(self._region(number, region))} "
                "number; is it two numbers in one cell?",
                text,
            )
        if reason == Possible.INVALID_COUNTRY_CODE:
            raise self.invalid(f"phone {quote(text)} has an unknown country code", text)
        if not phonenumbers.is_valid_number(number):
            national = str(number.national_number)
            if number.country_code == 91 and national[0] in "6789" and len(national) != 10:
                raise self.invalid(
                    f"phone {quote(text)} has {len(national)} digits after +91; an Indian "
                    "mobile number has 10",
                    text,
                )
            where = self._region(number, region)
            raise self.invalid(
                f"phone {quote(text)} is not a valid number: no "
                f"{'Indian' if where == 'IN' else where} number starts with those digits",
                text,
            )
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        return self.make(
            e164,
            phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL),
            type=_TYPE_NAMES.get(phonenumbers.number_type(number), "unknown"),
            region=phonenumbers.region_code_for_number(number) or "",
        )

    @staticmethod
    def _region(number: phonenumbers.PhoneNumber, default: str) -> str:
        code = number.country_code
        return phonenumbers.region_code_for_country_code(code) if code else default

    @staticmethod
    def _parse_message(text: str, exc: NumberParseException, region: str) -> str:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            return f"phone {quote(text)} has an unknown country code"
        if exc.error_type in (
            NumberParseException.TOO_SHORT_NSN,
            NumberParseException.TOO_SHORT_AFTER_IDD,
        ):
            return f"phone {quote(text)} is too short for {_where(region)} number"
        if exc.error_type == NumberParseException.TOO_LONG:
            return f"phone {quote(text)} is too long for a phone number; two numbers in one cell?"
        return f"phone {quote(text)} is not a phone number"


def e164(text: str, region: str = DEFAULT_REGION) -> str | None:
    """The E.164 form of `text` if PhoneType would accept it, else None.

    The same rules as ``PhoneType().clean(text, region=region)`` (tests/types/test_phone.py
    checks they agree) without the display form, type and region, which cost most of
    libphonenumber's time: for scanning free text, where most candidates are not phones.
    """
    body = _LABEL.sub("", text.strip(), count=1)
    if not body or not _SHAPE.match(body):
        return None
    digits = _NOT_DIGIT.sub("", body)
    plus = body.lstrip(" (").startswith("+")
    if not digits or body.count("+") > int(plus):
        return None
    if region == DEFAULT_REGION or (plus and digits.startswith("91")):
        # A 10-digit Indian number matching the mobile or fixed-line plan is valid (what
        # is_valid_number checks, type by type, at many times the cost).
        nsn = _indian_nsn(digits, plus)
        if nsn and (_IN_MOBILE.fullmatch(nsn) or _IN_FIXED.fullmatch(nsn)):
            return "+91" + nsn
    try:
        number = phonenumbers.parse(("+" if plus else "") + digits, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)
