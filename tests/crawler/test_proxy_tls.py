"""Proxies (SOCKS5 with remote DNS, Tor for .onion) and TLS certificates in the evidence.

A small SOCKS5 server written here (RFC 1928, no authentication) relays to the synthetic web
and records what it was asked for; an HTTPS server with a self-signed certificate stands in
for a site with a certificate nobody vouches for.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import ipaddress
import ssl
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from nervecentre.crawler.config import build_config
from nervecentre.crawler.fetch import Fetcher
from nervecentre.crawler.fetched import Fetched, FetchOptions
from nervecentre.crawler.synthweb import SynthServer, SynthWeb, running
from nervecentre.errors import InvalidValue
from nervecentre.settings import Settings

FAST = {"timeout": 5.0, "response_seconds": 10.0}


@pytest.fixture(scope="module")
def web_server() -> Iterator[SynthServer]:
    with running(SynthWeb(seed=4, sites=1, pages=4)) as server:
        yield server


class Socks5:
    """A SOCKS5 relay on loopback that sends every CONNECT to one target and logs the asks."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.asked: list[tuple[str, int]] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"socks5://127.0.0.1:{port}"

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            version, methods = await reader.readexactly(2)
            await reader.readexactly(methods)
            writer.write(b"\x05\x00")
            _, command, _, kind = await reader.readexactly(4)
            if kind == 1:
                host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
            elif kind == 3:
                host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
            else:
                host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
            (port,) = struct.unpack("!H", await reader.readexactly(2))
            self.asked.append((host, port))
            up_reader, up_writer = await asyncio.open_connection(*self.target)
            writer.write(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
            await writer.drain()
            assert version == 5 and command == 1
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    finally:
        sink.close()


def _target(server: SynthServer) -> tuple[str, int]:
    host, port = server.bases[0].split("//")[1].split(":")
    return host, int(port)


async def _fetch(options: FetchOptions, url: str) -> Fetched:
    async with Fetcher(options) as fetcher:
        return await fetcher.fetch(url, 1 << 20)


def test_every_request_goes_through_the_socks_proxy(web_server: SynthServer) -> None:
    async def scenario() -> tuple[Fetched, list[tuple[str, int]]]:
        socks = Socks5(_target(web_server))
        proxy = await socks.start()
        got = await _fetch(FetchOptions(proxy=proxy, **FAST), f"{web_server.bases[0]}/")
        return got, socks.asked

    got, asked = asyncio.run(scenario())
    assert got.error is None and got.status == 200 and b"<html" in got.body.lower()
    assert asked == [_target(web_server)]
    assert got.proxy is not None and got.proxy.startswith("socks5://127.0.0.1:")
    assert got.server_ip is None  # through a proxy the server's address is not known


def test_onion_sites_go_through_tor_with_the_name_resolved_there(web_server: SynthServer) -> None:
    onion = "http://" + "a" * 56 + ".onion/"

    async def scenario() -> tuple[Fetched, Fetched, list[tuple[str, int]]]:
        refused = await _fetch(FetchOptions(**FAST), onion)
        socks = Socks5(_target(web_server))
        tor = await socks.start()
        got = await _fetch(FetchOptions(onion_proxy=tor, **FAST), onion)
        return refused, got, socks.asked

    refused, got, asked = asyncio.run(scenario())
    assert refused.status is None and "Tor's SOCKS proxy" in (refused.error or "")
    assert got.error is None and got.status == 200
    assert asked == [("a" * 56 + ".onion", 80)]  # the name went to the proxy, not to DNS


def test_a_dead_proxy_is_an_error_for_that_url_not_a_crash() -> None:
    got = asyncio.run(
        _fetch(FetchOptions(proxy="socks5://127.0.0.1:9", **FAST), "http://x.invalid/")
    )
    assert got.status is None and got.error


@pytest.mark.parametrize(
    "proxy", ["tor", "ftp://127.0.0.1:21", "socks5://127.0.0.1", "socks5://:9050"]
)
def test_a_malformed_proxy_is_refused_before_the_crawl(tmp_path: Path, proxy: str) -> None:
    settings = Settings(data_dir=tmp_path, secret_key_file=tmp_path / "k")
    with pytest.raises(InvalidValue, match="a proxy is socks5://host:port"):
        build_config(settings, ["http://127.0.0.1/"], ["s"], fetch={"proxy": proxy})


def _self_signed(folder: Path) -> tuple[Path, Path, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "synthetic.invalid")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path, cert.public_bytes(serialization.Encoding.DER)


async def _page(_: web.Request) -> web.Response:
    return web.Response(text="<html>synthetic</html>")


def test_the_certificate_is_kept_and_verification_is_a_setting(tmp_path: Path) -> None:
    cert, key, der = _self_signed(tmp_path)

    async def scenario() -> tuple[Fetched, Fetched]:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        app = web.Application()
        app.router.add_get("/", _page)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        port = runner.addresses[0][1]
        try:
            url = f"https://127.0.0.1:{port}/"
            recorded = await _fetch(FetchOptions(**FAST), url)
            strict = await _fetch(FetchOptions(verify_tls=True, **FAST), url)
        finally:
            await runner.cleanup()
        return recorded, strict

    recorded, strict = asyncio.run(scenario())
    assert recorded.status == 200 and recorded.tls_sha256 == hashlib.sha256(der).hexdigest()
    assert strict.status is None and "certificate" in (strict.error or "").lower()
