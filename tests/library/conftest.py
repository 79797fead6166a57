"""Fixtures of the library tests: the security tests' world (two units' cases, every role)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nervecentre.security import users
from nervecentre.store.db import Database
from tests.security.conftest import FAST, World, make_world


@pytest.fixture
def world(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    """Case A (Shahapur, unit A) and case B (Boisar, unit B); a user of every role."""
    monkeypatch.setattr(users, "hasher", lambda: FAST)
    return make_world(db, tmp_path)
