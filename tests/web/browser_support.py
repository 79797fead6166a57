"""Helpers for the browser tests: a demo site served by uvicorn, and what the browser did.

The site is a SQLite database with a small synthetic register and the demo users, served
on a free loopback port in a background thread, as ``nervecentre serve`` would serve it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import BrowserContext, ConsoleMessage, Response
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
VIEWPORT = {"width": 1366, "height": 900}
CASES = 300


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


def build_database(folder: Path, cases: int = CASES) -> tuple[Database, dict[str, str]]:
    """A migrated SQLite database with a synthetic register imported and the demo users."""
    db = Database(
        load_settings(data_dir=str(folder / "data"), database_url=f"sqlite:///{folder / 'nc.db'}")
    )
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


def start_site(folder: Path) -> tuple[Site, BackgroundServer]:
    """Build the database and serve it; the caller stops the server."""
    db, passwords = build_database(folder)
    server = BackgroundServer(create_app(db=db))
    server.start()
    return Site(server.url, db, passwords), server


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


def screenshots_dir(default: Path) -> Path:
    """Where screenshots go: ``NERVECENTRE_SCREENSHOTS`` when set, else ``default``."""
    folder = Path(os.environ.get("NERVECENTRE_SCREENSHOTS") or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
