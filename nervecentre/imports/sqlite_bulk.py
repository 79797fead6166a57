"""SQLite settings for the length of an import, on the import's own connection only.

An import commits a short batch at a time (:mod:`nervecentre.cases.batches`). With SQLite's
default ``wal_autocheckpoint`` (1,000 pages) nearly every batch's commit also copied the
write-ahead log back into the database and synced it, writing the same index pages again
batch after batch (5,000 rows: 6.9 s in commits, 2.0 s with this). During an import the log is
checkpointed every :data:`IMPORT_CHECKPOINT_PAGES` pages instead, and once more at its end.

What that changes: under ``synchronous=NORMAL`` (nervecentre's setting) a commit reaches the
disk at the next checkpoint, so a power cut or OS crash during an import can roll back up to
about 80 MB of log (the import's latest batches, and other users' commits meanwhile) instead
of about 4 MB; a killed process loses nothing committed. A rolled-back import is a stopped
one: importing the register again finishes it. Documented in ``docs/security.md`` (Imports).
The cost besides: a larger ``-wal`` file while the import runs, which readers search longer.

Into an empty registry, an import also builds the secondary indexes of the tables it writes
after its rows are in (:func:`defer_indexes`, :func:`restore_indexes`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection

#: Pages of write-ahead log between checkpoints while an import runs (4 KiB pages: ~80 MB).
IMPORT_CHECKPOINT_PAGES = 20_000
#: The import connection's page cache (negative: KiB), 512 MiB, taken only as it is used:
#: the unique indexes a large import inserts into at random places (people's codes and
#: refs, identifiers, case keys) outgrow the usual 64 MiB from about 100,000 cases.
IMPORT_CACHE_KIB = -524_288


@contextmanager
def import_checkpoints(conn: Connection) -> Iterator[None]:
    """On SQLite, fewer checkpoints while the block runs, one after it, the setting restored."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    before = int(raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    cache = int(raw.execute("PRAGMA cache_size").fetchone()[0])
    raw.execute(f"PRAGMA wal_autocheckpoint={max(before, IMPORT_CHECKPOINT_PAGES)}")
    raw.execute(f"PRAGMA cache_size={IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA wal_autocheckpoint={before}")
        raw.execute(f"PRAGMA cache_size={cache}")
        if not conn.in_transaction():
            # Readers should not search a large log after the import: copy it back now
            # (PASSIVE: it waits for nobody, and leaves what a reader still uses).
            raw.execute("PRAGMA wal_checkpoint(PASSIVE)")


#: The tables an import writes. Into an empty registry, their secondary indexes are built
#: after the rows are in (:func:`defer_indexes`).
BULK_TABLES = (
    "cases", "charges", "persons", "person_aliases", "case_roles", "identifiers",
    "identifier_uses", "events", "event_participants", "route_stops", "case_links",
)  # fmt: skip


def _has_deferred_table(raw: Any) -> bool:
    found = raw.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'deferred_indexes'"
    ).fetchone()
    return found is not None


def defer_indexes(conn: Connection) -> bool:
    """In an empty SQLite registry, drop the secondary (non-unique) indexes of
    :data:`BULK_TABLES`, keeping their definitions in ``deferred_indexes`` in the same (the
    caller's) transaction; True if it did. :func:`restore_indexes` builds them again.

    Why: rows arrive in the register's order, and each of them went into a dozen indexes at
    random places; once those outgrew the page cache, every row cost several page reads and
    writes, and an import's cost a row doubled between 20,000 and 250,000 cases. Built after
    the load, each index is one sort. Unique indexes stay: the import's lookups and the
    registry's integrity need them. Any rows in those tables (someone else's, or a stopped
    import's) and nothing is dropped.
    """
    if conn.dialect.name != "sqlite":
        return False
    raw = conn.connection.dbapi_connection
    assert raw is not None
    if not _has_deferred_table(raw) or raw.execute("SELECT 1 FROM deferred_indexes").fetchone():
        return False
    for table in BULK_TABLES:
        # Table names are our own (above), never input.
        if raw.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
            return False
    marks = ", ".join("?" * len(BULK_TABLES))
    indexes = raw.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({marks}) ORDER BY name",
        BULK_TABLES,
    ).fetchall()
    for name, table, sql in indexes:
        raw.execute(
            "INSERT INTO deferred_indexes (name, tbl, sql) VALUES (?, ?, ?)", (name, table, sql)
        )
        raw.execute(f'DROP INDEX "{name}"')
    return bool(indexes)


def restore_indexes(conn: Connection, at_most: int | None = None) -> int:
    """Build (up to ``at_most`` of) the indexes :func:`defer_indexes` dropped, after a bulk
    load or after an import that stopped before its end, in the caller's transaction;
    returns how many it built."""
    if conn.dialect.name != "sqlite":
        return 0
    raw = conn.connection.dbapi_connection
    assert raw is not None
    if not _has_deferred_table(raw):
        return 0
    waiting = raw.execute("SELECT name, sql FROM deferred_indexes ORDER BY name").fetchall()
    for name, sql in waiting[:at_most]:
        exists = raw.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
        ).fetchone()
        if exists is None:
            raw.execute(sql)
        raw.execute("DELETE FROM deferred_indexes WHERE name = ?", (name,))
    return len(waiting[:at_most])
