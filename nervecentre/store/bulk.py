"""Fast bulk inserts and key lookups on an open transaction (SQLite and PostgreSQL).

Inserts use ``executemany`` on SQLite and ``COPY`` on PostgreSQL. Ids are reserved before
inserting only where child rows must point at their parents without a round trip per row:
on SQLite from ``max(id)`` (safe because the import already holds the write lock), on
PostgreSQL from the table's own sequence. Rows nobody points at get their id from the
database as they are inserted, in the same order.

Lookups by a unique key send one statement per table and batch (a bound array on
PostgreSQL), so the database can answer them from the key's index.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Connection

# Stay well under SQLite's limit on bound parameters in one statement.
_SQLITE_IN = 900
# Rows per multi-row INSERT on SQLite, at most (and at most its bound-parameter limit).
_SQLITE_ROWS = 2000


class Bulk:
    """Bulk writer bound to one connection inside one transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        self._next_id: dict[str, int] = {}
        self._sequences: dict[str, str] = {}
        self._empty: dict[str, bool] = {}

    def _raw(self) -> Any:
        return self.conn.connection.dbapi_connection

    def reserve_ids(self, table: str, count: int) -> list[int]:
        """``count`` fresh primary keys for ``table``."""
        if count == 0:
            return []
        if self.postgres:
            sequence = self._sequences.get(table)
            if sequence is None:
                sequence = self.conn.exec_driver_sql(
                    "SELECT pg_get_serial_sequence(%s, 'id')", (table,)
                ).scalar_one()
                self._sequences[table] = sequence
            with self._raw().cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", (sequence, count)
                )
                return [row[0] for row in cursor.fetchall()]
        start = self._next_id.get(table)
        if start is None:
            start = self._max_id(table) + 1
        self._next_id[table] = start + count
        return list(range(start, start + count))

    def _max_id(self, table: str) -> int:
        # Table names come from our own schema, never from input.
        top = self.conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table}").scalar()
        return int(top or 0)

    def was_empty(self, table: str) -> bool:
        """Whether ``table`` held no rows when this writer first asked (before it wrote any)."""
        empty = self._empty.get(table)
        if empty is None:
            found = self.conn.exec_driver_sql(f"SELECT 1 FROM {table} LIMIT 1").first()
            empty = self._empty[table] = found is None
        return empty

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert plain tuples (values in ``columns`` order).

        Without an ``id`` column the database numbers the rows, in the order given.
        """
        if not rows:
            return
        if "id" not in columns:
            # Later reserve_ids calls must not hand out the ids the database gave these rows.
            self._next_id.pop(table, None)
        cols = ", ".join(columns)
        if self.postgres:
            raw = self._raw()
            with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Many rows per statement rather than executemany's one: SQLite's FTS5 tables, which
        # triggers may keep up to date, write their pending tokens out after every statement,
        # and that cost ten times the insert itself.
        raw = self._raw()
        one = "(" + ", ".join("?" * len(columns)) + ")"
        per = max(1, min(_SQLITE_ROWS, self._sqlite_max_vars() // len(columns)))
        head = f"INSERT INTO {table} ({cols}) VALUES "
        full = head + ", ".join([one] * per)
        for at in range(0, len(rows), per):
            part = rows[at : at + per]
            sql = full if len(part) == per else head + ", ".join([one] * len(part))
            raw.execute(sql, list(chain.from_iterable(part)))

    def _sqlite_max_vars(self) -> int:
        return int(self._raw().getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))

    def lookup(
        self, table: str, column: str, values: Iterable[str], kind: str | None = None
    ) -> dict[str, int]:
        """``{value: id}`` for the rows of ``table`` whose unique ``column`` is in ``values``
        (and, for identifiers, whose ``kind`` is ``kind``)."""
        wanted = sorted(set(values))
        found: dict[str, int] = {}
        if not wanted:
            return found
        mark = "%s" if self.postgres else "?"
        where = f"kind = {mark} AND " if kind is not None else ""
        head = (kind,) if kind is not None else ()
        sql = f"SELECT {column}, id FROM {table} WHERE {where}{column}"
        if self.postgres:
            with self._raw().cursor() as cursor:
                cursor.execute(f"{sql} = ANY(%s)", (*head, wanted))
                found.update(cursor.fetchall())
            return found
        raw = self._raw()
        for at in range(0, len(wanted), _SQLITE_IN):
            part = wanted[at : at + _SQLITE_IN]
            found.update(raw.execute(f"{sql} IN ({', '.join('?' * len(part))})", (*head, *part)))
        return found
