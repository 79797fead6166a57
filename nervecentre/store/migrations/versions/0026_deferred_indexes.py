"""deferred_indexes: secondary indexes an import into an empty registry builds at its end

Revision ID: 0026_deferred_indexes
Revises: 0025_pg_library_access
Create Date: 2026-12-08 01:00:00

SQLite only. An import into an empty registry drops the secondary (non-unique) indexes of
the tables it writes and builds them again once its rows are in, in one sort each, instead
of updating them row by row (:mod:`nervecentre.imports.sqlite_bulk`). Their definitions
wait here meanwhile, dropped and recorded in one transaction, so that an import killed
before its end leaves them to the next import (or ``upgrade``) to build.
"""

from alembic import op

revision = "0026_deferred_indexes"
down_revision = "0025_pg_library_access"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TABLE IF NOT EXISTS deferred_indexes "
            "(name TEXT PRIMARY KEY, tbl TEXT NOT NULL, sql TEXT NOT NULL) WITHOUT ROWID"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        bind = op.get_bind()
        for (sql,) in bind.exec_driver_sql("SELECT sql FROM deferred_indexes").fetchall():
            bind.exec_driver_sql(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
        op.execute("DROP TABLE deferred_indexes")
