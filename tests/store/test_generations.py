"""Generation counters: they move with the data they cover, as it commits, on both backends;
on PostgreSQL no writer waits for another's counter before its commit."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from nervecentre.store.db import Database
from nervecentre.store.generations import generation

RENAME = "UPDATE districts SET name = name || '' WHERE code = 'MH-THR'"  # moves 'cases'


def _now(db: Database, name: str) -> int:
    with db.engine.connect() as conn:
        found = generation(conn, name)
    assert found is not None
    return found


def test_a_counter_moves_when_its_change_commits_and_not_before(db: Database) -> None:
    start = _now(db, "cases")
    with db.engine.connect() as writer:
        writer.execute(text(RENAME))
        writer.execute(text(RENAME))
        assert _now(db, "cases") == start  # not committed: the old data, the old counter
        writer.commit()
    moved = _now(db, "cases")
    assert moved > start
    if db.dialect == "postgresql":
        assert moved == start + 1  # once per transaction, however many statements


def test_a_rolled_back_change_moves_nothing(db: Database) -> None:
    start = {name: _now(db, name) for name in ("cases", "text", "access")}
    with db.engine.connect() as writer:
        writer.execute(text(RENAME))
        writer.rollback()
    assert {name: _now(db, name) for name in start} == start


def test_only_the_counters_a_change_covers_move(db: Database) -> None:
    start = {name: _now(db, name) for name in ("cases", "text", "access")}
    with db.engine.begin() as conn:
        conn.execute(text(RENAME))
    now = {name: _now(db, name) for name in start}
    assert now["cases"] > start["cases"]
    assert (now["text"], now["access"]) == (start["text"], start["access"])


@pytest.mark.postgres
def test_writers_never_wait_for_each_others_counters(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time")
    start = {name: _now(db, name) for name in ("cases", "text")}
    touch_text = "UPDATE persons SET protected = protected WHERE false"  # a statement: 'text'
    with db.engine.connect() as first, db.engine.connect() as second:
        for conn in (first, second):
            conn.execute(text("SET lock_timeout = '2s'"))  # waiting would fail, not hang
        # Opposite orders: counters locked as each statement ran would deadlock here.
        first.execute(text(RENAME))
        second.execute(text(touch_text))
        first.execute(text(touch_text))
        second.execute(text(RENAME.replace("MH-THR", "MH-PAL")))  # another row: no wait for it
        first.commit()
        second.commit()
    now = {name: _now(db, name) for name in start}
    assert now == {name: value + 2 for name, value in start.items()}
    with db.engine.connect() as conn:
        pending = conn.execute(
            text("SELECT count(*) FROM data_generations WHERE name LIKE '%:%'")
        ).scalar()
    assert pending == 0  # the notes of each transaction are gone with its commit
