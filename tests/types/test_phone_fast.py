"""The Indian-mobile fast path gives exactly what the full libphonenumber path gives."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nervecentre.errors import InvalidValue
from nervecentre.types.phone import PhoneType, _indian_mobile

phone = PhoneType()
FORMATS = ["{n}", "0{n}", "+91{n}", "+91 {a} {b}", "91-{n}", "0091 {n}", "0{a}-{b}", "91{n}"]


def full(raw: str) -> object:
    digits = "".join(c for c in raw if c.isdigit())
    try:
        return phone.parse_full(raw, digits, raw.lstrip().startswith("+"), "IN")
    except InvalidValue:
        return None


@settings(max_examples=3000, deadline=None)
@given(st.integers(min_value=6_000_000_000, max_value=9_999_999_999), st.sampled_from(FORMATS))
def test_fast_path_agrees_with_libphonenumber(number: int, fmt: str) -> None:
    n = str(number)
    raw = fmt.format(n=n, a=n[:5], b=n[5:])
    try:
        fast = phone.clean(raw)
    except InvalidValue:
        fast = None
    assert fast == full(raw)
    if fast is not None:
        assert fast.display == full(raw).display  # type: ignore[attr-defined]
        assert dict(fast.extra) == dict(full(raw).extra)  # type: ignore[attr-defined]


def test_fast_path_declines_what_it_cannot_prove() -> None:
    assert _indian_mobile("2223456789", False) is None  # landline: full path decides
    assert _indian_mobile("98765", False) is None
    assert _indian_mobile("4412345678", True) is None  # a +44 number
    fast = _indian_mobile("9876543210", False)
    assert fast == "9876543210"
    number = phonenumbers.parse("+919876543210")
    assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE


@pytest.mark.parametrize(
    "raw", ["+91 98765 43210", "098765-43210", "0091-98765-43210", "919876543210", "9876543210"]
)
def test_common_forms_are_one_number(raw: str) -> None:
    assert phone.clean(raw).value == "+919876543210"


def test_indian_grouping_agrees_with_libphonenumber_for_every_prefix() -> None:
    """Every 5-digit mobile prefix (the grouping varies: 98765 43210, 6284 920 276, …)."""
    from nervecentre.types.phone import _indian_international

    checked = 0
    for prefix in range(60000, 100000):
        for tail in ("00000", "17293") if prefix % 7 else ("00000", "17293", "99999"):
            nsn = f"{prefix}{tail}"
            if _indian_mobile(nsn, False) is None:
                continue
            number = phonenumbers.PhoneNumber(country_code=91, national_number=int(nsn))
            expected = phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
            assert _indian_international(nsn) == expected, nsn
            checked += 1
    assert checked > 50000
