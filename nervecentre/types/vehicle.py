"""Indian vehicle registration numbers, canonical upper case without spaces (`MH04AB1234`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from nervecentre.types._data import load
from nervecentre.types.value import Value, ValueType, quote

_SEPARATORS = re.compile(r"[\s\-.]")
_STANDARD = re.compile(r"^([A-Z]{2})(\d{1,2})([A-Z]{1,3})(\d{1,4})$")
_BHARAT = re.compile(r"^(\d{2})BH(\d{4})([A-Z]{1,2})$")
_LOOKS = re.compile(r"^(?:[A-Z]{2}\d{1,2}[A-Z]{1,3}\d{1,4}|\d{2}BH\d{4}[A-Z]{1,2})$")


@cache
def state_codes() -> Mapping[str, str]:
    """RTO state/UT code -> name, from data/rto_states.yaml."""
    data: dict[str, str] = load("rto_states")
    return {str(k).upper(): str(v) for k, v in data.items()}


class VehicleType(ValueType):
    """Registrations such as `MH 04 AB 1234`, old `MH 12 A 123`, and Bharat series `22 BH 1234 AA`.

    The district code is padded to two digits and the number to four (`MH12A0123`), as on
    high-security plates, so `MH 4 AB 12` and `MH 04 AB 0012` are one key.
    """

    name = "vehicle"
    label = "vehicle registration number"

    def looks_like(self, raw: str) -> bool:
        return _LOOKS.match(_SEPARATORS.sub("", raw.upper())) is not None

    def parse(self, text: str, hints: Mapping[str, str]) -> Value:
        compact = _SEPARATORS.sub("", text.upper())
        if bharat := _BHARAT.match(compact):
            year, number, letters = bharat.groups()
            return self.make(
                f"{year}BH{number}{letters}",
                f"{year} BH {number} {letters}",
                series="bharat",
                year=f"20{year}",
            )
        standard = _STANDARD.match(compact)
        if standard is None:
            raise self.invalid(
                f"vehicle {quote(text)} is not an Indian registration number such as "
                "'MH 04 AB 1234' or '22 BH 1234 AA'",
                text,
            )
        state, district, series, number = standard.groups()
        states = state_codes()
        if state not in states:
            raise self.invalid(
                f"vehicle {quote(text)} starts with {state!r}, which is not an Indian state or "
                "union-territory code",
                text,
            )
        if not int(number):
            raise self.invalid(f"vehicle {quote(text)} has the number 0000", text)
        district, number = district.zfill(2), number.zfill(4)
        return self.make(
            f"{state}{district}{series}{number}",
            f"{state} {district} {series} {number}",
            state=state,
            state_name=states[state],
            rto=f"{state}{district}",
        )
