"""IP addresses (v4 and v6), canonical in compressed form without port or zone."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping

from nervecentre.types.value import Value, ValueType, quote

_V4_PORT = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$")
_V6_BRACKET = re.compile(r"^\[([0-9A-Fa-f:.]+(?:%[^\]]+)?)\](?::(\d{1,5}))?$")
_LEADING_ZERO = re.compile(r"(?:^|\.)0\d")
_LOOKS = re.compile(
    r"^(?:\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?"
    r"|\[?[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(?:%[\w.\-]+)?(?:\](?::\d{1,5})?)?)$"
)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _scope(ip: Address) -> str:
    if ip.is_loopback:
        return "loopback"
    if ip.is_global:
        return "public"
    if ip.is_private:
        return "private"
    return "reserved"


class IpType(ValueType):
    """IP addresses as logged by servers and platforms: `1.2.3.4:443`, `[2001:db8::1]:80`."""

    name = "ip"
    label = "IP address"

    def looks_like(self, raw: str) -> bool:
        return _LOOKS.match(raw) is not None

    def parse(self, text: str, hints: Mapping[str, str]) -> Value:
        host = text
        port = None
        if match := _V4_PORT.match(host) or _V6_BRACKET.match(host):
            host, port = match.group(1), match.group(2)
        if port is not None and not 0 < int(port) < 65536:
            raise self.invalid(f"IP {quote(text)} has an impossible port number {port}", text)
        host, _, zone = host.partition("%")
        if ":" not in host and _LEADING_ZERO.search(host):
            raise self.invalid(
                f"IP {quote(text)} has a number with a leading zero, which some systems read as "
                "octal (010 = 8); write it without leading zeros",
                text,
            )
        try:
            ip: Address = ipaddress.ip_address(host)
        except ValueError:
            raise self.invalid(f"{quote(text)} is not an IPv4 or IPv6 address", text) from None
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            # ::ffff:1.2.3.4 is the same host as 1.2.3.4; one key links them.
            ip = ip.ipv4_mapped
        # A zone (fe80::1%eth0) names an interface on the logging machine, not the host, so it
        # is kept in extra but is not part of the key.
        extra = {
            "version": str(ip.version),
            "scope": _scope(ip),
            "private": "true" if ip.is_private else "false",
        }
        if zone:
            extra["zone"] = zone
        return self.make(str(ip), **extra)
