"""Shared by the editing tests: a world of two imported cases and a user of every role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from nervecentre.cases.people import CaseRole
from nervecentre.security import audit, users
from nervecentre.security.models import AuditEntry
from nervecentre.store.base import Base
from nervecentre.store.db import Database
from tests.security.conftest import FAST, World, make_world

REASON = "court summons to victim for deposition"
NEW_CASE = {
    "fir_number": "77",
    "fir_year": "2024",
    "police_station_code": "Shahapur",
    "fir_at": "2024-03-14T22:15",
    "info_received_at": "2024-03-14 21:40",
    "info_mode": "written",
    "occurred_from": "2024-03-10 18:00",
    "occurred_to": "2024-03-14 20:00",
    "occurrence_place": "Lodge near bus stand",
    "brief_facts": "Two girls brought from Kolkata with a promise of work.",
    "crime_heads": "HT, sextortion",
    "status": "registered",
    "investigating_officer": "PSI R. K. Patil",
}


def build_world(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    """Case A (Shahapur, Thane Rural) and case B (Boisar, Palghar); a user of every role."""
    monkeypatch.setattr(users, "hasher", lambda: FAST)
    return make_world(db, tmp_path)


def last_entry(db: Database) -> AuditEntry:
    return audit.tail(db, 1)[0]


def count(db: Database, model: Any) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def people_of(world: World, case_id: int, role: str) -> list[int]:
    with world.db.session() as s:
        query = select(CaseRole.person_id).where(CaseRole.case_id == case_id, CaseRole.role == role)
        return sorted(s.scalars(query))


def assert_nowhere_in_database(db: Database, *secrets: str) -> None:
    """No table holds any of these values in plain text (encrypted columns included)."""
    present = set(inspect(db.engine).get_table_names())
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name not in present:
                continue
            for row in conn.execute(table.select()):
                for value in row:
                    blob = value if isinstance(value, bytes) else str(value).encode()
                    for secret in secrets:
                        assert secret.encode() not in blob, f"{secret!r} in {table.name}"
