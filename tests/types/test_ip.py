"""IP addresses as servers and platforms log them."""

from __future__ import annotations

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.types import normalise


@pytest.mark.parametrize(
    ("raw", "value", "version", "scope"),
    [
        ("8.8.8.8", "8.8.8.8", "4", "public"),
        ("1.2.3.4:443", "1.2.3.4", "4", "public"),
        ("192.168.1.10", "192.168.1.10", "4", "private"),
        ("127.0.0.1", "127.0.0.1", "4", "loopback"),
        ("240.0.0.1", "240.0.0.1", "4", "private"),
        ("100.64.0.1", "100.64.0.1", "4", "reserved"),
        ("2001:4860:4860:0000:0000:0000:0000:8888", "2001:4860:4860::8888", "6", "public"),
        ("[2001:db8::1]:80", "2001:db8::1", "6", "private"),
        ("[2404:6800:4009:80B::200E]", "2404:6800:4009:80b::200e", "6", "public"),
        ("::1", "::1", "6", "loopback"),
        ("::ffff:49.36.1.2", "49.36.1.2", "4", "public"),
        ("१९२.१६८.१.१०", "192.168.1.10", "4", "private"),
    ],
)
def test_valid(raw: str, value: str, version: str, scope: str) -> None:
    ip = normalise("ip", raw)
    assert ip.value == value
    assert ip.extra["version"] == version
    assert ip.extra["scope"] == scope
    assert ip.extra["private"] == ("true" if scope in ("private", "loopback") else "false")


def test_ipv6_zone_is_kept_aside() -> None:
    ip = normalise("ip", "fe80::1%eth0")
    assert ip.value == "fe80::1"
    assert ip.extra["zone"] == "eth0"
    assert normalise("ip", "[fe80::1%25]:22").value == "fe80::1"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("010.1.1.1", "leading zero.*octal"),
        ("10.01.1.1", "leading zero"),
        ("256.1.1.1", "not an IPv4 or IPv6"),
        ("1.2.3", "not an IPv4 or IPv6"),
        ("1.2.3.4:70000", "impossible port"),
        ("2001:db8::1::2", "not an IPv4 or IPv6"),
        ("16909060", "not an IPv4 or IPv6"),
        ("localhost", "not an IPv4 or IPv6"),
    ],
)
def test_rejections_say_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        normalise("ip", raw)
