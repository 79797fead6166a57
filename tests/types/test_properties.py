"""Properties for every kind: normalising is idempotent, display round-trips, nothing crashes."""

from __future__ import annotations

import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nervecentre.errors import InvalidValue
from nervecentre.types import KINDS, Value, detect, normalise, try_normalise
from nervecentre.types import _base58 as b58
from nervecentre.types import _bech32 as bech32
from nervecentre.types.crypto import keccak256
from nervecentre.types.upi import known_psps
from nervecentre.types.vehicle import state_codes

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much]
)


def _luhn_digit(body: str) -> str:
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str(-total % 10)


def _spaced(text: str, draw: st.DrawFn) -> str:
    sep = draw(st.sampled_from(["", " ", "-"]))
    cut = draw(st.integers(1, len(text) - 1))
    return text[:cut] + sep + text[cut:]


@st.composite
def phones(draw: st.DrawFn) -> str:
    number = draw(st.sampled_from("6789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    prefix = draw(st.sampled_from(["", "0", "+91 ", "0091 ", "91-", "+91-"]))
    return prefix + _spaced(number, draw)


@st.composite
def emails(draw: st.DrawFn) -> str:
    local = draw(st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9._+\-]{0,10}[a-zA-Z0-9])?", fullmatch=True))
    assume(".." not in local)
    domain = draw(st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9\-]{0,10}[a-zA-Z0-9])?", fullmatch=True))
    tld = draw(st.sampled_from(["com", "IN", "co.in", "org", "xn--h2brj9c"]))
    address = f"{local}@{domain}.{tld}"
    return draw(st.sampled_from([address, f"<{address}>", f"mailto:{address}"]))


@st.composite
def upis(draw: st.DrawFn) -> str:
    local = draw(st.from_regex(r"[a-zA-Z0-9._\-]{2,30}", fullmatch=True))
    psp = draw(st.sampled_from([*sorted(known_psps()), "newpsp"]))
    return f"{local}@{psp}"


@st.composite
def bank_accounts(draw: st.DrawFn) -> str:
    account = draw(st.text("0123456789", min_size=9, max_size=18))
    assume(account.strip("0"))
    ifsc = draw(st.from_regex(r"[A-Z]{4}0[A-Z0-9]{6}", fullmatch=True))
    layout = draw(st.sampled_from(["{a}", "{a} / {i}", "{i}-{a}", "A/c {a} IFSC: {i}"]))
    return layout.format(a=_spaced(account, draw), i=ifsc)


@st.composite
def cryptos(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["b58", "segwit", "eth", "xmr", "bch"]))
    if kind == "b58":
        version = draw(st.sampled_from([0x00, 0x05, 0x6F, 0xC4, 0x30, 0x32, 0x1E, 0x41]))
        return b58.check_encode(bytes([version]) + draw(st.binary(min_size=20, max_size=20)))
    if kind == "segwit":
        version = draw(st.integers(0, 16))
        size = draw(st.sampled_from([20, 32])) if version == 0 else draw(st.integers(2, 40))
        program = draw(st.binary(min_size=size, max_size=size))
        address = bech32.encode_segwit(draw(st.sampled_from(["bc", "tb", "ltc"])), version, program)
        return address.upper() if draw(st.booleans()) else address
    if kind == "eth":
        body = draw(st.binary(min_size=20, max_size=20)).hex()
        return "0x" + (body.upper() if draw(st.booleans()) else body)
    if kind == "xmr":
        tag, size = draw(st.sampled_from([(18, 64), (42, 64), (19, 72)]))
        data = bytes([tag]) + draw(st.binary(min_size=size, max_size=size))
        return b58.monero_encode(data + keccak256(data)[:4])
    version = draw(st.sampled_from([0x00, 0x08]))
    return bech32.encode_cashaddr("bitcoincash", version, draw(st.binary(min_size=20, max_size=20)))


@st.composite
def ips(draw: st.DrawFn) -> str:
    address = draw(st.ip_addresses())
    if address.version == 4 and draw(st.booleans()):
        return f"{address}:{draw(st.integers(1, 65535))}"
    if address.version == 6 and draw(st.booleans()):
        return f"[{address.exploded.upper()}]:443"
    return str(address)


