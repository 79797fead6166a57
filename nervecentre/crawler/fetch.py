"""Fetching one URL that cannot hang or flood the crawler: every failure is a result.

aiohttp does the HTTP/1.1 (keep-alive, gzip, deflate and brotli decoding); this module adds
what a crawler of hostile sites needs on top: redirects followed one hop at a time (each hop
recorded, the limit enforced, loops detected), timeouts on connect and on every read *and* a
deadline for the whole response (a 1-byte-per-second server beats any per-read timeout), a
size cap enforced while the body streams (decoded bytes count, so a gzip bomb stops at the
cap too; a declared Content-Length over the cap is refused before reading), and the server's
address and headers kept as evidence. aiohttp was chosen over httpx by measurement: about ten
times the requests per second on this machine (docs/crawler.md); aiohttp has no HTTP/2, so
HTTPS requests without a proxy go through httpx with h2, offering HTTP/2 by ALPN (a server
that declines it gets HTTP/1.1), under the same caps, deadlines and redirect rules.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import aiohttp_socks
import python_socks
from aiohttp_socks import ProxyConnector

from nervecentre.crawler.fetched import (
    CHUNK,
    REDIRECTS,
    RETRY_STATUSES,
    Fetched,
    FetchOptions,
    Hop,
    TooLarge,
    encoded,
    retry_after,
)
from nervecentre.crawler.urls import canonical
from nervecentre.security.destinations import GuardedResolver, Reach

# What a proxy that is down, refuses or times out raises (neither is an aiohttp error).
_PROXY_ERRORS = (
    aiohttp_socks.ProxyError,
    aiohttp_socks.ProxyConnectionError,
    aiohttp_socks.ProxyTimeoutError,
    python_socks.ProxyError,
)


class Fetcher:
    """One HTTP client for a whole crawl (connection pools per host, kept alive).

    Requests go direct, or through ``options.proxy`` (every request), and to ``.onion`` hosts
    through ``options.onion_proxy`` (Tor's SOCKS port): one client session per route.
    """

    def __init__(self, options: FetchOptions) -> None:
        self.options = options
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._h2: Any = None  # httpx.AsyncClient (crawler/_http2.py), at the first HTTPS request
        self._reach = Reach(options.reach) if options.reach is not None else None

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        for session in self._sessions.values():
            await session.close()
        self._sessions.clear()
        if self._h2 is not None:
            await self._h2.aclose()
            self._h2 = None

    def route(self, url: str) -> str | None:
        """The proxy a URL goes through (None: direct); ValueError when it cannot go at all."""
        host = (urlsplit(url).hostname or "").lower()
        if host.endswith(".onion"):
            if not self.options.onion_proxy:
                raise ValueError("a .onion address needs Tor's SOCKS proxy (crawl_onion_proxy)")
            return self.options.onion_proxy
        return self.options.proxy

    def _session(self, proxy: str | None) -> aiohttp.ClientSession:
        key = proxy or ""
        found = self._sessions.get(key)
        if found is not None:
            return found
        o = self.options
        pool: dict[str, Any] = {
            "limit": o.concurrency,
            "limit_per_host": o.host_concurrency,
            "ttl_dns_cache": 300,
            "ssl": None if o.verify_tls else False,
        }
        connector = (
            ProxyConnector.from_url(proxy, rdns=True, **pool)
            if proxy
            else aiohttp.TCPConnector(
                enable_cleanup_closed=True,
                resolver=GuardedResolver(self._reach) if self._reach else None,
                **pool,
            )
        )
        session = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(
                total=None, connect=o.timeout, sock_connect=o.timeout, sock_read=o.timeout
            ),
            headers={
                "User-Agent": o.user_agent,
                "Accept-Encoding": "gzip, deflate, br",
                "Accept": "text/html,application/xhtml+xml,image/*,*/*;q=0.8",
            },
            auto_decompress=True,
            cookie_jar=aiohttp.DummyCookieJar(),  # cookies would make each crawl a session
            raise_for_status=False,
            max_line_size=16_384,
            max_field_size=16_384,
        )
        self._sessions[key] = session
        return session

    async def fetch(
        self,
        url: str,
        max_bytes: int,
        *,
        allow_hop: Callable[[str], str | None] | None = None,
    ) -> Fetched:
        """GET ``url`` following redirects; never raises for network or protocol trouble.

        ``allow_hop`` may refuse a redirect target (returns the reason, e.g. out of scope).
        """
        result = Fetched(url, url)
        try:
            async with asyncio.timeout(self.options.response_seconds):
                await self._follow(result, max_bytes, allow_hop)
        except TimeoutError:
            result.error = (
                f"no complete response within {self.options.response_seconds:g} s"
                if result.status is not None
                else f"timed out after {self.options.timeout:g} s"
            )
        except TooLarge:
            result.error = f"response larger than {max_bytes:,} bytes"
            result.body = b""
        except aiohttp.ClientResponseError as exc:
            result.error = f"bad response: {exc.message}"
        except (aiohttp.ClientError, OSError, ValueError, *_PROXY_ERRORS) as exc:
            result.error = _describe(exc)
        except Exception as exc:  # httpx's errors (HTTP/2): imported only when used
            from nervecentre.crawler import _http2

            if not _http2.is_error(exc):
                raise
            result.error = _http2.describe(exc)
        return result

    async def _follow(
        self, result: Fetched, max_bytes: int, allow_hop: Callable[[str], str | None] | None
    ) -> None:
        seen = {result.url}
        current = result.url
        while True:
            proxy = self.route(current)
            result.proxy = _redacted(proxy)
            result.final_url = current
            if self._reach is not None:
                self._reach.check_url(current)  # a literal address is never resolved
            if self.options.http2 and proxy is None and current.startswith("https:"):
                location = await self._request_h2(current, max_bytes, result)
            else:
                location = await self._request(current, proxy, max_bytes, result)
            if location is None:
                return
            target = canonical(location, current)
            if target is None:
                result.error = "redirect to a URL that cannot be crawled"
                return
            assert result.status is not None
            result.chain.append(Hop(current, result.status, target))
            if target in seen:
                result.error = f"redirect loop after {len(result.chain)} hops"
                return
            if len(result.chain) > self.options.max_redirects:
                result.error = f"more than {self.options.max_redirects} redirects"
                return
            refused = allow_hop(target) if allow_hop else None
            if refused:
                result.error = f"redirect refused: {refused}"
                return
            seen.add(target)
            current = target

    def _answered(self, result: Fetched, status: int, headers: list[tuple[str, str]]) -> bool:
        """Record a response's head; True when its body is to be read."""
        result.status, result.headers = status, headers
        if status in RETRY_STATUSES:
            result.retry_after = retry_after(result.header("Retry-After"))
        if status >= 400:
            result.error = f"HTTP {status}"
            return False
        return True

    async def _request(
        self, url: str, proxy: str | None, max_bytes: int, result: Fetched
    ) -> str | None:
        """One HTTP/1.1 request (aiohttp); the Location of a redirect, else None."""
        session = self._session(proxy)
        async with session.get(url, allow_redirects=False) as response:
            if response.version is not None:
                result.http_version = f"HTTP/{response.version.major}.{response.version.minor}"
            # Through a proxy the peer is the proxy: the server's address is unknown.
            result.server_ip = None if proxy else _peer(response)
            result.tls_sha256 = _certificate(response)
            headers = [(k, v) for k, v in response.headers.items()]
            if response.status in REDIRECTS and "Location" in response.headers:
                result.status, result.headers = response.status, headers
                return response.headers["Location"]
            if not self._answered(result, response.status, headers):
                return None
            declared = response.content_length
            if declared is not None and declared > max_bytes and not encoded(response.headers):
                raise TooLarge
            body = bytearray()
            async for chunk in response.content.iter_chunked(CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise TooLarge
            result.body = bytes(body)
            return None

    async def _request_h2(self, url: str, max_bytes: int, result: Fetched) -> str | None:
        """One HTTPS request offering HTTP/2; the Location of a redirect, else None."""
        from nervecentre.crawler import _http2

        if self._h2 is None:
            self._h2 = _http2.client(self.options)
        return await _http2.request(self._h2, url, max_bytes, result, self._answered)


def _redacted(proxy: str | None) -> str | None:
    """A proxy URL without its password (kept in evidence)."""
    if not proxy:
        return None
    parts = urlsplit(proxy)
    if parts.password is None:
        return proxy
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def _transports(response: aiohttp.ClientResponse) -> list[Any]:
    # A small response may be read whole, and its connection back in the pool, before we
    # look: the stream's protocol still holds the transport then.
    candidates = [response.connection.transport if response.connection is not None else None]
    protocol = getattr(response.content, "_protocol", None)
    candidates.append(getattr(protocol, "transport", None))
    return [t for t in candidates if t is not None]


def _certificate(response: aiohttp.ClientResponse) -> str | None:
    """SHA-256 of the server's TLS certificate (DER), whether or not it verified."""
    for transport in _transports(response):
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if der:
            return hashlib.sha256(der).hexdigest()
    return None


def _peer(response: aiohttp.ClientResponse) -> str | None:
    for transport in _transports(response):
        peer = transport.get_extra_info("peername")
        if peer:
            return str(peer[0])
    return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect: {exc.os_error.strerror or exc.os_error}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "server disconnected"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "body cut short or badly encoded"
    if isinstance(exc, aiohttp.InvalidURL):
        return "invalid URL"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]
