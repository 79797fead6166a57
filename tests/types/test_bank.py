"""Bank accounts with and without IFSC."""

from __future__ import annotations

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.types import normalise


@pytest.mark.parametrize(
    "raw",
    [
        "12345678901 / SBIN0001234",
        "SBIN0001234-12345678901",
        "sbin0001234 12345678901",
        "A/c 1234 5678 901 IFSC: SBIN0001234",
        "A/C No. 12345678901, IFSC Code SBIN0001234",
        "Account number 1234-5678-901 (IFSC SBIN0001234)",
        "SBIN0001234:12345678901",
        "A/c 12345678901 (IFSC SBIN0001234)",
    ],
)
def test_account_with_ifsc(raw: str) -> None:
    value = normalise("bank_account", raw)
    assert value.value == "SBIN0001234:12345678901"
    assert value.display == "A/c 12345678901 (IFSC SBIN0001234)"
    assert value.extra == {"account": "12345678901", "ifsc": "SBIN0001234", "bank": "SBIN"}


def test_ifsc_from_hint() -> None:
    value = normalise("bank_account", "1234 5678 9012", ifsc="hdfc0000123")
    assert value.value == "HDFC0000123:123456789012"
    assert value.extra["bank"] == "HDFC"


def test_account_without_ifsc_has_a_leading_colon() -> None:
    value = normalise("bank_account", "000123456789")
    assert value.value == ":000123456789"  # leading zeros are part of the number
    assert "ifsc" not in value.extra


def test_ifsc_with_letters_in_branch_code() -> None:
    assert normalise("bank_account", "123456789 KKBK0ABC123").extra["ifsc"] == "KKBK0ABC123"


@pytest.mark.parametrize(
    ("raw", "hints", "message"),
    [
        ("12345678901 / SBIN1001234", {}, "fifth character must be the digit 0"),
        ("12345678901 / SB1N0001234", {}, "letters or symbols"),
        ("12345678901", {"ifsc": "SBIN000123"}, "not valid"),
        ("12345678901 SBIN0001234", {"ifsc": "HDFC0000123"}, "but HDFC0000123 was given"),
        ("12345678", {}, "8 digits"),
        ("1234567890123456789", {}, "19 digits"),
        ("123456789 / 987654321", {}, "more than one number"),
        ("SBIN0001234 HDFC0000123 123456789", {}, "more than one IFSC"),
        ("SBIN0001234", {}, "no account number"),
        ("000000000", {}, "all zeros"),
        ("12345X78901", {}, "letters or symbols"),
    ],
)
def test_rejections_say_why(raw: str, hints: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        normalise("bank_account", raw, **hints)
