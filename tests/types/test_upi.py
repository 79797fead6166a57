"""UPI IDs (VPAs)."""

from __future__ import annotations

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.types import detect, normalise
from nervecentre.types.upi import known_psps


@pytest.mark.parametrize(
    ("raw", "value", "psp"),
    [
        ("ravi.k@oksbi", "ravi.k@oksbi", "oksbi"),
        ("Ravi.K@OKSBI", "ravi.k@oksbi", "oksbi"),
        ("9876543210@ybl", "9876543210@ybl", "ybl"),
        ("९८७६५४३२१०@paytm", "9876543210@paytm", "paytm"),
        ("shop_no-1@okhdfcbank", "shop_no-1@okhdfcbank", "okhdfcbank"),
        ("upi://pay?pa=merchant@axl&pn=Shop&am=10", "merchant@axl", "axl"),
    ],
)
def test_valid(raw: str, value: str, psp: str) -> None:
    upi = normalise("upi", raw)
    assert upi.value == value
    assert upi.extra["psp"] == psp
    assert upi.extra["known_psp"] == "true"
    assert upi.extra["provider"]


def test_unknown_psp_is_accepted_but_flagged() -> None:
    upi = normalise("upi", "someone@newbank")
    assert upi.value == "someone@newbank"
    assert upi.extra["known_psp"] == "false"
    assert "provider" not in upi.extra


def test_data_file_lists_the_big_handles() -> None:
    handles = known_psps()
    for handle in ("ybl", "ibl", "axl", "okaxis", "oksbi", "okicici", "paytm", "upi", "apl"):
        assert handle in handles


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc@gmail.com", "email address, not a UPI ID"),
        ("a@ybl", "2 to 256"),
        ("ravi kumar@ybl", "space"),
        ("ravi@ybl@axl", "exactly one"),
        ("ravi", "exactly one"),
        ("ravi+1@ybl", "2 to 256"),
        ("ravi@9bank", "letters and digits"),
        ("upi://pay?pn=Shop", "no payee"),
        ("' OR 1=1 --@ybl", "space"),
    ],
)
def test_rejections_say_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        normalise("upi", raw)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("abc@ybl", "upi"),
        ("abc@gmail.com", "email"),
        ("abc@oksbi", "upi"),
        ("a.b@rediff.in", "email"),
    ],
)
def test_detect_tells_upi_from_email(raw: str, kind: str) -> None:
    assert detect(raw).kind == kind
