"""The database handle: one engine, sessions, and schema setup through Alembic."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DisconnectionError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from nervecentre.errors import ConfigError, StorageError
from nervecentre.settings import Settings, load_settings

# Starlette's thread pool for synchronous routes holds 40 threads.
WEB_THREADS = 40
# How long a SQLite writer waits for another's write lock before it reports an error.
SQLITE_BUSY_TIMEOUT_MS = 30_000


# A pooled PostgreSQL connection idle longer than this is checked before use.
PING_IDLE_S = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a connection that has been idle a while before handing it out (a restarted
    server or a dropped link would otherwise fail the request that gets it), not one in
    steady use: a ping on every checkout is a round trip more for each session, as many as
    a search's own statements on a busy machine.

    A failed ping discards the connection and the pool opens another (SQLAlchemy's
    DisconnectionError protocol).
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_IDLE_S:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()  # no transaction left open by the ping
        except Exception as exc:
            raise DisconnectionError(f"pooled connection lost: {exc}") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the web app read while an import writes; foreign keys are off by default
    # in SQLite and must be switched on per connection.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()


def _owner_only(database: Path) -> None:
    """Create the SQLite file readable by its owner alone, and narrow one left readable by
    others (SQLite gives its -wal and -shm files the database file's mode)."""
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for path in (database, *(database.with_name(database.name + s) for s in ("-wal", "-shm"))):
        try:
            if path.stat().st_mode & 0o077 and path.stat().st_uid == os.getuid():
                path.chmod(0o600)
        except FileNotFoundError:
            continue


def make_engine(url: str) -> Engine:
    """Create an engine for a SQLite or PostgreSQL URL, with the settings each needs."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"not a database URL: {url!r}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            try:
                _owner_only(Path(parsed.database))
            except OSError as exc:
                raise StorageError(f"cannot open {parsed.database}: {exc.strerror}") from None
        # The web app runs requests on a thread pool (40 threads): a pool of 5 connections
        # would open and close connections all day, each starting with an empty cache.
        # Last in, first out: the few connections in use stay warm, the rest stay idle.
        pool = (
            {"pool_size": WEB_THREADS, "max_overflow": 8, "pool_use_lifo": True}
            if parsed.database and parsed.database != ":memory:"
            else {}
        )
        engine = create_engine(
            parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **pool
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        # Last in, first out, as for SQLite: the connections in use stay warm (psycopg
        # prepares a statement on a connection after its fifth run).
        engine = create_engine(parsed, pool_size=10, max_overflow=30, pool_use_lifo=True)
        _ping_when_idle(engine)
        return engine
    raise ConfigError(f"unsupported database {backend!r}: use SQLite or PostgreSQL")


class Database:
    """A connected database: the engine, a session factory and the settings it came from."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.resolved_database_url
        self.engine = make_engine(self.url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise StorageError(f"database error: {exc.orig}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """A :meth:`session` for a change decided on what it reads (read, then write).

        Python's sqlite3 begins a transaction only at the first write, so two such changes
        could both read before either writes, and each decide on a state the other is about
        to change. On SQLite this session takes the write lock as it begins (BEGIN IMMEDIATE,
        waiting out another writer for the busy timeout); on PostgreSQL the caller locks the
        rows it decides on (``SELECT … FOR UPDATE``), which SQLite ignores."""
        with self.session() as session:
            conn = session.connection()
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    def check(self) -> None:
        """Raise StorageError with a clear message if the database cannot be reached."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot reach the database at {self.safe_url}: {exc}") from None

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, fit for messages and logs."""
        return make_url(self.url).render_as_string(hide_password=True)

    def is_initialised(self) -> bool:
        """True once migrations have created the schema."""
        try:
            return inspect(self.engine).has_table("alembic_version")
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot reach the database at {self.safe_url}: {exc}") from None

    def upgrade(self) -> None:
        """Check the secret key is this database's, then bring the schema to the latest
        migration, load the reference data and record the key of a new database."""
        from nervecentre.security.keys import bind_key, verify_key
        from nervecentre.store import schema  # noqa: F401 - every table, before the ORM is used
        from nervecentre.store.migrate import upgrade

        self.check()
        verify_key(self)  # a wrong key stops every command and server before any write
        upgrade(self)
        bind_key(self)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(database_url: str | None = None, settings: Settings | None = None) -> Database:
    """Open the configured database (an explicit URL wins over the settings)."""
    settings = settings or load_settings()
    if database_url:
        settings = dataclasses.replace(settings, database_url=database_url)
    return Database(settings)
