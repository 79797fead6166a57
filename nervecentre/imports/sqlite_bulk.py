"""SQLite settings for the length of an import, on the import's own connection only.

An import commits a short batch at a time (:mod:`nervecentre.cases.batches`). With SQLite's
default ``wal_autocheckpoint`` (1,000 pages) nearly every batch's commit also copied the
write-ahead log back into the database and synced it, writing the same index pages again
batch after batch: a third of the time spent committing. During an import the log is
checkpointed every :data:`IMPORT_CHECKPOINT_PAGES` pages instead, and once more at its end.

Durability is unchanged: each batch still commits in the write-ahead log under the same
``synchronous`` setting as every other write (a checkpoint moves committed pages, it does not
make a commit durable). The cost is a larger ``-wal`` file while the import runs (at most
about 80 MB above the usual 4 MB), which readers search a little longer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

#: Pages of write-ahead log between checkpoints while an import runs (4 KiB pages: ~80 MB).
IMPORT_CHECKPOINT_PAGES = 20_000


@contextmanager
def import_checkpoints(conn: Connection) -> Iterator[None]:
    """On SQLite, fewer checkpoints while the block runs, one after it, the setting restored."""
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection
    assert raw is not None
    before = int(raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0])
    raw.execute(f"PRAGMA wal_autocheckpoint={max(before, IMPORT_CHECKPOINT_PAGES)}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA wal_autocheckpoint={before}")
        if not conn.in_transaction():
            # Readers should not search a large log after the import: copy it back now
            # (PASSIVE: it waits for nobody, and leaves what a reader still uses).
            raw.execute("PRAGMA wal_checkpoint(PASSIVE)")
