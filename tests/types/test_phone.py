"""Phone numbers as they appear in Indian case registers."""

from __future__ import annotations

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.types import normalise


@pytest.mark.parametrize(
    "raw",
    [
        "+91 98765 43210",
        "098765-43210",
        "0091 9876543210",
        "0091-98765-43210",
        "91-9876543210",
        "919876543210",
        "9876543210",
        "98765.43210",
        " 98765  43210 ",
        "+91-98765-43210",
        "(+91) 98765 43210",
        "९८७६५४३२१०",
        "+९१ ९८७६५ ४३२१०",
        "\uff19\uff18\uff17\uff16\uff15\uff14\uff13\uff12\uff11\uff10",  # full-width digits
        "98765\u200b43210",
        "Mob: 98765 43210",
        "Ph. No. 9876543210",
        "+91 98765 43210 ",
    ],
)
def test_indian_mobile_variants(raw: str) -> None:
    value = normalise("phone", raw)
    assert value.kind == "phone"
    assert value.value == "+919876543210"
    assert value.display == "+91 98765 43210"
    assert value.extra == {"type": "mobile", "region": "IN"}


def test_landline_with_std_code() -> None:
    value = normalise("phone", "(022) 2345 6789")
    assert value.value == "+912223456789"
    assert value.extra["type"] == "fixed_line"


def test_region_hint_reads_local_numbers_elsewhere() -> None:
    assert normalise("phone", "(201) 555-0123", region="US").value == "+12015550123"
    assert normalise("phone", "+44 20 7946 0018").extra["region"] == "GB"


def test_international_number_ignores_default_region() -> None:
    assert normalise("phone", "+1 201 555 0123").value == "+12015550123"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("12345", "too short for an Indian"),
        ("+91 98765 4321", "9 digits after \\+91; an Indian mobile number has 10"),
        ("98765432101234", "too long"),
        ("98765 43210 / 98765 43211", "two numbers"),
        ("5555555555", "no Indian number starts with those digits"),
        ("0000000000", "not a valid number"),
        ("call 9876543210", "contains letters"),
        ("1-800-FLOWERS", "contains letters"),
        ("98765#43210", "characters other than digits"),
        ("+999 1234567", "unknown country code"),
        ("98765+43210", "'\\+' in the middle"),
        ("---", "no digits"),
    ],
)
def test_rejections_say_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message) as info:
        normalise("phone", raw)
    assert info.value.kind == "phone"
    assert info.value.value == raw


def test_unknown_region_hint() -> None:
    with pytest.raises(InvalidValue, match="unknown phone region"):
        normalise("phone", "9876543210", region="XX")


def test_e164_agrees_with_the_phone_type() -> None:
    """types.phone.e164 (the indicator scanner's check) accepts exactly what PhoneType does."""
    import random

    from nervecentre.errors import InvalidValue
    from nervecentre.types.phone import PhoneType, e164

    rng = random.Random(5)
    samples = [
        "+91 98765 43210", "098765-43210", "+44 7400 123456", "0044 7400 123456",
        "+1 201-555-0123", "022 2345 6789", "12345", "+91 12345", "98765+43210", "Mob: 9876543210",
    ]  # fmt: skip
    for _ in range(400):
        digits = "".join(str(rng.randrange(10)) for _ in range(rng.randrange(6, 15)))
        samples.append(rng.choice(("", "+", "0", "00", "+91 ")) + digits)
    for _ in range(3000):  # every Indian plan: 10 digits, with the usual prefixes
        digits = "".join(str(rng.randrange(10)) for _ in range(10))
        samples.append(rng.choice(("", "0", "+91", "91", "0091")) + digits)
    phone = PhoneType()
    for text in samples:
        for region in ("IN", "GB"):
            try:
                expected: str | None = phone.clean(text, region=region).value
            except InvalidValue:
                expected = None
            assert e164(text, region) == expected, (text, region)
