"""The traps of the synthetic web: every way a site can hang, flood or fool a crawler.

Site 0 links them all from ``/traps``. Some hold a planted known image that a crawler which
survives the trap must still find (:func:`plant`); the others must simply not hang or flood it.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nervecentre.crawler.synthweb import images
from nervecentre.crawler.synthweb.site import ImageSpec, Planted, SynthWeb

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

# Keywords of the pages in legacy character sets (each page declares, or omits, its own).
LEGACY_KEYWORDS = {
    "/legacy/cp1251": ("windows-1251", "header", "янтарный фонарь"),
    "/legacy/sjis": ("shift_jis", "meta", "静かな港"),
    "/legacy/cp1252": ("cp1252", "none", "señal café"),
    "/legacy/utf16": ("utf-16", "bom", "бархатная пустельга"),
}
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"
# Known images planted behind traps: (name, page path, how the page reaches it).
TRAP_IMAGES = (
    ("t-redir.jpg", "/redir/0"),
    ("t-moved.jpg", "/traps"),
    ("t-lie.html", "/traps"),
    ("t-inlie.jpg", "/lie/page.jpg"),
    ("t-flaky429.jpg", "/flaky/429"),
    ("t-flaky503.jpg", "/flaky/503"),
    ("t-malformed.jpg", "/malformed"),
    ("t-gzip.jpg", "/gz"),
    ("t-brotli.jpg", "/br"),
    ("t-private.jpg", "/private/page"),
)
LINKS = (
    "/calendar/2026/1",
    "/shop?item=1&PHPSESSID=0123456789abcdef0123456789abcdef",
    "/list?b=2&a=1",
    "/list?a=1&b=2",
    "/loop/a",
    "/redir/3",
    "/redir/40",
    "/huge",
    "/huge-stream",
    "/slow",
    "/stall",
    "/status/404",
    "/status/500",
    "/status/503",
    "/flaky/429",
    "/flaky/503",
    "/malformed",
    "/bigpage",
    "/gz",
    "/br",
    "/gzip-bomb",
    "/private/page",
    *LEGACY_KEYWORDS,
)


@dataclass(slots=True)
class Reply:
    """What the server sends: a status, headers, and a body or a paced stream of chunks."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Callable[[], AsyncIterator[bytes]] | None = None


def html_reply(text: str, status: int = 200, charset: str = "utf-8") -> Reply:
    """An HTML page."""
    return Reply(status, [("Content-Type", f"text/html; charset={charset}")], text.encode(charset))


