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
