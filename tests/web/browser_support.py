"""Helpers and fixtures for the browser tests: a demo site served by uvicorn, Chromium, and
what the browser did.

The demo database (a small synthetic register and the demo users, with a fixed secret key so
that victims' codes are the same on every run) is built once per test session; each test
module serves its own copy on a free loopback port, as ``nervecentre serve`` would, so what
one module changes never shows in another's pages or screenshots. tests/web/conftest.py
imports the fixtures, so one browser and one build serve every browser test of a session.
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    ViewportSize,
    expect,
    sync_playwright,
)
from sqlalchemy import func, select

from nervecentre.cases.models import Case
from nervecentre.cases.people import CaseRole, Person
from nervecentre.imports import import_register
from nervecentre.security.demo import DEMO_DISTRICT, create_demo_users
from nervecentre.settings import load_settings
from nervecentre.store.db import Database
from nervecentre.synth import SynthConfig, write_dataset
from nervecentre.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT: ViewportSize = {"width": 1366, "height": 900}
CASES = 300
# A fixed key (not a secret: test data only) so pseudonymous codes and screenshots repeat.
SECRET_KEY = base64.urlsafe_b64encode(b"nervecentre browser tests, fixed".ljust(32)).decode()
REQUIRED = os.environ.get("NERVECENTRE_TEST_REQUIRE_BROWSER") == "1"

NewContext = Callable[..., BrowserContext]


def unavailable(message: str) -> NoReturn:
    """Skip a test that lacks a browser tool; fail it instead in CI (…_REQUIRE_BROWSER=1)."""
    if REQUIRED:
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Site:
    """The running demo site: its address, database and the demo users' passwords."""

    url: str
    db: Database
    passwords: dict[str, str]

    @property
    def origin(self) -> str:
        """``host:port`` of the site, as a URL's netloc spells it."""
        return self.url.removeprefix("http://")


def open_database(folder: Path) -> Database:
    """The browser tests' SQLite database in ``folder`` (data directory beside it)."""
    settings = load_settings(
        data_dir=str(folder / "data"),
        database_url=f"sqlite:///{folder / 'nc.db'}",
        secret_key=SECRET_KEY,
    )
    return Database(settings)


def build_database(folder: Path, cases: int = CASES) -> tuple[Database, dict[str, str]]:
    """A migrated SQLite database with a synthetic register imported and the demo users."""
    db = open_database(folder)
    db.upgrade()
    paths = write_dataset(folder / "synth", SynthConfig(cases=cases, seed=1), fmt="csv")
    import_register(db, paths.register, "demo-register")
    passwords = {u.username: u.password for u in create_demo_users(db)}
    return db, passwords


class BackgroundServer:
    """uvicorn serving an app on a loopback socket, in a daemon thread."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        """Start serving and wait until the login page answers."""
        self.thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.started:
                try:
                    with urllib.request.urlopen(f"{self.url}/login", timeout=5) as response:
                        if response.status == 200:
                            return
                except (urllib.error.URLError, ConnectionError):
                    pass
            if not self.thread.is_alive():
                raise RuntimeError("the web server thread died while starting")
            time.sleep(0.05)
        raise RuntimeError(f"the web server did not answer on {self.url} within {timeout}s")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@dataclass(frozen=True)
class Template:
    """A built demo database, copied for each module's site."""

    folder: Path
    passwords: dict[str, str]


def start_site(template: Template, folder: Path) -> tuple[Site, BackgroundServer]:
    """Serve a fresh copy of the template's database; the caller stops the server."""
    shutil.copytree(template.folder, folder, dirs_exist_ok=True)
    db = open_database(folder)
    server = BackgroundServer(create_app(db=db))
    server.start()
    return Site(server.url, db, dict(template.passwords)), server


