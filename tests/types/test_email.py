"""Email addresses, and where they stop and UPI IDs begin."""

from __future__ import annotations

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.types import normalise


@pytest.mark.parametrize(
    "raw",
    [
        "ravi.kumar@example.com",
        "Ravi.Kumar@Example.COM",
        '"Ravi Kumar" <Ravi.Kumar@Example.COM>',
        "Ravi Kumar <ravi.kumar@example.com>",
        "<ravi.kumar@example.com>",
        "mailto:ravi.kumar@example.com",
        "MAILTO:ravi.kumar@example.com?subject=hi",
        "  ravi.kumar@example.com.",
        "ravi.kumar\uff20example.com",  # full-width @
    ],
)
def test_forms_of_one_address(raw: str) -> None:
    value = normalise("email", raw)
    assert value.value == "ravi.kumar@example.com"
    assert value.extra == {"domain": "example.com"}


def test_plus_and_dots_are_kept() -> None:
    assert normalise("email", "a.b+tag@gmail.com").value == "a.b+tag@gmail.com"


def test_idn_domain_is_punycoded() -> None:
    value = normalise("email", "user@उदाहरण.भारत")
    assert value.value.startswith("user@xn--")
    assert value.value.endswith(".xn--h2brj9c")
    assert normalise("email", value.value) == value


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc@ybl", "looks like a UPI ID"),
        ("ravi kumar@example.com", "contains a space"),
        ("ravi@@example.com", "more than one '@'"),
        ("ravi@kumar@example.com", "more than one '@'"),
        ("ravi.example.com", "no '@'"),
        ("@example.com", "nothing before"),
        (".ravi@example.com", "cannot have"),
        ("ra..vi@example.com", "cannot have"),
        ("ravi@example..com", "two dots in a row"),
        ("ravi@-example.com", "not allowed in a domain"),
        ("ravi@example.c0m", "top-level domain"),
        ("ravi@1.2.3.4", "top-level domain"),
        ('"ravi"@example.com', "quoted"),
        ("x" * 65 + "@example.com", "64 characters"),
        ("' OR 1=1 --@example.com", "space"),
    ],
)
def test_rejections_say_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        normalise("email", raw)