class Traps:
    """The trap routes of one synthetic web, with the request counts its tests read."""

    def __init__(self, web: SynthWeb, *, slow_interval: float = 1.0) -> None:
        self.web = web
        self.slow_interval = slow_interval
        self.flaky: dict[str, int] = {}
        self.sessions = 0
        base = web.seed * 1_000_003 + 900_000
        self.specs = {
            name: ImageSpec(name, base + n, (320, 240), "exact", web.add_known(base + n))
            for n, (name, _) in enumerate(TRAP_IMAGES)
        }

    def warm(self) -> None:
        """Make the trap images and the bomb now."""
        for spec in self.specs.values():
            SynthWeb.image_bytes(spec)
        _bomb()
        _gzip_bomb()

    def planted(self, robots_obeyed: bool) -> list[Planted]:
        """The known images behind the traps, with the page each is found on."""
        found = []
        for name, page in TRAP_IMAGES:
            spec = self.specs[name]
            assert spec.entry is not None
            media = {
                "t-lie.html": "/lie/photo.html",
                "t-moved.jpg": "/go/t-moved.jpg",  # as linked; the evidence has the redirect
                "t-private.jpg": "/private/img/t-private.jpg",
            }.get(name, f"/img/{name}")
            found.append(Planted(0, media, page, "exact", spec.entry, name == "t-private.jpg"))
        return [p for p in found if not (robots_obeyed and p.robots_blocked)]

    def _image(self, name: str) -> Reply:
        data = SynthWeb.image_bytes(self.specs[name])
        return Reply(200, [("Content-Type", "image/jpeg")], data)

    def _page(self, body: str) -> str:
        return f"<!DOCTYPE html><html><head><title>trap</title></head><body>{body}</body></html>"

    def handle(self, path: str, query: str, accept_encoding: str) -> Reply | None:
        """The reply for a trap path of site 0, or None when it is not one."""
        if path == "/traps":
            links = "".join(f'<a href="{link}">{link}</a>\n' for link in LINKS)
            extra = (
                '<img src="/go/t-moved.jpg"><a href="/lie/photo.html">photo</a>'
                '<img src="/lie/page.jpg"><img src="/img/bomb.png"><img src="/img/truncated.jpg">'
            )
            return html_reply(self._page(links + extra))
        if path == "/robots.txt":
            return Reply(200, [("Content-Type", "text/plain")], ROBOTS_TXT.encode())
        if path.startswith("/img/t-") and path[5:] in self.specs:
            return self._image(path[5:])
        if path == "/private/img/t-private.jpg":
            return self._image("t-private.jpg")
        if path == "/private/page":
            return html_reply(self._page('<img src="/private/img/t-private.jpg">'))
        if path.startswith("/calendar/"):
            return self._calendar(path)
        if path in ("/shop", "/list") or path.startswith("/shop;"):
            return self._session(path, query)
        if path.startswith("/loop/"):
            target = "/loop/b" if path == "/loop/a" else "/loop/a"
            return Reply(302, [("Location", target)])
        if path.startswith("/redir/"):
            return self._redirect(path)
        if path == "/go/t-moved.jpg":
            return Reply(301, [("Location", "/img/t-moved.jpg")])
        if path in ("/huge", "/huge-stream", "/slow", "/stall"):
            return self._flood(path)
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1]) if path[8:].isdigit() else 500
            headers = [("Retry-After", "1")] if code == 503 else []
            return Reply(code, [*headers, ("Content-Type", "text/html")], b"<h1>error</h1>")
        if path.startswith("/flaky/"):
            return self._flaky(path)
        if path == "/lie/photo.html":
            data = SynthWeb.image_bytes(self.specs["t-lie.html"])
            return Reply(200, [("Content-Type", "text/html; charset=utf-8")], data)
        if path == "/lie/page.jpg":
            body = self._page('<img src="/img/t-inlie.jpg">').encode()
            return Reply(200, [("Content-Type", "image/jpeg")], body)
        if path == "/img/bomb.png":
            return Reply(200, [("Content-Type", "image/png")], _bomb())
        if path == "/img/truncated.jpg":
            data = images.truncated(SynthWeb.image_bytes(self.specs["t-redir.jpg"]))
            return Reply(200, [("Content-Type", "image/jpeg")], data)
        if path == "/malformed":
            return self._malformed()
        if path == "/bigpage":
            filler = "<p>" + "padding text " * 80 + "</p>\n"
            return html_reply(self._page(filler * 12_000))
        if path in ("/gz", "/br"):
            return self._compressed(path, accept_encoding)
        if path == "/gzip-bomb":
            headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
            return Reply(200, headers, _gzip_bomb())
        if path in LEGACY_KEYWORDS:
            return self._legacy(path)
        return None

    def _calendar(self, path: str) -> Reply:
        parts = path.split("/")
        try:
            year, month = int(parts[2]), int(parts[3])
        except (IndexError, ValueError):
            return html_reply(self._page("no such month"), 404)
        after = (year + month // 12, month % 12 + 1)
        before = (year - (month == 1), (month - 2) % 12 + 1)
        links = "".join(f'<a href="/calendar/{y}/{m}">{y}-{m:02d}</a> ' for y, m in (before, after))
        return html_reply(self._page(f"<h1>{year}-{month:02d}</h1>{links}"))

    def _session(self, path: str, query: str) -> Reply:
        self.sessions += 1
        sid = f"{random.Random(self.sessions).getrandbits(128):032x}"
        item = next((p[5:] for p in query.split("&") if p.startswith("item=")), "1")
        number = int(item) if item.isdigit() else 1
        links = (
            f'<a href="/shop?item={(number + 1) % 6}&PHPSESSID={sid}">next</a>'
            f'<a href="/shop;jsessionid={sid.upper()}?item={number}">again</a>'
            f'<a href="/list?b=2&amp;a=1&amp;sid={sid}">list</a>'
        )
        return html_reply(self._page(f"<p>item {number}</p>{links}"))

    def _redirect(self, path: str) -> Reply:
        tail = path[len("/redir/") :]
        hops = int(tail) if tail.isdigit() else 0
        if hops == 0:
            return html_reply(self._page('<img src="/img/t-redir.jpg">'))
        return Reply(302, [("Location", f"/redir/{hops - 1}")])

    def _flood(self, path: str) -> Reply:
        interval = self.slow_interval

        async def chunks() -> AsyncIterator[bytes]:
            import asyncio

            if path == "/stall":
                await asyncio.sleep(3600)
            if path == "/slow":
                for char in self._page("slow"):
                    yield char.encode()
                    await asyncio.sleep(interval)
                return
            block = b"<p>" + b"x" * 65_530 + b"</p>"
            for _ in range(5 * 2**30 // len(block)):
                yield block

        headers = [("Content-Type", "text/html")]
        if path == "/huge":
            headers.append(("Content-Length", str(5 * 2**30)))
        return Reply(200, headers, stream=chunks)

    def _flaky(self, path: str) -> Reply:
        self.flaky[path] = tries = self.flaky.get(path, 0) + 1
        if tries <= 2:
            code = 429 if path.endswith("429") else 503
            return Reply(code, [("Retry-After", "1"), ("Content-Type", "text/plain")], b"later")
        name = "t-flaky429.jpg" if path.endswith("429") else "t-flaky503.jpg"
        return html_reply(self._page(f'<img src="/img/{name}">'))

    def _malformed(self) -> Reply:
        # Broken as browsers meet it, but with the image where a browser still finds it
        # (an unclosed quote swallows markup up to the next quote, for browsers too).
        body = (
            b"<html><head><title>broken</title><body><div><p>unclosed <b><i>tags<table><tr><td>"
            b"\x00\x01 stray NUL and control bytes \xff\xfe not UTF-8"
            b"<IMG SRC=/img/t-malformed.jpg ALT=x<p>more</div></span></html></html>"
            b"<a href='/page/1>quote never closed</a><img src=/nowhere.jpg>"
            b"<script>document.write('<img src=\"/nowhere\">')</script><!-- unterminated"
        )
        return Reply(200, [("Content-Type", "text/html")], body)

    def _compressed(self, path: str, accept_encoding: str) -> Reply:
        name = "t-gzip.jpg" if path == "/gz" else "t-brotli.jpg"
        raw = self._page(f'<img src="/img/{name}">').encode()
        if path == "/gz" and "gzip" in accept_encoding:
            return Reply(
                200,
                [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
                gzip.compress(raw),
            )
        if path == "/br" and "br" in accept_encoding:
            import brotli

            return Reply(
                200,
                [("Content-Type", "text/html"), ("Content-Encoding", "br")],
                brotli.compress(raw),
            )
        return Reply(200, [("Content-Type", "text/html")], raw)

    def _legacy(self, path: str) -> Reply:
        charset, declared, keyword = LEGACY_KEYWORDS[path]
        meta = f'<meta charset="{charset}">' if declared == "meta" else ""
        text = (
            f"<!DOCTYPE html><html><head>{meta}<title>legacy</title></head>"
            f"<body><p>Notice: {keyword.upper()} here.</p></body></html>"
        )
        content_type = "text/html"
        if declared == "header":
            content_type += f"; charset={charset}"
        data = text.encode(charset)  # utf-16 writes its BOM
        return Reply(200, [("Content-Type", content_type)], data)


_BOMB: list[bytes] = []
_GZIP_BOMB: list[bytes] = []


def _gzip_bomb() -> bytes:
    # 16 MiB of spaces in about 16 KiB: a page that explodes past the page cap when decoded.
    if not _GZIP_BOMB:
        _GZIP_BOMB.append(gzip.compress(b"<html>" + b" " * (16 << 20), compresslevel=6))
    return _GZIP_BOMB[0]


def _bomb() -> bytes:
    if not _BOMB:
        _BOMB.append(images.bomb_png())
    return _BOMB[0]
