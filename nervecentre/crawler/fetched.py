"""What a fetch is: a crawl's network options, and the outcome of fetching one URL.

Shared by the HTTP/1.1 fetcher (:mod:`nervecentre.crawler.fetch`, aiohttp) and the HTTP/2
client (:mod:`nervecentre.crawler._http2`, httpx), and read by the engine and the evidence.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

CHUNK = 1 << 16
REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """Network settings of a crawl."""

    user_agent: str = "nervecentre-crawler"
    concurrency: int = 64
    host_concurrency: int = 8
    timeout: float = 20.0  # connect, and each read
    response_seconds: float = 60.0  # the whole response, body included
    max_redirects: int = 10
    proxy: str | None = None  # every request (socks5://, socks4://, http://)
    onion_proxy: str | None = None  # .onion hosts only (Tor's SOCKS port)
    verify_tls: bool = False
    http2: bool = True  # HTTPS without a proxy offers HTTP/2 (ALPN), else HTTP/1.1
    # Non-public networks (CIDR) this crawl may reach; None: unguarded (library use only).
    reach: tuple[str, ...] | None = None


@dataclass(slots=True)
class Hop:
    """One redirect followed: from where, with which status, to where."""

    url: str
    status: int
    location: str

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for evidence JSON."""
        return {"url": self.url, "status": self.status, "location": self.location}


@dataclass(slots=True)
class Fetched:
    """The outcome of fetching a URL: the final response, or why there is none."""

    url: str
    final_url: str
    status: int | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    chain: list[Hop] = field(default_factory=list)
    server_ip: str | None = None
    error: str | None = None
    retry_after: float | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    proxy: str | None = None  # the proxy it went through (without credentials), if any
    tls_sha256: str | None = None  # SHA-256 of the server's certificate (DER), over HTTPS
    http_version: str = "HTTP/1.1"  # of the last response

    def header(self, name: str) -> str | None:
        """The first value of a response header (any case), or None."""
        lower = name.lower()
        return next((v for n, v in self.headers if n.lower() == lower), None)


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class TooLarge(Exception):
    """A body passed its cap."""


def encoded(headers: Any) -> bool:
    # A compressed body's Content-Length is the compressed size: the cap applies as it streams.
    return bool(headers.get("Content-Encoding"))
