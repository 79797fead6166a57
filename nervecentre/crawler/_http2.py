"""HTTP/2 for the fetcher's HTTPS requests: httpx with h2 (aiohttp speaks HTTP/1.1 only).

HTTP/2 is offered by ALPN and a server that declines it gets HTTP/1.1. The fetcher's rules
hold here too (:mod:`nervecentre.crawler.fetch`): one hop at a time, the body capped as it
decodes, the server's address and certificate kept. httpx is imported only when an HTTPS
URL is fetched.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
from collections.abc import Callable, Iterable
from typing import Any

import httpcore
import httpx

from nervecentre.crawler.fetched import CHUNK, REDIRECTS, Fetched, FetchOptions, TooLarge, encoded
from nervecentre.security.destinations import Reach, Refused

Answered = Callable[[Fetched, int, list[tuple[str, str]]], bool]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own connections, made only to an address within the crawl's reach: the name
    is resolved here, each address checked, and the first allowed one connected to (so a name
    answering differently the second time gains nothing, as with aiohttp's resolver)."""

    def __init__(self, reach: Reach) -> None:
        self.reach = reach
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
        kept = [a for a in addresses if self.reach.refusal(a) is None]
        if not kept:
            reason = self.reach.refusal(addresses[0]) if addresses else None
            raise Refused(f"{host}: {reason or 'no address'}")
        return await self._inner.connect_tcp(kept[0], port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise Refused("the crawler does not connect to local sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def client(options: FetchOptions) -> httpx.AsyncClient:
    """One client for a crawl's HTTPS requests (connections kept and multiplexed); with a
    reach, every connection goes through :class:`GuardedBackend`."""
    transport = httpx.AsyncHTTPTransport(
        http2=True,
        verify=options.verify_tls,
        limits=httpx.Limits(max_connections=options.concurrency),
    )
    if options.reach is not None:
        # httpx builds its pool without a way to pass a network backend: the pool is rebuilt
        # with the same settings and the guard (tests/security/test_crawl_reach.py holds it).
        pool = transport._pool
        transport._pool = httpcore.AsyncConnectionPool(
            ssl_context=pool._ssl_context,
            max_connections=pool._max_connections,
            max_keepalive_connections=pool._max_keepalive_connections,
            keepalive_expiry=pool._keepalive_expiry,
            http1=True,
            http2=True,
            network_backend=GuardedBackend(Reach(options.reach)),
        )
    return httpx.AsyncClient(
        transport=transport,
        follow_redirects=False,
        timeout=httpx.Timeout(options.timeout),
        headers={
            "User-Agent": options.user_agent,
            "Accept-Encoding": "gzip, deflate, br",
            "Accept": "text/html,application/xhtml+xml,image/*,*/*;q=0.8",
        },
    )


async def request(
    http: httpx.AsyncClient, url: str, max_bytes: int, result: Fetched, answered: Answered
) -> str | None:
    """One GET; the Location of a redirect, else None (the body read into ``result``)."""
    async with http.stream("GET", url) as response:
        result.http_version = response.http_version
        stream = response.extensions.get("network_stream")
        address = stream.get_extra_info("server_addr") if stream is not None else None
        result.server_ip = str(address[0]) if address else None
        ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        result.tls_sha256 = hashlib.sha256(der).hexdigest() if der else None
        headers = list(response.headers.multi_items())
        location = response.headers.get("Location")
        if response.status_code in REDIRECTS and location is not None:
            result.status, result.headers = response.status_code, headers
            return str(location)
        if not answered(result, response.status_code, headers):
            return None
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes and not encoded(response.headers):
            raise TooLarge
        body = bytearray()
        async for chunk in response.aiter_bytes(CHUNK):  # decoded: a bomb stops at the cap
            body += chunk
            if len(body) > max_bytes:
                raise TooLarge
        result.body = bytes(body)
        return None


def is_error(exc: BaseException) -> bool:
    """True for httpx's own errors (network, protocol, decoding)."""
    return isinstance(exc, httpx.HTTPError | httpx.InvalidURL)


def describe(exc: BaseException) -> str:
    """One line for an httpx error."""
    if isinstance(exc, httpx.ConnectTimeout | httpx.ReadTimeout | httpx.PoolTimeout):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {' '.join(str(exc).split())[:160]}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "server broke the protocol or disconnected"
    if isinstance(exc, httpx.DecodingError):
        return "body cut short or badly encoded"
    return (" ".join(str(exc).split()) or type(exc).__name__)[:200]
