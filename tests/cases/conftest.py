"""Fixtures of the case tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from nervecentre.store.db import Database
from tests.cases.editing import build_world
from tests.security.conftest import World


@pytest.fixture
def world(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    """Case A (Shahapur) and case B (Boisar), imported; a user of every role."""
    return build_world(db, tmp_path, monkeypatch)
