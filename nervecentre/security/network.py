"""The network allowlist: only the centre's own networks may reach the web app and API."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from nervecentre.errors import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def parse_networks(spec: str, setting: str = "NERVECENTRE_ALLOWED_NETWORKS") -> tuple[Network, ...]:
    """The networks of a comma-separated CIDR list; ConfigError names the setting and entry."""
    networks: list[Network] = []
    for part in spec.split(","):
        text = part.strip()
        if not text:
            continue
        try:
            # strict: '10.0.0.5/8' is more likely a typo than a wish for all of 10/8.
            networks.append(ipaddress.ip_network(text, strict=True))
        except ValueError as exc:
            raise ConfigError(f"{setting}: {text!r} is not a valid CIDR network ({exc})") from None
    return tuple(networks)


def is_allowed(ip: str, networks: str | Iterable[Network]) -> bool:
    """True when ``ip`` lies in one of ``networks`` (a CIDR list or parsed networks).

    An IPv4 client seen through a dual-stack socket (``::ffff:10.1.2.3``) is checked as
    IPv4. Anything that is not an address (empty, a hostname, garbage) is refused.
    """
    nets = parse_networks(networks) if isinstance(networks, str) else tuple(networks)
    try:
        address = ipaddress.ip_address(ip.strip())
    except (ValueError, AttributeError):
        return False
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)
    return any(a.version == n.version and a in n for a in candidates for n in nets)


def forwarded_client(peer: str, forwarded_for: str, proxies: Iterable[Network]) -> str:
    """The client's address when ``peer`` is one of the trusted ``proxies``, else ``peer``.

    Each proxy appends the address it saw to X-Forwarded-For, so the list is read from the
    right: trusted proxies are skipped, and the first other entry is the client. Whatever
    lies left of it was written by the client itself and proves nothing. An entry that is not
    an address is returned as it is (the allowlist then refuses it); a proxy that sent no
    address leaves the peer as the client.
    """
    nets = tuple(proxies)
    if not nets or not is_allowed(peer, nets):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    if hops == [""]:
        return peer
    for hop in reversed(hops):
        if not is_allowed(hop, nets):
            return hop
    return hops[0]  # every hop is a trusted proxy: the first one is as far as we can see
