"""The synthetic web served on loopback, a database holding its hash set, and crawl helpers.

Every image here is drawn by nervecentre.crawler.synthweb: colour fields and shapes, nothing
else. Every test and every crawl has a deadline: a crawler that hangs fails instead.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from nervecentre.crawler.config import build_config
from nervecentre.crawler.jobs import start_crawl
from nervecentre.crawler.synthweb import KEYWORDS, LEGACY_KEYWORDS, SynthServer, SynthWeb, running
from nervecentre.hashing.sets import import_hashset
from nervecentre.store.db import Database
from tests.conftest import _settings

DEADLINE_S = 90
# Short enough that the slow and stalling traps end the test quickly, long enough for a
# loaded 2-core machine to answer every ordinary request.
FAST = {"timeout": 5.0, "response_seconds": 5.0}
ALL_KEYWORDS = [*KEYWORDS, *(k for _, _, k in LEGACY_KEYWORDS.values())]


@contextlib.contextmanager
def deadline(seconds: float = DEADLINE_S) -> Iterator[None]:
    """Raise TimeoutError in whatever runs past ``seconds``, instead of hanging the suite."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise TimeoutError(f"ran past its {seconds} s deadline")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def test_deadline() -> Iterator[None]:
    """Every test of the crawler has a deadline."""
    with deadline():
        yield


def load_hashset(db: Database, server: SynthServer, folder: Path) -> None:
    """Import the web's synthetic hash set as ``synthetic``."""
    path = server.web.write_hashset(folder / "synthetic.csv")
    import_hashset(db, path, name="synthetic", fmt="csv")


def crawl(
    db: Database, seeds: list[str], **options: Any
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Crawl through the library; the events it emitted and the summary."""
    events: list[dict[str, Any]] = []
    fetch = {**FAST, **options.pop("fetch", {})}
    options.setdefault("keywords", ALL_KEYWORDS)
    config = build_config(db.settings, seeds, ["synthetic"], fetch=fetch, **options)
    with deadline(60):
        summary = start_crawl(db, config, events.append, "test")
    return events, summary


@pytest.fixture(scope="module")
def trap_server() -> Iterator[SynthServer]:
    """Two small sites; site 0 links every trap."""
    with running(SynthWeb(seed=3, sites=2, pages=12), slow_interval=0.25) as server:
        yield server


@pytest.fixture(scope="module")
def trap_db(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, trap_server: SynthServer
) -> Iterator[Database]:
    """A SQLite database with the trap web's hash set, shared by one module's tests."""
    folder = tmp_path_factory.mktemp("crawl")
    target = folder / "nervecentre.db"
    shutil.copyfile(sqlite_template, target)
    database = Database(_settings(folder, f"sqlite:///{target}"))
    load_hashset(database, trap_server, folder)
    yield database
    database.dispose()


@pytest.fixture(scope="module")
def trap_crawl(
    trap_db: Database, trap_server: SynthServer
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One crawl of the whole trap web (robots obeyed), shared by the module's tests."""
    return crawl(trap_db, [f"{b}/" for b in trap_server.bases], max_pages=400, max_depth=8)


def matched(events: list[dict[str, Any]]) -> set[str]:
    """Media URLs of the match events."""
    return {e["media_url"] for e in events if e["type"] == "match"}


def planted(server: SynthServer, *, robots_obeyed: bool = True) -> set[str]:
    """Media URLs of every planted known image."""
    truth = server.truth(robots_obeyed=robots_obeyed)
    return {server.bases[p.site] + p.media_path for p in truth.planted}
