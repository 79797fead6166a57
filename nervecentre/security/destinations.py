"""Where the crawler may connect: public addresses, and non-public ones only where named.

A crawled page is written by whoever runs the site: its links, images and redirects could
send the crawler to this machine (``127.0.0.1``: nervecentre itself, PostgreSQL), to the
centre's own network, or to a cloud's metadata service (``169.254.169.254``). The crawler
contacts what an operator points it at: so a non-public address (loopback, private,
link-local, shared, reserved, multicast) is reached only when it is a seed's own address
or lies in ``NERVECENTRE_CRAWL_ALLOWED_NETWORKS``. The address checked is the one
connected to (a name is checked as it resolves, so a name that resolves differently the
second time gains nothing); through a proxy only literal addresses can be checked.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp import ThreadedResolver
from aiohttp.abc import AbstractResolver, ResolveResult

from nervecentre.security.network import parse_networks

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_ANSWERS_KEPT = 4096
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class Refused(OSError):
    """A connection the crawler may not make (reported as the URL's error)."""


def _address(text: str) -> IPAddress | None:
    try:
        found = ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped is not None:
        return found.ipv4_mapped
    return found


def is_public(address: IPAddress) -> bool:
    """A globally routable unicast address."""
    return address.is_global and not address.is_multicast


def seed_reach(seeds: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The non-public addresses the seeds themselves name (an operator pointed there)."""
    found: list[str] = []
    for seed in seeds:
        host = (urlsplit(seed).hostname or "").lower()
        if host in _LOOPBACK_NAMES:
            found += ["127.0.0.1/32", "::1/128"]
            continue
        address = _address(host)
        if address is not None and not is_public(address):
            found.append(f"{address}/{address.max_prefixlen}")
    return tuple(dict.fromkeys(found))


class Reach:
    """The non-public networks one crawl may reach (everything public it may)."""

    def __init__(self, networks: tuple[str, ...]) -> None:
        self.networks = parse_networks(",".join(networks), "NERVECENTRE_CRAWL_ALLOWED_NETWORKS")
        # Answers by host text (the networks never change): a crawl asks for the same few
        # hosts on every request. Bounded, so that a crawl of many hosts stays flat.
        self._answers: dict[str, str | None] = {}

    def refusal(self, host: str) -> str | None:
        """Why the crawler may not connect to this address (None: it may; not an address)."""
        try:
            return self._answers[host]
        except KeyError:
            pass
        answer = self._refusal(host)
        if len(self._answers) >= _ANSWERS_KEPT:
            self._answers.clear()
        self._answers[host] = answer
        return answer

    def _refusal(self, host: str) -> str | None:
        address = _address(host)
        if address is None or is_public(address):
            return None
        if any(address.version == n.version and address in n for n in self.networks):
            return None
        return (
            f"refused: {address} is not a public address (loopback, private, link-local or "
            "reserved); the crawler reaches such addresses only when a seed names them or "
            "NERVECENTRE_CRAWL_ALLOWED_NETWORKS lists them"
        )

    def check_url(self, url: str) -> None:
        """Refused for a URL whose host is a literal address out of reach."""
        reason = self.refusal(urlsplit(url).hostname or "")
        if reason:
            raise Refused(reason)


class GuardedResolver(AbstractResolver):
    """Resolves names as usual and keeps only the addresses within reach."""

    def __init__(self, reach: Reach) -> None:
        self.reach = reach
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        kept = [r for r in found if self.reach.refusal(r["host"]) is None]
        if not kept:
            reason = self.reach.refusal(found[0]["host"]) if found else None
            raise Refused(f"{host}: {reason or 'no address'}")
        return kept

    async def close(self) -> None:
        await self._inner.close()
