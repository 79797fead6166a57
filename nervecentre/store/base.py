"""The declarative base every table derives from, with stable constraint names."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Boolean, Engine, MetaData, false
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

if TYPE_CHECKING:
    from nervecentre.settings import Settings

# Stable names make Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Root of every nervecentre table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Now, in UTC, without tzinfo (stored the same way on SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Imported:
    """Mixin for rows an import may replace: ``imported`` is True for rows an import wrote.

    Re-importing a register replaces the imported rows of its cases and people; rows added
    by hand in nervecentre (``imported`` False) are kept.
    """

    imported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


def edited_set(raw: str | None) -> frozenset[str]:
    """The field names an ``edited_fields`` column holds (comma-separated)."""
    return frozenset(f for f in (raw or "").split(",") if f)


class Store(Protocol):
    """What the modules beneath the database object need of it: its URL, engine, sessions
    and settings. :class:`nervecentre.store.db.Database` is one; migrations, reference data
    and the key check take this, so that none of them imports the module that calls them."""

    url: str
    engine: Engine
    settings: Settings

    def session(self) -> AbstractContextManager[Session]:
        """A session, committed by its user."""
        ...
