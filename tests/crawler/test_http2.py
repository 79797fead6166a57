"""HTTP/2: HTTPS fetches offer it by ALPN and keep every guard of the HTTP/1.1 path, against a
real HTTP/2 server (hypercorn, TLS with a self-signed certificate) on loopback."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config

from nervecentre.crawler.fetch import Fetcher
from nervecentre.crawler.fetched import Fetched, FetchOptions
from nervecentre.security.destinations import seed_reach
from tests.crawler.conftest import FAST
from tests.crawler.test_proxy_tls import _self_signed

Send = Callable[[dict[str, Any]], Awaitable[None]]
PAGE = b"<html><body>synthetic page</body></html>"


async def _app(scope: dict[str, Any], _receive: Any, send: Send) -> None:
    if scope["type"] != "http":
        return
    path = scope["path"]
    status, headers, body = 200, [(b"content-type", b"text/html")], PAGE
    if path == "/moved":
        status, headers, body = 301, [(b"location", b"/")], b""
    elif path == "/loop":
        status, headers, body = 302, [(b"location", b"/loop?again")], b""
    elif path == "/big":
        body = b"x" * 300_000
    elif path == "/gzip":
        headers.append((b"content-encoding", b"gzip"))
        body = gzip.compress(PAGE)
    elif path == "/bomb":  # 4 MiB of spaces in a few KiB
        headers.append((b"content-encoding", b"gzip"))
        body = gzip.compress(b" " * (4 << 20))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _fetch_all(
    tmp_path: Path, options: FetchOptions, paths: list[str], max_bytes: int = 100_000
) -> tuple[list[Fetched], bytes]:
    cert, key, der = _self_signed(tmp_path)
    port = _free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.certfile, config.keyfile = str(cert), str(key)
    config.alpn_protocols = ["h2", "http/1.1"]

    async def scenario() -> list[Fetched]:
        stop = asyncio.Event()
        server = asyncio.create_task(serve(_app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
        await asyncio.sleep(0.5)
        try:
            async with Fetcher(options) as fetcher:
                return [
                    await fetcher.fetch(f"https://127.0.0.1:{port}{p}", max_bytes) for p in paths
                ]
        finally:
            stop.set()
            await server

    return asyncio.run(scenario()), der


def _fetch_by_name(tmp_path: Path, options: FetchOptions) -> Fetched:
    """One HTTPS fetch of ``localhost`` (a name, resolved by the HTTP/2 client's pool)."""
    cert, key, _der = _self_signed(tmp_path)
    port = _free_port()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.certfile, config.keyfile = str(cert), str(key)
    config.alpn_protocols = ["h2", "http/1.1"]

    async def scenario() -> Fetched:
        stop = asyncio.Event()
        server = asyncio.create_task(serve(_app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
        await asyncio.sleep(0.5)
        try:
            async with Fetcher(options) as fetcher:
                return await fetcher.fetch(f"https://localhost:{port}/", 100_000)
        finally:
            stop.set()
            await server

    return asyncio.run(scenario())


def test_https_speaks_http2_with_every_guard(tmp_path: Path) -> None:
    paths = ["/", "/moved", "/gzip", "/big", "/bomb", "/loop"]
    (page, moved, zipped, big, bomb, loop), der = _fetch_all(tmp_path, FetchOptions(**FAST), paths)
    assert page.http_version == "HTTP/2" and page.status == 200 and page.body == PAGE
    assert page.tls_sha256 == hashlib.sha256(der).hexdigest()
    assert page.server_ip == "127.0.0.1"
    assert moved.body == PAGE and [h.status for h in moved.chain] == [301]
    assert zipped.body == PAGE  # decoded
    assert big.error == "response larger than 100,000 bytes" and big.body == b""
    assert bomb.error == "response larger than 100,000 bytes"  # stopped as it decoded
    assert loop.error is not None and "redirect loop" in loop.error


def test_http2_off_is_http11_through_aiohttp(tmp_path: Path) -> None:
    options = FetchOptions(http2=False, **FAST)
    (page,), der = _fetch_all(tmp_path, options, ["/"])
    assert page.http_version == "HTTP/1.1" and page.body == PAGE
    assert page.tls_sha256 == hashlib.sha256(der).hexdigest()


def test_http2_connects_only_within_the_crawls_reach(tmp_path: Path) -> None:
    """The HTTP/2 client resolves names itself: its connections pass the same guard as
    aiohttp's (a name that resolves to this machine is refused unless a seed named it)."""
    refused = _fetch_by_name(tmp_path, FetchOptions(reach=(), **FAST))
    assert refused.status is None and refused.body == b""
    assert refused.error and "not a public address" in refused.error
    allowed = _fetch_by_name(
        tmp_path, FetchOptions(reach=seed_reach(["https://localhost/"]), **FAST)
    )
    assert allowed.status == 200 and allowed.http_version == "HTTP/2" and allowed.body == PAGE
