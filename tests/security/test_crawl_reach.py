"""The crawler reaches non-public addresses only where an operator pointed it: a crawled
page's links, images and redirects cannot send it to this machine, the centre's network or
a cloud's metadata service."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from aiohttp import web

from nervecentre.crawler.config import CrawlConfig, build_config
from nervecentre.crawler.fetch import Fetcher
from nervecentre.crawler.fetched import FetchOptions
from nervecentre.errors import ConfigError
from nervecentre.security.destinations import Reach, seed_reach
from nervecentre.settings import Settings


@pytest.fixture
def server() -> Iterator[str]:
    """A site on loopback whose /away redirects to the metadata address, /local to itself."""

    async def page(_request: web.Request) -> web.Response:
        return web.Response(text="<html>page</html>", content_type="text/html")

    async def away(_request: web.Request) -> web.Response:
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")

    app = web.Application()
    app.add_routes([web.get("/", page), web.get("/away", away)])
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{port}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def _fetch(options: FetchOptions, url: str) -> tuple[int | None, str | None]:
    async def go() -> tuple[int | None, str | None]:
        async with Fetcher(options) as fetcher:
            got = await fetcher.fetch(url, 100_000)
            return got.status, got.error

    return asyncio.run(go())


def test_non_public_addresses_are_refused_unless_within_reach() -> None:
    reach = Reach(("10.1.0.0/16",))
    for host in ("127.0.0.1", "169.254.169.254", "10.2.0.1", "192.168.1.1", "::1",
                 "fe80::1", "100.64.0.1", "0.0.0.0", "::ffff:127.0.0.1", "224.0.0.1"):  # fmt: skip
        assert reach.refusal(host), host
    for host in ("10.1.2.3", "8.8.8.8", "2001:4860:4860::8888", "example.org"):
        assert reach.refusal(host) is None, host
    assert seed_reach(["http://127.0.0.1:8080/", "http://example.org/", "http://localhost/"]) == (
        "127.0.0.1/32", "::1/128",
    )  # fmt: skip
    with pytest.raises(ConfigError, match="NERVECENTRE_CRAWL_ALLOWED_NETWORKS"):
        Reach(("10.0.0.5/8",))


def test_answers_are_remembered_the_same_and_bounded() -> None:
    """Each host's answer is worked out once; asked again (or after the memory is full and
    emptied) it is the same answer."""
    from nervecentre.security import destinations

    reach = Reach(("10.1.0.0/16",))
    first = [reach.refusal(h) for h in ("127.0.0.1", "10.1.2.3", "example.org")]
    assert [reach.refusal(h) for h in ("127.0.0.1", "10.1.2.3", "example.org")] == first
    assert first[0] and first[1] is None and first[2] is None
    for n in range(destinations._ANSWERS_KEPT + 10):
        reach.refusal(f"10.1.{n // 250}.{n % 250}")
    assert len(reach._answers) <= destinations._ANSWERS_KEPT
    assert reach.refusal("127.0.0.1") == first[0]
    with pytest.raises(destinations.Refused):
        reach.check_url("http://192.168.1.1/x")


def test_a_crawl_config_reaches_its_seeds_and_the_configured_networks() -> None:
    settings = Settings(crawl_allowed_networks="192.168.50.0/24")
    config = build_config(settings, ["http://10.9.9.9:81/start"], ["set"])
    assert config.fetch.reach == ("192.168.50.0/24", "10.9.9.9/32")
    # A job stored before this kept no reach: resumed, it reaches only its seeds.
    stored = config.to_dict()
    del stored["fetch"]["reach"]
    assert CrawlConfig.from_dict(stored).fetch.reach == ("10.9.9.9/32",)
    with pytest.raises(ConfigError):
        build_config(Settings(crawl_allowed_networks="10.0.0.5/8"), ["http://x.example/"], [])


def test_the_fetcher_refuses_loopback_names_addresses_and_redirects(server: str) -> None:
    seeded = FetchOptions(reach=seed_reach([f"http://{server}/"]))
    assert _fetch(seeded, f"http://{server}/") == (200, None)
    # Seeded elsewhere: this machine is out of reach, by address or by name.
    public_only = replace(seeded, reach=())
    status, error = _fetch(public_only, f"http://{server}/")
    assert status is None and error and "not a public address" in error
    port = server.rsplit(":", 1)[1]
    status, error = _fetch(public_only, f"http://localhost:{port}/")
    assert status is None and error and "not a public address" in error
    # A page of the seeded site redirects to the metadata service: never contacted.
    status, error = _fetch(seeded, f"http://{server}/away")
    assert status == 302 and error and "169.254.169.254 is not a public address" in error
