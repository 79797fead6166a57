"""PostgreSQL's pooled connections: checked before use only after being idle a while."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from nervecentre.store import db as store_db
from nervecentre.store.db import Database


def _backend(database: Database) -> int:
    with database.session() as session:
        return int(session.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.mark.postgres
def test_a_connection_lost_while_idle_is_replaced_not_failed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.dialect != "postgresql":
        pytest.skip("SQLite has no server to lose")
    first = _backend(db)
    other = Database(db.settings)  # another pool: the server ends that backend (as a restart)
    with other.engine.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": first})
    other.dispose()
    monkeypatch.setattr(store_db, "PING_IDLE_S", 0.0)  # idle long enough to be checked
    assert _backend(db) != first  # the lost connection was replaced: no error


@pytest.mark.postgres
def test_a_connection_in_steady_use_is_not_pinged(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("PostgreSQL's pool only")
    statements: list[str] = []
    _backend(db)
    event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for _ in range(5):
        _backend(db)
    # Only the statements asked for: no ping per checkout (it would be a round trip each).
    assert statements == ["SELECT pg_backend_pid()"] * 5