def protected_victim(db: Database) -> tuple[int, int]:
    """(person id, case id) of a protected victim in a Thane Rural case with many people."""
    people = func.count(CaseRole.person_id)
    busiest = (
        select(CaseRole.case_id)
        .join(Case, Case.id == CaseRole.case_id)
        .where(Case.district_code == DEMO_DISTRICT)
        .group_by(CaseRole.case_id)
        .order_by(people.desc(), CaseRole.case_id)
    )
    with db.session() as s:
        for case_id in s.scalars(busiest):
            person_id = s.scalar(
                select(Person.id)
                .join(CaseRole, CaseRole.person_id == Person.id)
                .where(CaseRole.case_id == case_id, CaseRole.role == "victim", Person.protected)
                .order_by(Person.id)
            )
            if person_id is not None:
                return person_id, case_id
    raise AssertionError(f"the synthetic data has no protected victim in {DEMO_DISTRICT}")


def thane_rural_case(db: Database) -> Case:
    """A Thane Rural case (detached copy of its row), for searching and editing."""
    with db.session() as s:
        case = s.scalars(
            select(Case).where(Case.district_code == DEMO_DISTRICT).order_by(Case.id)
        ).first()
        assert case is not None, f"the synthetic data has no case in {DEMO_DISTRICT}"
        s.expunge(case)
        return case


# Chromium reports every 4xx/5xx document as a console error; those pages are expected
# (wrong password, refused POST, validation errors), so they are checked by status instead.
_FAILED_LOAD = "Failed to load resource: the server responded with a status of"


@dataclass
class Traffic:
    """Every request URL, console problem and page error seen by the browser contexts."""

    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_subresources: list[str] = field(default_factory=list)
    error_documents: set[str] = field(default_factory=set)
    server_errors: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> BrowserContext:
        """Record what ``context`` and its pages do from now on."""
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("response", self._response)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.page_errors.append(str(error.error)))
        return context

    def _response(self, response: Response) -> None:
        if response.status < 400:
            return
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")
        if response.request.resource_type == "document":
            self.error_documents.add(response.url)
        else:
            self.failed_subresources.append(f"{response.status} {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type not in ("error", "warning"):
            return
        text = message.text
        where = message.location.get("url", "")
        if text.startswith(_FAILED_LOAD) and where in self.error_documents:
            return
        self.console.append(f"{message.type}: {text} ({where})")


def sign_in(context: BrowserContext, site: Site, username: str) -> Page:
    """A page of ``context`` signed in as ``username`` through the login form."""
    page = context.new_page()
    visit(page, "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", site.passwords[username])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site.url}/")
    expect(page.locator("h1")).to_have_text("Dashboard")
    return page


def visit(page: Page, path: str, status: int = 200) -> Page:
    """Go to ``path`` and check that the page came back with ``status``."""
    response = page.goto(path)
    assert response is not None and response.status == status, (
        f"{path}: {response and response.status}"
    )
    return page


# The fixtures: tests/web/conftest.py imports them, so the session-scoped ones are shared.


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium (skip, or fail in CI, when it is not installed)."""
    if not CHROMIUM.is_file():
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def site_template(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The demo database, built once per session (only when a browser is there to use it)."""
    folder = tmp_path_factory.mktemp("browser-template")
    db, passwords = build_database(folder)
    db.dispose()
    return Template(folder, passwords)


@pytest.fixture(scope="module")
def site(site_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """This module's own copy of the demo site, served on a free loopback port."""
    running, server = start_site(site_template, tmp_path_factory.mktemp("browser"))
    yield running
    server.stop()
    running.db.dispose()


@pytest.fixture(scope="module")
def traffic() -> Traffic:
    """What every browser context of this module requested and logged."""
    return Traffic()


@pytest.fixture
def new_context(browser: Browser, site: Site, traffic: Traffic) -> Iterator[NewContext]:
    """Make fresh, watched browser contexts (closed after the test); keywords go to Playwright."""
    made: list[BrowserContext] = []
    errors_before = len(traffic.server_errors)

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(
            base_url=site.url,
            viewport=VIEWPORT,
            locale="en-IN",
            timezone_id="Asia/Kolkata",
            **options,
        )
        context.set_default_timeout(10_000)
        made.append(traffic.watch(context))
        return context

    yield make
    for context in made:
        context.close()
    # Every test fails on a server error, even on a page it did not look at closely.
    assert traffic.server_errors[errors_before:] == []
