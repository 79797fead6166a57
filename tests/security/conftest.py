"""Fixtures for security tests: fast password hashing, two units' cases, a user per role."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Connection, select

from nervecentre.cases.models import Case
from nervecentre.imports import import_register
from nervecentre.security import users
from nervecentre.security.models import User
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv

PASSWORD = "correct horse battery"
UNIT_A = "MH-THR-SHAHAPUR"
UNIT_B = "MH-PAL-BOISAR"
# Cheap Argon2 parameters: the tests check behaviour, not the cost of brute force.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(users, "hasher", lambda: FAST)


@dataclass
class World:
    """Two cases in two units, and users of every role (all but one in unit A)."""

    db: Database
    case_a: int
    case_b: int
    users: dict[str, User]

    def user(self, name: str) -> User:
        return users.get_user(self.db, name)


def make_cases(db: Database, tmp_path: Path) -> tuple[int, int]:
    """Import case 1 (Shahapur, Thane Rural) and case 2 (Boisar, Palghar); return their ids."""
    rows = [row(1), row(2, **{"District": "Palghar", "Police Station": "Boisar"})]
    import_register(db, write_csv(tmp_path / "reg.csv", rows))
    with db.session() as s:
        ids = {code: id_ for code, id_ in s.execute(select(Case.unit_code, Case.id))}
    return ids[UNIT_A], ids[UNIT_B]


@pytest.fixture
def world(db: Database, tmp_path: Path) -> World:
    return make_world(db, tmp_path)


def make_world(db: Database, tmp_path: Path) -> World:
    """Cases A (Shahapur) and B (Boisar), imported, and a user of every role."""
    case_a, case_b = make_cases(db, tmp_path)
    made = {}
    for name, role, units in [
        ("admin", "admin", []),
        ("sup", "supervisor", [UNIT_A]),
        ("inv", "investigator", [UNIT_A]),
        ("ana", "analyst", [UNIT_A]),
        ("view", "viewer", [UNIT_A]),
        ("inv-b", "investigator", [UNIT_B]),
    ]:
        made[name] = users.create_user(db, name, PASSWORD, role, actor="test", units=units)
    return World(db, case_a, case_b, made)


@contextmanager
def attacker(db: Database) -> Iterator[Connection]:
    """A connection that bypasses the append-only triggers, as someone with DB access could.

    SQLite drops them (each test has its own file); PostgreSQL disables them inside the
    transaction only, so the shared test schema keeps them.
    """
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            for name in (
                "audit_log_no_update",
                "audit_log_no_delete",
                "audit_chain_head_forward",
                "audit_chain_head_no_delete",
            ):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            yield conn
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
            conn.exec_driver_sql(
                "ALTER TABLE audit_chain_head DISABLE TRIGGER audit_chain_head_forward"
            )
            yield conn
            conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
            conn.exec_driver_sql(
                "ALTER TABLE audit_chain_head ENABLE TRIGGER audit_chain_head_forward"
            )
