"""The database a dry run reads: the real one as it is, never created, migrated or written.

A dry run of a register against a database that does not exist yet (or was never
initialised) reads an empty, migrated one in a temporary folder instead, removed afterwards,
and says so: every valid row would be created. A database whose schema is older than this
version's is not upgraded by a dry run (an upgrade is a write): that is an error.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
import weakref
from pathlib import Path

from sqlalchemy.engine import make_url

from nervecentre.errors import ConfigError
from nervecentre.settings import Settings
from nervecentre.store.db import Database, open_database
from nervecentre.store.migrate import current_revision, head_revision


class CheckTarget:
    """The database a dry run reads, and a line saying what it stands for (or '').

    A temporary database is removed by :meth:`close`, or when the target is collected."""

    def __init__(self, db: Database, note: str = "", folder: Path | None = None) -> None:
        self.db, self.note = db, note
        #: Whether it is a temporary database (what a check writes there is thrown away).
        self.temporary = folder is not None
        self._close = weakref.finalize(self, _release, db, folder)

    def close(self) -> None:
        """Close the database's connections (and remove a temporary one)."""
        self._close()


def _release(db: Database, folder: Path | None) -> None:
    db.dispose()
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _empty(settings: Settings, why: str) -> CheckTarget:
    folder = Path(tempfile.mkdtemp(prefix="nervecentre-check-"))
    url = f"sqlite:///{folder / 'empty.db'}"
    db = open_database(url, dataclasses.replace(settings, database_url=url))
    target = CheckTarget(db, f"{why}: the register was checked against an empty one", folder)
    try:
        db.upgrade()
    except BaseException:
        target.close()
        raise
    return target


def database_to_check(url: str | None, settings: Settings) -> CheckTarget:
    """The database a dry run of an import reads (see the module's docstring)."""
    if url:
        settings = dataclasses.replace(settings, database_url=url)
    file = _sqlite_file(settings.resolved_database_url)
    if file is not None and not file.is_file():
        return _empty(settings, f"the database {file} does not exist yet")
    db = open_database(None, settings)
    try:
        if not db.is_initialised():
            db.dispose()
            return _empty(settings, f"the database at {db.safe_url} is not initialised")
        if current_revision(db) != head_revision(db):
            raise ConfigError(
                f"the database at {db.safe_url} needs upgrading before a dry run can read it "
                "(a dry run changes nothing, not even the schema): run `nervecentre init`"
            )
    except BaseException:
        db.dispose()
        raise
    return CheckTarget(db)
