"""Fixtures for the web layer: the app over a fresh database, users of every role, clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from nervecentre.security import tokens
from nervecentre.web import create_app
from tests.security.conftest import PASSWORD, World, fast_hashing, world  # noqa: F401
from tests.web.browser_support import (  # noqa: F401  (the browser tests' fixtures)
    browser,
    new_context,
    site,
    site_template,
    traffic,
)

LOCAL = ("127.0.0.1", 50000)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = _CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


@pytest.fixture
def app_for(world: World) -> Iterator[Callable[..., TestClient]]:  # noqa: F811
    """Make clients of the app over the world's database (optionally from another address)."""
    made: list[TestClient] = []

    def make(ip: str = LOCAL[0]) -> TestClient:
        client = TestClient(create_app(db=world.db), client=(ip, 50000), follow_redirects=False)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(app_for: Callable[..., TestClient]) -> TestClient:
    """A client on the centre's network, nobody signed in."""
    return app_for()


@pytest.fixture
def signed_in(app_for: Callable[..., TestClient]) -> Callable[[str], tuple[TestClient, str]]:
    """sign_as(username) -> (client with that user's session, CSRF token)."""

    def sign_as(username: str) -> tuple[TestClient, str]:
        c = app_for()
        return c, sign_in(c, username)

    return sign_as


@pytest.fixture
def token_for(world: World) -> Callable[[str], dict[str, str]]:  # noqa: F811
    """Authorization headers with a fresh API token of a user."""

    def make(username: str) -> dict[str, str]:
        _record, token = tokens.create_token(
            world.db, username, "tests", actor="test", scope="read-write"
        )
        return {"Authorization": f"Bearer {token}"}

    return make
