"""The public API: kinds, caching, hints, guards every kind shares, and detect()."""

from __future__ import annotations

import pickle

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.types import (
    DETECT_ORDER,
    KINDS,
    MAX_LENGTH,
    Value,
    ValueType,
    detect,
    get_type,
    normalise,
    try_normalise,
)


def test_kinds_are_the_declared_ten_in_order() -> None:
    assert KINDS == (
        "phone",
        "email",
        "upi",
        "bank_account",
        "crypto",
        "ip",
        "imei",
        "vehicle",
        "social",
        "url",
    )
    for kind in KINDS:
        value_type = get_type(kind)
        assert isinstance(value_type, ValueType)
        assert value_type.name == kind
        assert value_type.label


def test_unknown_kind_is_invalid_value() -> None:
    with pytest.raises(InvalidValue, match="unknown value kind 'aadhaar'"):
        normalise("aadhaar", "1234")
    with pytest.raises(InvalidValue):
        get_type("aadhaar")
    assert try_normalise("aadhaar", "1234") is None


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n", "\u200b"])
def test_missing_values_are_rejected_with_the_kind(kind: str, raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        normalise(kind, raw)
    assert info.value.kind == kind
    assert "empty" in str(info.value)


@pytest.mark.parametrize("kind", KINDS)
def test_non_text_is_rejected(kind: str) -> None:
    with pytest.raises(InvalidValue, match="must be text, not float"):
        normalise(kind, 9.87654321e9)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "raw",
    ["' OR 1=1 --", "'; DROP TABLE cases; --", "<script>alert(1)</script>", "../../etc/passwd"],
)
def test_injection_looking_strings_are_rejected_cleanly(kind: str, raw: str) -> None:
    with pytest.raises(InvalidValue) as info:
        normalise(kind, raw)
    assert info.value.kind == kind


@pytest.mark.parametrize("kind", KINDS)
def test_a_megabyte_cell_is_refused_by_length(kind: str) -> None:
    huge = "9" * 1_000_000
    with pytest.raises(InvalidValue, match=f"limit is {MAX_LENGTH:,}"):
        normalise(kind, huge)
    with pytest.raises(InvalidValue, match="limit"):
        get_type(kind).clean(huge)


def test_detect_refuses_a_megabyte_cell() -> None:
    with pytest.raises(InvalidValue, match="limit"):
        detect("a@b.com " * 200_000)


def test_unknown_hint_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="chain"):
        normalise("phone", "9876543210", chain="ETH")


def test_empty_hints_are_ignored() -> None:
    assert normalise("phone", "9876543210", region="").value == "+919876543210"


def test_whole_numbers_from_spreadsheets_are_accepted() -> None:
    assert normalise("phone", 9876543210).value == "+919876543210"  # type: ignore[arg-type]


def test_value_is_immutable_hashable_and_picklable() -> None:
    value = normalise("upi", "Ravi@YBL")
    assert value == Value("upi", "ravi@ybl", "ravi@ybl", dict(value.extra))
    assert hash(value) == hash(Value("upi", "ravi@ybl", "other display", {}))
    assert str(value) == "ravi@ybl"
    with pytest.raises(AttributeError):
        value.value = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        value.extra["psp"] = "x"  # type: ignore[index]
    assert pickle.loads(pickle.dumps(value)) == value
    assert {value, normalise("upi", "ravi@ybl")} == {value}


def test_plain_calls_are_cached_and_hinted_calls_are_not() -> None:
    assert normalise("phone", "098765-43210") is normalise("phone", "098765-43210")
    assert normalise("phone", "098765-43210", region="IN") == normalise("phone", "098765-43210")


def test_try_normalise() -> None:
    assert try_normalise("imei", "352099001761481") is not None
    assert try_normalise("imei", "352099001761482") is None


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("https://Example.com/a", "url", "https://example.com/a"),
        ("www.example.com", "url", "http://www.example.com/"),
        ("abc@ybl", "upi", "abc@ybl"),
        ("9876543210@paytm", "upi", "9876543210@paytm"),
        ("abc@gmail.com", "email", "abc@gmail.com"),
        ('"Ravi" <Ravi@Example.COM>', "email", "ravi@example.com"),
        ("mailto:ravi@example.com", "email", "ravi@example.com"),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "crypto", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"),
        (
            "bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa?amount=0.01",
            "crypto",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        ),
        ("12345678901 / SBIN0001234", "bank_account", "SBIN0001234:12345678901"),
        ("10.0.0.1:8080", "ip", "10.0.0.1"),
        ("352099001761481", "imei", "352099001761481"),
        ("+91 98765 43210", "phone", "+919876543210"),
        ("९८७६५४३२१०", "phone", "+919876543210"),
        ("MH 04 AB 1234", "vehicle", "MH04AB1234"),
    ],
)
def test_detect(raw: str, kind: str, value: str) -> None:
    detected = detect(raw)
    assert (detected.kind, detected.value) == (kind, value)


def test_detect_prefers_imei_to_phone_for_a_luhn_valid_15_digit_number() -> None:
    assert DETECT_ORDER.index("imei") < DETECT_ORDER.index("phone")
    assert detect("35-209900-176148-1").kind == "imei"


def test_detect_explains_what_it_tried() -> None:
    with pytest.raises(InvalidValue, match=r"url: .*javascript: link"):
        detect("javascript:alert(1)")
    with pytest.raises(InvalidValue, match="does not look like any identifier"):
        detect("' OR 1=1 --")
    with pytest.raises(InvalidValue, match="does not look like"):
        detect("@some.user")  # a bare handle needs a platform
    with pytest.raises(InvalidValue, match=r"imei: .*Luhn"):
        detect("352099001761482")


@pytest.mark.parametrize("raw", [None, "", "  ", "\u200b"])
def test_detect_rejects_missing(raw: str) -> None:
    with pytest.raises(InvalidValue, match="nothing to detect") as info:
        detect(raw)
    assert info.value.kind is None


def test_detect_rejects_non_text() -> None:
    with pytest.raises(InvalidValue, match="give text"):
        detect(3.5)  # type: ignore[arg-type]
