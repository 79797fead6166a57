"""Fast bulk inserts on an open transaction: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

Ids are reserved before inserting so that child rows can point at their parents without a
round trip per row: on SQLite from ``max(id)`` (safe because the import already holds the
write lock), on PostgreSQL from the table's own sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text


class Bulk:
    """Bulk writer bound to one connection inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self._next_id: dict[str, int] = {}

    def reserve_ids(self, table: str, count: int) -> list[int]:
        """``count`` fresh primary keys for ``table``."""
        if count == 0:
            return []
        if self.postgres:
            rows = self.conn.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"
                ),
                {"t": table, "n": count},
            )
            return [int(r[0]) for r in rows]
        start = self._next_id.get(table)
        if start is None:
            # Table names come from our own schema, never from input.
            top = self.conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table}").scalar()
            start = int(top or 0) + 1
        self._next_id[table] = start + count
        return list(range(start, start + count))

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert plain tuples (values in ``columns`` order)."""
        if not rows:
            return
        cols = ", ".join(columns)
        if self.postgres:
            raw: Any = self.conn.connection.dbapi_connection
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" * len(columns))
        self.conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) VALUES ({marks})", list(rows))