@st.composite
def imeis(draw: st.DrawFn) -> str:
    body = draw(st.text("0123456789", min_size=14, max_size=14))
    assume(body.strip("0"))
    imei = body + _luhn_digit(body)
    return draw(st.sampled_from([imei, f"{imei[:2]} {imei[2:8]} {imei[8:14]} {imei[14]}"]))


@st.composite
def vehicles(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        year = draw(st.integers(21, 29))
        letters = draw(st.text(string.ascii_uppercase, min_size=1, max_size=2))
        return f"{year} BH {draw(st.integers(1000, 9999))} {letters}"
    state = draw(st.sampled_from(sorted(state_codes())))
    series = draw(st.text(string.ascii_uppercase, min_size=1, max_size=3))
    sep = draw(st.sampled_from(["", " ", "-"]))
    parts = [state, str(draw(st.integers(1, 99))), series, str(draw(st.integers(1, 9999)))]
    text = sep.join(parts)
    return text.lower() if draw(st.booleans()) else text


@st.composite
def socials(draw: st.DrawFn) -> str:
    handle = draw(st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{4,14}", fullmatch=True))
    platform = draw(st.sampled_from(["instagram", "x", "telegram"]))
    host = {"instagram": "instagram.com", "x": "x.com", "telegram": "t.me"}[platform]
    return draw(
        st.sampled_from(
            [f"{platform}:@{handle}", f"https://www.{host}/{handle}/", f"{host}/{handle}"]
        )
    )


@st.composite
def urls(draw: st.DrawFn) -> str:
    host = draw(st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9\-]{0,10}[a-zA-Z0-9])?", fullmatch=True))
    path = draw(st.from_regex(r"(/[A-Za-z0-9._~%\-]{0,8}){0,3}", fullmatch=True))
    query = draw(st.from_regex(r"(\?[A-Za-z0-9=&]{1,10})?", fullmatch=True))
    scheme = draw(st.sampled_from(["http://", "https://", "HTTPS://", ""]))
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    return f"{scheme}{host}.{draw(st.sampled_from(['com', 'in', 'onion.ly']))}{port}{path}{query}"


STRATEGIES: dict[str, st.SearchStrategy[str]] = {
    "phone": phones(),
    "email": emails(),
    "upi": upis(),
    "bank_account": bank_accounts(),
    "crypto": cryptos(),
    "ip": ips(),
    "imei": imeis(),
    "vehicle": vehicles(),
    "social": socials(),
    "url": urls(),
}


def test_every_kind_has_a_strategy() -> None:
    assert set(STRATEGIES) == set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_idempotent_and_display_round_trips(kind: str) -> None:
    @PROPERTY
    @given(STRATEGIES[kind])
    def check(raw: str) -> None:
        value = try_normalise(kind, raw)
        assume(value is not None)  # e.g. an unallocated mobile range
        assert isinstance(value, Value)
        assert value.kind == kind
        assert normalise(kind, value.value) == value
        assert normalise(kind, value.display) == value

    check()


@pytest.mark.parametrize("kind", ["email", "upi", "crypto", "ip", "imei", "vehicle", "url"])
def test_generated_valid_inputs_are_accepted(kind: str) -> None:
    @PROPERTY
    @given(STRATEGIES[kind])
    def check(raw: str) -> None:
        assert normalise(kind, raw).kind == kind

    check()


@pytest.mark.parametrize("kind", KINDS)
def test_arbitrary_text_never_crashes(kind: str) -> None:
    @settings(max_examples=150, deadline=None)
    @given(st.text(max_size=80))
    def check(raw: str) -> None:
        try:
            assert normalise(kind, raw).kind == kind
        except InvalidValue as exc:
            assert exc.kind == kind

    check()


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), *STRATEGIES.values()))
def test_detect_never_crashes_and_agrees_with_normalise(raw: str) -> None:
    try:
        value = detect(raw)
    except InvalidValue:
        return
    assert normalise(value.kind, raw) == value
