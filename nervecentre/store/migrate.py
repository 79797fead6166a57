"""Schema migrations (Alembic, run programmatically) and reference-data loading."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from nervecentre.store.base import Store


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Whether schema comparison should look at an object.

    The full-text machinery of migration 0004 (FTS5 tables, triggers, expression indexes,
    every name starting ``search_``) and the case index's counter of migration 0010
    (``data_generations``, SQLite only) are declared by no model, on purpose: comparing them
    would make autogenerate want to drop them; nor is the bulk import's ``deferred_indexes``
    (migration 0026, SQLite only).
    """
    name = name or ""
    return not name.startswith("search_") and name not in ("data_generations", "deferred_indexes")


def alembic_config(db: Store) -> Config:
    """An Alembic config pointing at the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", "nervecentre.store:migrations")
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return config


def upgrade(db: Store, revision: str = "head") -> None:
    """Migrate the schema to ``revision`` and (re)load the reference data."""
    config = alembic_config(db)
    from nervecentre.imports.sqlite_bulk import restore_indexes

    with db.engine.begin() as connection:
        # Indexes a stopped bulk import left unbuilt, before any migration looks for them.
        restore_indexes(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    from nervecentre.store.reference import load_reference_data

    load_reference_data(db)


def current_revision(db: Store) -> str | None:
    """The revision the database is at (None when never migrated)."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(db: Store) -> str | None:
    """The newest revision shipped with this version of nervecentre."""
    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()
