"""The fair anchors of the import benchmark: the very rows an import wrote, written again.

The rows are read back from a database nervecentre imported into (before any clock starts)
and written into a fresh database of the same schema (every migration, index and trigger):

- ``pandas``: ``DataFrame.to_sql`` of each table (pandas alone, no validation);
- ``floor``: the database's own bulk path in one transaction: ``sqlite3`` ``executemany``
  on SQLite, ``COPY`` on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
import psycopg
from sqlalchemy import LargeBinary, MetaData, create_engine
from sqlalchemy.engine import make_url

#: The tables an import writes, parents first.
TABLES = (
    "import_batches", "cases", "persons", "identifiers", "person_aliases", "charges",
    "case_roles", "route_stops", "events", "event_participants", "identifier_uses",
    "case_links", "audit_log", "audit_targets",
)  # fmt: skip

Tables = dict[str, tuple[list[str], list[tuple[Any, ...]]]]


def read_tables(url: str) -> Tables:
    """Every row of the import's tables, as plain tuples (column names first)."""
    engine = create_engine(url)
    out: Tables = {}
    with engine.connect() as conn:
        for table in TABLES:
            result = conn.exec_driver_sql(f"SELECT * FROM {table} ORDER BY 1")
            out[table] = (list(result.keys()), [tuple(row) for row in result])
    engine.dispose()
    return out


def frames(tables: Tables) -> dict[str, pd.DataFrame]:
    """The same rows as DataFrames (nullable integers stay integers)."""
    return {
        table: pd.DataFrame.from_records(rows, columns=cols).convert_dtypes(
            infer_objects=False, convert_string=False, convert_floating=False
        )
        for table, (cols, rows) in tables.items()
    }


def db_rows(tables: Tables) -> int:
    return sum(len(rows) for _, rows in tables.values())


def timed(write: Callable[[], None]) -> float:
    start = time.perf_counter()
    write()
    return time.perf_counter() - start


def _binary(kind: Any) -> bool:
    return isinstance(kind, LargeBinary)


def pandas_to_sql(url: str, data: dict[str, pd.DataFrame]) -> float:
    """``DataFrame.to_sql`` of every table into ``url`` (append: the schema is there)."""
    engine = create_engine(url)
    schema = MetaData()
    schema.reflect(engine, only=list(data))
    # The columns' own types (pandas would send the encrypted bytes, and on PostgreSQL the
    # dates, as text); SQLite's values are read back as text already, its types bar that.
    every = engine.dialect.name == "postgresql"
    types = {
        table: {c.name: c.type for c in schema.tables[table].columns if every or _binary(c.type)}
        for table in data
    }

    def write() -> None:
        with engine.begin() as conn:
            for table, frame in data.items():
                frame.to_sql(
                    table,
                    conn,
                    index=False,
                    if_exists="append",
                    chunksize=10_000,
                    dtype=types[table],
                )

    elapsed = timed(write)
    engine.dispose()
    return elapsed


def sqlite_executemany(path: str, tables: Tables) -> float:
    """Plain ``sqlite3`` ``executemany`` of every table in one transaction, with the
    connection settings nervecentre's own connections use (WAL, synchronous NORMAL, keys)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")

    def write() -> None:
        conn.execute("BEGIN")
        for table, (cols, rows) in tables.items():
            marks = ", ".join("?" * len(cols))
            conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
        conn.execute("COMMIT")

    elapsed = timed(write)
    conn.close()
    return elapsed


def postgres_copy(url: str, tables: Tables) -> float:
    """PostgreSQL ``COPY … FROM STDIN`` of every table in one transaction (psycopg 3)."""
    sa_url = make_url(url)
    options = sa_url.query.get("options")
    conn = psycopg.connect(
        host=sa_url.host,
        port=sa_url.port,
        user=sa_url.username,
        password=sa_url.password,
        dbname=sa_url.database,
        options=options if isinstance(options, str) else None,
    )

    def write() -> None:
        with conn.transaction(), conn.cursor() as cursor:
            for table, (cols, rows) in tables.items():
                with cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)

    elapsed = timed(write)
    conn.close()
    return elapsed
