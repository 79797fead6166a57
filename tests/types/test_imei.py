"""IMEI numbers and their Luhn check digit."""

from __future__ import annotations

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.types import normalise
from nervecentre.types.imei import luhn_ok


@pytest.mark.parametrize(
    "raw",
    [
        "352099001761481",
        "35-209900-176148-1",
        "35 209900 176148 1",
        "35/209900/176148/1",
        "IMEI: 352099001761481",
        "३५२०९९००१७६१४८१",
    ],
)
def test_valid_imei(raw: str) -> None:
    value = normalise("imei", raw)
    assert value.value == "352099001761481"
    assert value.display == "35-209900-176148-1"
    assert value.extra == {"type": "imei", "tac": "35209900"}


def test_imeisv_has_no_check_digit() -> None:
    value = normalise("imei", "35-209900-176148-23")
    assert value.value == "3520990017614823"
    assert value.extra["type"] == "imeisv"


def test_luhn() -> None:
    assert luhn_ok("79927398713")  # the textbook Luhn example
    assert not luhn_ok("79927398710")
    assert luhn_ok("490154203237518")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("352099001761482", "Luhn"),
        ("352099001761418", "Luhn"),  # two digits swapped
        ("35209900176148", "14 digits.*check digit"),
        ("3520990017614", "13 digits"),
        ("35209900176148123", "17 digits"),
        ("35209900176148A", "only digits"),
        ("000000000000000", "all zeros"),
    ],
)
def test_rejections_say_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        normalise("imei", raw)
