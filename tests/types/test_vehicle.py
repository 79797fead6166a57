"""Indian vehicle registration numbers."""

from __future__ import annotations

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.types import normalise
from nervecentre.types.vehicle import state_codes


@pytest.mark.parametrize(
    "raw", ["MH 04 AB 1234", "MH-04-AB-1234", "mh04ab1234", "MH.04.AB.1234", " mh 4 ab 1234 "]
)
def test_standard(raw: str) -> None:
    value = normalise("vehicle", raw)
    assert value.value == "MH04AB1234"
    assert value.display == "MH 04 AB 1234"
    assert value.extra["state"] == "MH"
    assert value.extra["rto"] == "MH04"


def test_old_single_letter_series_is_padded() -> None:
    value = normalise("vehicle", "MH 12 A 123")
    assert value.value == "MH12A0123"
    assert normalise("vehicle", "MH12A0123") == value


def test_delhi_category_letter() -> None:
    assert normalise("vehicle", "DL 1C AB 1234").value == "DL01CAB1234"


def test_bharat_series() -> None:
    value = normalise("vehicle", "22 BH 1234 AA")
    assert value.value == "22BH1234AA"
    assert value.display == "22 BH 1234 AA"
    assert value.extra == {"series": "bharat", "year": "2022"}


def test_state_list_is_complete_enough() -> None:
    codes = state_codes()
    assert {"MH", "DL", "KA", "TN", "UP", "WB", "TG", "LA"} <= codes.keys()
    assert "XX" not in codes


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("XX 04 AB 1234", "not an Indian state"),
        ("ZZ04AB1234", "not an Indian state"),
        ("MH 04 1234", "not an Indian registration"),
        ("MH 123 AB 1234", "not an Indian registration"),
        ("MH 04 ABCD 1234", "not an Indian registration"),
        ("MH 04 AB 12345", "not an Indian registration"),
        ("MH 04 AB 0000", "0000"),
        ("22 BH 1234", "not an Indian registration"),
    ],
)
def test_rejections_say_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        normalise("vehicle", raw)
