"""The network allowlist: CIDRs from settings, IPv4 and IPv6, bad entries fail at load."""

from __future__ import annotations

import pytest

from nervecentre.errors import ConfigError
from nervecentre.security.network import forwarded_client, is_allowed, parse_networks
from nervecentre.settings import load_settings

CENTRE = "10.20.0.0/16,192.168.1.0/24,fd00:abcd::/32"


@pytest.mark.parametrize(
    ("ip", "networks", "allowed"),
    [
        ("127.0.0.1", "127.0.0.0/8,::1/128", True),
        ("127.9.9.9", "127.0.0.0/8,::1/128", True),
        ("::1", "127.0.0.0/8,::1/128", True),
        ("::ffff:127.0.0.1", "127.0.0.0/8,::1/128", True),  # IPv4-mapped, dual-stack socket
        ("10.0.0.1", "127.0.0.0/8,::1/128", False),
        ("10.20.3.4", CENTRE, True),
        ("::ffff:10.20.3.4", CENTRE, True),
        ("10.21.0.1", CENTRE, False),
        ("192.168.1.255", CENTRE, True),
        ("192.168.2.1", CENTRE, False),
        ("fd00:abcd::17", CENTRE, True),
        ("fd00:abce::17", CENTRE, False),
        ("2001:db8::1", CENTRE, False),
        ("", CENTRE, False),
        ("localhost", "127.0.0.0/8", False),
        ("10.20.3.4.5", CENTRE, False),
        ("10.20.3.4", "", False),  # an empty allowlist lets nobody in
    ],
)
def test_is_allowed(ip: str, networks: str, allowed: bool) -> None:
    assert is_allowed(ip, networks) is allowed
    assert is_allowed(ip, parse_networks(networks)) is allowed


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "10.0.0.5/8", "not-a-net", "::1/129", "1.2.3/8"])
def test_bad_cidrs_are_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="NERVECENTRE_ALLOWED_NETWORKS"):
        parse_networks(f"127.0.0.0/8, {bad}")


def test_bad_cidr_in_settings_fails_at_load_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NERVECENTRE_ALLOWED_NETWORKS", "10.0.0.0/8, 300.1.1.0/24")
    with pytest.raises(ConfigError, match=r"300\.1\.1\.0/24"):
        load_settings()
    monkeypatch.setenv("NERVECENTRE_ALLOWED_NETWORKS", " 10.0.0.0/8 , fd00::/8 ")
    settings = load_settings()
    assert is_allowed("fd00::5", settings.allowed_networks)
    assert not is_allowed("127.0.0.1", settings.allowed_networks)


def test_default_is_loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NERVECENTRE_ALLOWED_NETWORKS", raising=False)
    monkeypatch.delenv("NERVECENTRE_CONFIG", raising=False)
    networks = load_settings().allowed_networks
    assert is_allowed("127.0.0.1", networks) and is_allowed("::1", networks)
    assert not is_allowed("192.168.1.10", networks)


PROXIES = parse_networks("10.0.0.0/24,::1/128")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("127.0.0.1", "10.20.3.4", "127.0.0.1"),  # not a proxy: its header proves nothing
        ("10.0.0.5", "10.20.3.4", "10.20.3.4"),
        ("10.0.0.5", "203.0.113.7, 10.20.3.4", "10.20.3.4"),  # what the client wrote is ignored
        ("10.0.0.5", "10.20.3.4, 10.0.0.9", "10.20.3.4"),  # a second trusted hop is skipped
        ("10.0.0.5", "10.0.0.8, 10.0.0.9", "10.0.0.8"),  # every hop trusted: the first one
        ("::1", "fd00::7", "fd00::7"),
        ("10.0.0.5", "", "10.0.0.5"),  # nothing forwarded: the proxy itself
        ("10.0.0.5", "garbage", "garbage"),  # refused by the allowlist later
        ("10.0.0.5", "10.20.3.4, ", ""),
    ],
)
def test_forwarded_client(peer: str, forwarded_for: str, client: str) -> None:
    assert forwarded_client(peer, forwarded_for, PROXIES) == client
    assert forwarded_client(peer, forwarded_for, ()) == peer  # no proxies: never believed


def test_trusted_proxies_default_to_none_and_bad_ones_fail_at_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NERVECENTRE_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("NERVECENTRE_CONFIG", raising=False)
    assert load_settings().trusted_proxies == ""
    monkeypatch.setenv("NERVECENTRE_TRUSTED_PROXIES", "10.0.0.7/24")
    with pytest.raises(ConfigError, match=r"NERVECENTRE_TRUSTED_PROXIES: '10\.0\.0\.7/24'"):
        load_settings()
