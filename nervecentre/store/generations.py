"""Generation counters: what lets a process keep answers while they are exact.

Migrations ``0010_data_generations`` and ``0011_kept_answers`` (SQLite) and ``0023_pg_generations``
(PostgreSQL) keep a row per counter in ``data_generations``, moved by triggers whenever
what the counter covers changes:

- ``cases``: the case list's filter, sort and row columns (the case index and its rows);
- ``text``: what a free-text search finds;
- ``access``: users, their units, API tokens, grants and restrictions (who may see what);
- ``graph`` (``0024_graph_payments``, both backends): everything a user's link graph is
  built from (``nervecentre.graph.cache``).
- ``library``: the library's documents and their case links (``0020_library`` on SQLite,
  ``0025_pg_library_access`` on PostgreSQL).

A process that keeps an answer keeps the counter it read *before* reading the answer, and
uses the answer only while a fresh read gives the same value. On PostgreSQL a counter moves
as its transaction commits, with the data it covers (never before: an answer read at the
old value holds the old data), so under READ COMMITTED an answer read after the counter is
at least as new as the counter says: a later change still moves it.
"""

from __future__ import annotations

import threading
import weakref
from typing import Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy import text as _sql
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

K = TypeVar("K")
V = TypeVar("V")

_READ = _sql("SELECT generation FROM data_generations WHERE name = :name")
_EXISTS = _sql("SELECT to_regclass('data_generations') IS NOT NULL")
# PostgreSQL databases (engines) known to have the counters: a statement on a missing
# table would abort the caller's transaction there, so it is asked once, before.
_COUNTED: weakref.WeakSet[Engine] = weakref.WeakSet()
_COUNTED_LOCK = threading.Lock()


def has_counters(conn: Connection | Session) -> bool:
    """PostgreSQL: whether the database has the counters' table (asked once per engine)."""
    return _counted(conn)


def _counted(conn: Connection | Session) -> bool:
    engine = conn.get_bind().engine if isinstance(conn, Session) else conn.engine
    if engine in _COUNTED:
        return True
    if not conn.execute(_EXISTS).scalar():
        return False  # a database from before migration 0023: asked again next time
    with _COUNTED_LOCK:
        _COUNTED.add(engine)
    return True


_ONE_SNAPSHOT = "nervecentre.generations"
_ALL = _sql(
    "SELECT name, generation FROM data_generations "
    "WHERE name IN ('cases', 'text', 'access', 'graph')"
)


def one_snapshot(session: Session) -> None:
    """PostgreSQL: run this read-only session on one snapshot (REPEATABLE READ), so that the
    counters, read once in one statement, hold for everything it reads (as SQLite's one
    writer makes them hold there); each later read of a counter costs no round trip.
    Call it before the session's first statement."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    session.info[_ONE_SNAPSHOT] = None


def generation(conn: Connection | Session, name: str) -> int | None:
    """The counter's value now; None on a database without the counter (nothing is kept)."""
    dialect = conn.get_bind().dialect if isinstance(conn, Session) else conn.dialect
    if dialect.name == "postgresql":
        if not _counted(conn):
            return None
        if isinstance(conn, Session) and _ONE_SNAPSHOT in conn.info:
            read = conn.info[_ONE_SNAPSHOT]
            if read is None:
                read = conn.info[_ONE_SNAPSHOT] = {str(n): int(g) for n, g in conn.execute(_ALL)}
            found = read.get(name)
            return None if found is None else int(found)
    elif dialect.name != "sqlite":
        return None
    try:
        value = conn.execute(_READ, {"name": name}).scalar()
    except OperationalError:
        return None  # a SQLite database from before migration 0010
    return None if value is None else int(value)


class Kept(Generic[K, V]):
    """Answers a process keeps per database (engine), at most ``limit`` of them each: all
    are dropped when a new one would pass it. Their holder checks a generation before use."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._by_engine: weakref.WeakKeyDictionary[Engine, dict[K, V]] = weakref.WeakKeyDictionary()

    def get(self, engine: Engine, key: K) -> V | None:
        found = self._by_engine.get(engine)
        return None if found is None else found.get(key)

    def put(self, engine: Engine, key: K, value: V) -> None:
        found = self._by_engine.get(engine)
        if found is None:
            found = self._by_engine.setdefault(engine, {})
        if len(found) >= self.limit:
            found.clear()
        found[key] = value

    def pop(self, engine: Engine, default: dict[K, V] | None = None) -> dict[K, V] | None:
        """Forget everything kept for one database (its answers, or ``default``)."""
        return self._by_engine.pop(engine, default)
