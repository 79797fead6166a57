"""A small HTTP/1.1 server for the synthetic web, on loopback addresses only.

One port per site, all served by one asyncio loop (in a thread for tests, or in the foreground
for ``nervecentre synthweb``). It speaks just enough HTTP for crawlers: GET and HEAD,
keep-alive, Content-Length or close-delimited bodies, and paced streams for the traps.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import threading
import time
from collections.abc import Iterator
from urllib.parse import unquote

from nervecentre.crawler.synthweb.site import BLANK_GIF, SynthWeb, Truth
from nervecentre.crawler.synthweb.traps import Reply, Traps, html_reply
from nervecentre.errors import InvalidValue

_REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
_MAX_HEAD = 16_384


def check_loopback(host: str) -> str:
    """The host if it is a loopback address; the synthetic web never listens elsewhere."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise InvalidValue(f"the synthetic web listens on loopback only, not {host!r}") from None
    if not address.is_loopback:
        raise InvalidValue(f"the synthetic web listens on loopback only, not {host}")
    return host


class SynthServer:
    """Serves a :class:`SynthWeb`; ``bases`` are the sites' base URLs once started."""

    def __init__(
        self,
        web: SynthWeb,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        slow_interval: float = 1.0,
    ) -> None:
        self.web = web
        self.host = check_loopback(host)
        self.first_port = port
        self.traps = Traps(web, slow_interval=slow_interval) if web.traps else None
        self.bases: list[str] = []
        self.requests: collections.Counter[tuple[int, str]] = collections.Counter()
        # When each request arrived (monotonic seconds), and the most answered at once, per
        # site: what the politeness tests read.
        self.log: collections.deque[tuple[float, int, str]] = collections.deque(maxlen=100_000)
        self.active: collections.Counter[int] = collections.Counter()
        self.peak: collections.Counter[int] = collections.Counter()
        self._servers: list[asyncio.base_events.Server] = []

    def warm(self) -> None:
        """Make every image and trap file now (seconds for thousands), not while serving."""
        self.web.warm()
        if self.traps is not None:
            self.traps.warm()

    async def start(self) -> list[str]:
        """Listen on one port per site (consecutive from ``port``, or any free ones for 0)."""
        for site in range(self.web.sites):
            port = self.first_port + site if self.first_port else 0

            async def serve(
                reader: asyncio.StreamReader, writer: asyncio.StreamWriter, site: int = site
            ) -> None:
                await self._connection(site, reader, writer)

            server = await asyncio.start_server(serve, self.host, port, backlog=1024)
            self._servers.append(server)
            bound = server.sockets[0].getsockname()[1]
            self.bases.append(f"http://{self.host}:{bound}")
        return self.bases

    async def stop(self) -> None:
        """Stop listening and drop every connection."""
        for server in self._servers:
            server.close()
            close_clients = getattr(server, "close_clients", None)  # Python 3.13+
            if close_clients is not None:
                close_clients()
        current = asyncio.current_task()
        handlers = [task for task in asyncio.all_tasks() if task is not current]
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    def truth(self, *, robots_obeyed: bool = True) -> Truth:
        """The web's ground truth, the traps' planted images included."""
        truth = self.web.truth()
        if self.traps is not None:
            truth.planted.extend(self.traps.planted(robots_obeyed))
        return truth

    async def _connection(
        self, site: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                if len(head) > _MAX_HEAD:
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, _, rest = lines[0].partition(" ")
                target = rest.rpartition(" ")[0] or rest
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                path, _, query = target.partition("?")
                self.requests[(site, unquote(path))] += 1
                self.log.append((time.monotonic(), site, unquote(path)))
                self.active[site] += 1
                self.peak[site] = max(self.peak[site], self.active[site])
                try:
                    reply = self.route(
                        site, unquote(path), query, headers.get("accept-encoding", "")
                    )
                    keep = headers.get("connection", "").lower() != "close" and reply.stream is None
                    await self._send(writer, reply, method == "HEAD", keep)
                finally:
                    self.active[site] -= 1
                if not keep:
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    async def _send(
        self, writer: asyncio.StreamWriter, reply: Reply, head_only: bool, keep: bool
    ) -> None:
        headers = [*reply.headers, ("Server", "synthweb")]
        names = {name.lower() for name, _ in headers}
        if reply.stream is None and "content-length" not in names:
            headers.append(("Content-Length", str(len(reply.body))))
        headers.append(("Connection", "keep-alive" if keep else "close"))
        reason = _REASONS.get(reply.status, "Status")
        lines = [f"HTTP/1.1 {reply.status} {reason}", *(f"{n}: {v}" for n, v in headers)]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if head_only:
            await writer.drain()
            return
        if reply.stream is None:
            writer.write(reply.body)
            await writer.drain()
            return
        async for chunk in reply.stream():
            writer.write(chunk)
            await writer.drain()

    def route(self, site: int, path: str, query: str, accept_encoding: str = "") -> Reply:
        """The reply for a request to a site (public for tests that skip the network)."""
        web = self.web
        bases = self.bases
        if site == 0 and self.traps is not None:
            trapped = self.traps.handle(path, query, accept_encoding)
            if trapped is not None:
                return trapped
        if path == "/":
            extra = '<p><a href="/traps">traps</a></p>' if site == 0 and self.traps else ""
            return html_reply(web.render_index(site, bases, extra))
        if path == "/robots.txt":
            return Reply(200, [("Content-Type", "text/plain")], b"User-agent: *\nDisallow:\n")
        if path == "/static/blank.gif":
            return Reply(200, [("Content-Type", "image/gif")], BLANK_GIF)
        head, _, tail = path.rpartition("/")
        if head in ("/img", "/gallery/img"):
            spec = web.images[site].get(tail)
            if spec is not None:
                media = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
                kind = "image/png" if spec.edit == "png" else media.get(spec.fmt, "image/gif")
                return Reply(200, [("Content-Type", kind)], SynthWeb.image_bytes(spec))
        if head == "/page" and tail.isdigit() and int(tail) < web.pages:
            return html_reply(web.render_page(site, int(tail), bases))
        if head == "/css" and tail.startswith("page-") and tail.endswith(".css"):
            number = tail[5:-4]
            if number.isdigit() and int(number) < web.pages:
                css = web.render_css(site, int(number)).encode()
                return Reply(200, [("Content-Type", "text/css")], css)
        return html_reply("<h1>not found</h1>", 404)


@contextlib.contextmanager
def running(
    web: SynthWeb, *, host: str = "127.0.0.1", port: int = 0, slow_interval: float = 1.0
) -> Iterator[SynthServer]:
    """Serve ``web`` from a background thread for the duration of the block."""
    server = SynthServer(web, host=host, port=port, slow_interval=slow_interval)
    server.warm()
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.start())
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="synthweb", daemon=True)
    thread.start()
    ready.wait(30)
    if failure:
        raise failure[0]
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
