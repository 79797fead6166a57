"""The sign-in page sends a user on only to paths of this site: no open redirect, including
the spellings browsers tidy into another site (``/\\t/evil``, ``/\\evil``, ``//evil``)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, csrf_of

HOSTILE = [
    "//evil.example/", "/\\evil.example/", "/\t/evil.example/", "/\n/evil.example/",
    "/\r/evil.example/", "/ /evil.example/", "/%09/evil.example/", "https://evil.example/",
    "/\x00/evil.example", "/\u3000/evil.example/", "/./\t/evil.example",
]  # fmt: skip


def _stays(location: str) -> bool:
    """Whether a browser following ``location`` stays on this site (it drops tabs and line
    breaks anywhere in a URL, and reads a backslash as a slash)."""
    tidied = location.translate({9: None, 10: None, 13: None}).replace("\\", "/")
    return urlsplit(urljoin("http://testserver/login", tidied)).netloc == "testserver"


@pytest.mark.parametrize("target", HOSTILE)
def test_login_never_redirects_off_site(
    target: str, signed_in: Callable[[str], tuple[TestClient, str]], client: TestClient
) -> None:
    page = client.get("/login")
    posted = client.post(
        "/login",
        data={"username": "inv", "password": PASSWORD, "next": target,
              "csrf_token": csrf_of(page.text)},
    )  # fmt: skip
    assert posted.status_code == 303 and _stays(posted.headers["location"]), posted.headers
    # Signed in already, the form sends the user on at once: the same rule.
    again = client.get("/login", params={"next": target})
    assert again.status_code == 303 and _stays(again.headers["location"]), again.headers


def test_paths_of_the_site_are_kept(client: TestClient) -> None:
    page = client.get("/login")
    posted = client.post(
        "/login",
        data={"username": "inv", "password": PASSWORD, "next": "/cases?q=a%20b",
              "csrf_token": csrf_of(page.text)},
    )  # fmt: skip
    assert posted.headers["location"] == "/cases?q=a%20b"
