"""Web addresses, including onion services and refused schemes."""

from __future__ import annotations

import base64
import hashlib
import random

import pytest

from nervecentre.errors import InvalidValue
from nervecentre.types import normalise

DUCKDUCKGO_ONION = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion"


def make_onion(pubkey: bytes) -> str:
    checksum = hashlib.sha3_256(b".onion checksum" + pubkey + b"\x03").digest()[:2]
    return base64.b32encode(pubkey + checksum + b"\x03").decode().lower() + ".onion"


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("http://example.com", "http://example.com/"),
        ("HTTP://Example.COM:80/", "http://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("example.com/Path/To?B=2&a=1#section", "http://example.com/Path/To?B=2&a=1"),
        ("www.example.com", "http://www.example.com/"),
        ("example.com:8080/x", "http://example.com:8080/x"),
        ("//cdn.example.com/x.js", "http://cdn.example.com/x.js"),
        ("https://bücher.example/straße", "https://xn--bcher-kva.example/straße"),
        ("https://[2001:DB8::1]:8080/x", "https://[2001:db8::1]:8080/x"),
        ("http://49.36.1.2/login.php", "http://49.36.1.2/login.php"),
        ("hxxp://evil[.]example[.]com/pay", "http://evil.example.com/pay"),
        ("hxxps://evil(.)example/x", "https://evil.example/x"),
        ("https://bank.example@evil.example/", "https://bank.example@evil.example/"),
        ("https://example.com/a%20b?q=%27", "https://example.com/a%20b?q=%27"),
    ],
)
def test_canonical_form(raw: str, value: str) -> None:
    assert normalise("url", raw).value == value


def test_host_is_in_extra() -> None:
    value = normalise("url", "https://bank.example@Evil.Example/")
    assert value.extra == {"host": "evil.example"}


def test_published_v3_onion() -> None:
    value = normalise("url", f"https://{DUCKDUCKGO_ONION}/")
    assert value.extra["onion"] == "true"
    assert value.extra["onion_version"] == "3"
    assert normalise("url", DUCKDUCKGO_ONION).value == f"http://{DUCKDUCKGO_ONION}/"


def test_constructed_v3_onion_and_a_one_bit_flip() -> None:
    onion = make_onion(random.Random(7).randbytes(32))
    assert normalise("url", f"http://{onion}/x").extra["onion"] == "true"
    flipped = onion[:10] + ("a" if onion[10] != "a" else "b") + onion[11:]
    with pytest.raises(InvalidValue, match="checksum"):
        normalise("url", f"http://{flipped}/x")


def test_v2_onion_is_accepted_as_legacy() -> None:
    assert normalise("url", "http://abcdefghij234567.onion").extra["onion_version"] == "2"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("javascript:alert(1)", "javascript: link"),
        ("JavaScript:alert(document.cookie)", "javascript: link"),
        ("data:text/html;base64,PHNjcmlwdD4=", "data: link"),
        ("file:///etc/passwd", "file: link"),
        ("ftp://example.com/x", "only http and https"),
        ("https://exa mple.com", "contains a space"),
        ("' OR 1=1 --", "contains a space"),
        ("localhost", "no domain"),
        ("https://", "no host"),
        ("https://example.com:99999/", "malformed"),
        ("https://exa..mple.com/", "two dots in a row"),
        ("http://notvalid.onion/", "56 letters"),
        ("http://" + "a" * 56 + ".onion/", "version|checksum"),
        ("https://[zz::1]/", "malformed|bad IPv6"),
    ],
)
def test_rejections_say_why(raw: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message) as info:
        normalise("url", raw)
    assert info.value.kind == "url"
