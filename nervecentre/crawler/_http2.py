"""HTTP/2 for the fetcher's HTTPS requests: httpx with h2 (aiohttp speaks HTTP/1.1 only).

HTTP/2 is offered by ALPN and a server that declines it gets HTTP/1.1. The fetcher's rules
hold here too (:mod:`nervecentre.crawler.fetch`): one hop at a time, the body capped as it
decodes, the server's address and certificate kept. httpx is imported only when an HTTPS
URL is fetched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx

from nervecentre.crawler.fetch import CHUNK, REDIRECTS, Fetched, FetchOptions, TooLarge, encoded

Answered = Callable[[Fetched, int, list[tuple[str, str]]], bool]


def client(options: FetchOptions) -> httpx.AsyncClient:
    """One client for a crawl's HTTPS requests (connections kept and multiplexed)."""
    return httpx.AsyncClient(
        http2=True,
        verify=options.verify_tls,
        follow_redirects=False,
        timeout=httpx.Timeout(options.timeout),
        limits=httpx.Limits(max_connections=options.concurrency),
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
