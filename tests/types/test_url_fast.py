"""The plain-URL fast path and the onion decoding give exactly what the general path gives."""

from __future__ import annotations

import base64
import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nervecentre.errors import InvalidValue
from nervecentre.types.url import _PLAIN, UrlType, onion_version

url_type = UrlType()

# Pieces that the fast path must read as urlsplit does, or leave to it: user info, IPv6,
# ports out of range or empty, Unicode and percent signs in hosts, '?' and '#' in odd places,
# control characters, empty labels, trailing dots.
SCHEMES = ["http", "https", "HTTP", "hTtPs", "httpx", "ftp", "http:", "https:/"]
HOSTS = [
    "example.com", "Example.COM", "a-b.example.in", "x_y.example", "-bad.example", "bad-.example",
    "a..b", ".", "..", "example.com.", "127.0.0.1", "xn--bcher-kva.example", "bücher.example",
    "user:pw@example.com", "bank.com@evil.example", "[::1]", "[::1", "ex%41mple.com", "",
    "a" * 64 + ".com", ".".join(["abcdefghij"] * 26), "exa\x00mple.com", "UPPER.Example",
    "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
    "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczae.onion",
    "expyuzz4wqqyqhjn.onion", "www.facebookcorewwwi.onion",
]  # fmt: skip
PORTS = ["", ":", ":80", ":443", ":8080", ":0", ":080", ":65535", ":65536", ":99999", ":8a", ":-1"]
TAILS = [
    "", "/", "/a/b", "/Path/To?B=2&a=1#frag", "?q=1", "#top", "/?", "/#", "/a?b?c#d#e",
    "/पैसा/भेजो", "/%E0%A4%AA", "/a\x01b", "/x?u=http://y.example/#z", "/a;b=c", "/a[1]",
    "?", "#", "/~user/", "/a'b\"c", "/%zz",
]  # fmt: skip


def _outcome(parse: object, text: str) -> tuple[str, object]:
    try:
        value = parse(text)  # type: ignore[operator]
    except InvalidValue as exc:
        return "error", str(exc)
    return "value", (value.value, value.display, dict(value.extra))


def _general(text: str) -> object:
    return url_type.parse_general(text, url_type.refanged(text))


def _fast(text: str) -> object:
    return url_type.parse(text, {})


@settings(max_examples=2500, deadline=None)
@given(
    st.sampled_from(SCHEMES),
    st.sampled_from(HOSTS),
    st.sampled_from(PORTS),
    st.sampled_from(TAILS),
    st.sampled_from(TAILS),
)
def test_fast_path_agrees_with_urlsplit(
    scheme: str, host: str, port: str, tail: str, more: str
) -> None:
    text = f"{scheme}://{host}{port}{tail}{more}"
    assert _outcome(_fast, text) == _outcome(_general, text)


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="abcXYZ09.-_:/?#@[]%\x00é", max_size=40))
def test_fast_path_agrees_on_arbitrary_text(rest: str) -> None:
    for text in (f"http://{rest}", f"https://{rest}", f"HTTP://ex.com{rest}"):
        assert _outcome(_fast, text) == _outcome(_general, text)


def test_fast_path_is_taken_for_the_usual_shape() -> None:
    """The equivalence tests above would pass with no fast path at all: check it is used."""
    assert _PLAIN.fullmatch("https://Example.com:8443/a?b=1#c") is not None
    assert _PLAIN.fullmatch("http://user@example.com/") is None  # user info: urlsplit
    assert _PLAIN.fullmatch("http://[::1]/") is None


def _onion(pubkey: bytes, version: bytes = b"\x03") -> str:
    checksum = hashlib.sha3_256(b".onion checksum" + pubkey + version).digest()[:2]
    return base64.b32encode(pubkey + checksum + version).decode().lower()


def _reference_version(label: str) -> str:
    """onion_version as written with base64.b32decode (the reference for the int decoding)."""
    raw = base64.b32decode(label.upper())
    pubkey, checksum, version = raw[:32], raw[32:34], raw[34:]
    if version != b"\x03":
        raise ValueError("version")
    if hashlib.sha3_256(b".onion checksum" + pubkey + version).digest()[:2] != checksum:
        raise ValueError("checksum")
    return "3"


def test_onion_decoding_agrees_with_b32decode() -> None:
    rng = random.Random(15)
    labels = []
    for _ in range(300):
        label = _onion(rng.randbytes(32), bytes([rng.choice([3, 3, 3, 2, 4])]))
        labels.append(label)
        i = rng.randrange(56)  # one character changed: a broken checksum (almost always)
        labels.append(label[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz234567") + label[i + 1 :])
    labels += ["a" * 56, "7" * 56, "2" * 56]
    for label in labels:
        try:
            expected: str | None = _reference_version(label)
        except ValueError:
            expected = None
        try:
            got: str | None = onion_version(label)
        except ValueError:
            got = None
        assert got == expected, label


@pytest.mark.parametrize("label", ["A" * 56, "a" * 55, "a" * 57, "1" * 56, "é" * 56, ""])
def test_onion_labels_of_the_wrong_shape_are_refused(label: str) -> None:
    with pytest.raises(ValueError, match="56 letters"):
        onion_version(label)
