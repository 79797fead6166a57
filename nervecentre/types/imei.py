"""Mobile handset identities: 15-digit IMEI (Luhn-checked) or 16-digit IMEISV."""

from __future__ import annotations

import re
from collections.abc import Mapping

from nervecentre.types.value import Value, ValueType, quote

_LABEL = re.compile(r"^(?:imei\s*(?:sv)?\s*(?:no\.?|number)?\s*[:#.\-]?\s*)", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s/\-.]")
_LOOKS = re.compile(r"^\d{15}$")


def luhn_ok(digits: str) -> bool:
    """True when the Luhn check digit (the last digit) is right."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


class ImeiType(ValueType):
    """IMEI/IMEISV numbers, canonical as plain digits; display is grouped AA-BBBBBB-CCCCCC-D."""

    name = "imei"
    label = "IMEI"

    def looks_like(self, raw: str) -> bool:
        # Only the 15-digit form (clean() then demands a valid Luhn digit): a bare 16-digit
        # number is as likely a card or an account.
        digits = _SEPARATORS.sub("", _LABEL.sub("", raw, count=1))
        return _LOOKS.match(digits) is not None

    def parse(self, text: str, hints: Mapping[str, str]) -> Value:
        digits = _SEPARATORS.sub("", _LABEL.sub("", text, count=1))
        if not digits.isdigit():
            raise self.invalid(f"IMEI {quote(text)} must contain only digits", text)
        if len(digits) == 14:
            raise self.invalid(
                f"IMEI {quote(text)} has 14 digits; the 15th is a check digit that must be "
                "copied from the device or its box, not guessed",
                text,
            )
        if len(digits) not in (15, 16):
            raise self.invalid(
                f"IMEI {quote(text)} has {len(digits)} digits; an IMEI has 15 (IMEISV 16)", text
            )
        if not digits.strip("0"):
            raise self.invalid(f"IMEI {quote(text)} is all zeros (a placeholder)", text)
        tac = digits[:8]
        if len(digits) == 16:
            display = f"{digits[:2]}-{digits[2:8]}-{digits[8:14]}-{digits[14:]}"
            return self.make(digits, display, type="imeisv", tac=tac)
        if not luhn_ok(digits):
            raise self.invalid(
                f"IMEI {quote(text)} fails its check digit (Luhn); a digit is mistyped", text
            )
        display = f"{digits[:2]}-{digits[2:8]}-{digits[8:14]}-{digits[14]}"
        return self.make(digits, display, type="imei", tac=tac)
