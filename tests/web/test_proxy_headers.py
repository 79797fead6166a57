"""Proxy headers (X-Forwarded-For, X-Forwarded-Proto) are believed only from named proxies.

uvicorn believes them from loopback by default; nervecentre turns that off and reads them
itself, from the proxies in NERVECENTRE_TRUSTED_PROXIES only (none by default).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from nervecentre.security import audit
from nervecentre.settings import load_settings
from nervecentre.store.db import Database
from nervecentre.web import create_app
from tests.security.conftest import PASSWORD, World
from tests.web.conftest import csrf_of

SPOOF = {"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`nervecentre serve` (one process) letting in 10.0.0.0/8 only, 127.0.0.2 its proxy."""
    port = _free_port()
    env = {
        **os.environ,
        "NERVECENTRE_DATA_DIR": str(tmp_path / "data"),
        "NERVECENTRE_DATABASE_URL": f"sqlite:///{tmp_path / 'nc.db'}",
        "NERVECENTRE_ALLOWED_NETWORKS": "10.0.0.0/8",
        "NERVECENTRE_TRUSTED_PROXIES": "127.0.0.2/32",
        "FORWARDED_ALLOW_IPS": "*",  # uvicorn's own switch: nervecentre must not heed it
    }
    command = [sys.executable, "-m", "nervecentre", "serve", "--port", str(port), "--workers", "1"]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/login", timeout=2)
                break
            except httpx.TransportError:
                pass
            assert server.poll() is None, server.communicate()[0]
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.2)
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()


def test_a_served_process_believes_forwarded_headers_only_from_its_proxy(served: str) -> None:
    # From loopback, which is no proxy here, a forged X-Forwarded-For opens nothing.
    assert httpx.get(f"{served}/login", timeout=10).status_code == 403
    assert httpx.get(f"{served}/login", headers=SPOOF, timeout=10).status_code == 403
    # The named proxy (127.0.0.2) is believed: the address it forwards is the client's.
    via_proxy = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    with via_proxy:
        assert via_proxy.get(f"{served}/login", timeout=10).status_code == 403
        assert via_proxy.get(f"{served}/login", headers=SPOOF, timeout=10).status_code == 200
        # The proxy appends the address it saw; what the client put before it is not believed.
        forged = {"X-Forwarded-For": "10.1.2.3, 192.0.2.8"}
        assert via_proxy.get(f"{served}/login", headers=forged, timeout=10).status_code == 403


def _login(client: TestClient, username: str, password: str, **headers: str) -> Any:
    page = client.get("/login", headers=headers)
    data = {"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    return client.post("/login", data=data, headers=headers)


@pytest.fixture
def app_with(world: World) -> Iterator[Callable[..., TestClient]]:
    """Clients of the app over the world's database, with chosen network settings."""
    opened: list[Database] = []

    def make(client: str = "127.0.0.1", **overrides: str) -> TestClient:
        base = world.db.settings
        settings = load_settings(
            data_dir=str(base.data_dir), database_url=base.resolved_database_url, **overrides
        )
        db = Database(settings)
        opened.append(db)
        return TestClient(create_app(db=db), client=(client, 40000), follow_redirects=False)

    yield make
    for db in opened:
        db.dispose()


def test_without_trusted_proxies_the_peer_is_the_client(
    app_with: Callable[..., TestClient], world: World
) -> None:
    client = app_with()
    response = _login(client, "inv", PASSWORD, **SPOOF)
    assert response.status_code == 303
    # No Secure flag from a forged X-Forwarded-Proto (the connection was plain HTTP) ...
    assert "secure" not in response.headers["set-cookie"].lower()
    # ... and the audit log keeps the address that really connected.
    assert audit.find(world.db, action="auth.login.success")[0].ip == "127.0.0.1"
    refused = app_with(allowed_networks="10.0.0.0/8")
    assert refused.get("/login", headers=SPOOF).status_code == 403


def test_rotating_a_forged_address_does_not_escape_the_login_throttle(
    app_with: Callable[..., TestClient],
) -> None:
    client = app_with(login_ip_max_failures="3")
    for i in range(3):
        forged = {"X-Forwarded-For": f"10.9.9.{i}"}
        assert _login(client, f"nobody{i}", "wrong wrong wrong", **forged).status_code == 401
    assert _login(client, "inv", PASSWORD, **{"X-Forwarded-For": "10.9.9.9"}).status_code == 429


def test_a_trusted_proxy_gives_the_client_address_and_scheme(
    app_with: Callable[..., TestClient], world: World
) -> None:
    client = app_with("10.0.0.5", allowed_networks="10.20.0.0/16", trusted_proxies="10.0.0.0/24")
    assert client.get("/login").status_code == 403  # the proxy itself is not a client
    forwarded = {"X-Forwarded-For": "203.0.113.7, 10.20.3.4"}
    # The proxy speaks HTTPS to the browser: the cookies it passes on are Secure.
    https = client.get("/login", headers={**forwarded, "X-Forwarded-Proto": "https"})
    assert "secure" in https.headers["set-cookie"].lower()
    assert "secure" not in client.get("/login", headers=forwarded).headers["set-cookie"].lower()
    assert _login(client, "inv", PASSWORD, **forwarded).status_code == 303
    assert audit.find(world.db, action="auth.login.success")[0].ip == "10.20.3.4"
    # Several proxies in a row: each trusted hop is skipped, the first other one is the client.
    chained = {"X-Forwarded-For": "10.20.9.9, 10.0.0.7"}
    assert client.get("/static/app.css", headers=chained).status_code == 200
    for bad in ("not-an-address", "", "10.20.3.4, garbage"):
        headers = {"X-Forwarded-For": bad}
        assert client.get("/static/app.css", headers=headers).status_code == 403, bad
