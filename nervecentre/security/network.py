"""The network allowlist: only the centre's own networks may reach the web app and API."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from nervecentre.errors import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def parse_networks(spec: str) -> tuple[Network, ...]:
    """The networks of a comma-separated CIDR list; ConfigError names a bad entry."""
    networks: list[Network] = []
    for part in spec.split(","):
        text = part.strip()
        if not text:
            continue
        try:
            # strict: '10.0.0.5/8' is more likely a typo than a wish for all of 10/8.
            networks.append(ipaddress.ip_network(text, strict=True))
        except ValueError as exc:
            raise ConfigError(
                f"NERVECENTRE_ALLOWED_NETWORKS: {text!r} is not a valid CIDR network ({exc})"
            ) from None
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
