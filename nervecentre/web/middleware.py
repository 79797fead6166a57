"""ASGI middleware that runs before any route: proxy headers, the allowlist, security headers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from nervecentre.security.network import Network, forwarded_client, is_allowed

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Everything is served by the app itself: no inline script, no third-party origin, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
# The API docs page needs its own (local) script; everything else gets the strict policy.
NO_STORE = (b"cache-control", b"no-store")


def client_address(scope: Scope) -> str:
    """The client's address ('' when unknown): the one place a request's address is read.

    It is the connecting peer, unless :class:`ProxyHeaders` replaced it with what a trusted
    proxy forwarded; the allowlist, the audit log and the login throttle all read it here.
    """
    client = scope.get("client")
    return str(client[0]) if client else ""


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k.lower() == name]
    return ", ".join(values) if values else None


class ProxyHeaders:
    """Believe X-Forwarded-For and X-Forwarded-Proto only from the named reverse proxies.

    From anyone else they are ignored: a client that could choose its own address would
    pass the allowlist, write any address into the audit log and escape the login throttle,
    and a forged X-Forwarded-Proto would drop the cookie's Secure flag. (uvicorn's own
    handling, which trusts loopback, is switched off by ``nervecentre serve``.)
    """

    def __init__(self, app: ASGIApp, proxies: tuple[Network, ...]) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.proxies:
            peer = client_address(scope)
            if is_allowed(peer, self.proxies):
                scope = dict(scope)
                forwarded_for = _header(scope, b"x-forwarded-for")
                if forwarded_for is not None:
                    client = forwarded_client(peer, forwarded_for, self.proxies)
                    scope["client"] = (client, 0)
                proto = (_header(scope, b"x-forwarded-proto") or "").rsplit(",", 1)[-1]
                if proto.strip().lower() in ("http", "https"):
                    secure = proto.strip().lower() == "https"
                    if scope["type"] == "websocket":
                        scope["scheme"] = "wss" if secure else "ws"
                    else:
                        scope["scheme"] = "https" if secure else "http"
        await self.app(scope, receive, send)


class NetworkGuard:
    """Refuse (403) every request from outside the centre's networks, before routing."""

    def __init__(self, app: ASGIApp, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.networks = networks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        web = scope["type"] in ("http", "websocket")
        if not web or is_allowed(client_address(scope), self.networks):
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
        else:
            body = json.dumps(
                {
                    "type": "about:blank",
                    "title": "Forbidden",
                    "status": 403,
                    "detail": "this service is reachable only from the centre's network",
                }
            ).encode()
            headers = [(b"content-type", b"application/problem+json"), *SECURITY_HEADERS]
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})


class SecurityHeaders:
    """Add the security headers (CSP and friends) to every response; no caching of pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in SECURITY_HEADERS if h[0] not in names]
                if not static and b"cache-control" not in names:
                    # Pages carry case data: never keep them in a shared or disk cache.
                    headers.append(NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
