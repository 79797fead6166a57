"""Writing an import into the database: staging table, in-file duplicates, then one merge.

Entries are bulk-loaded into a temporary staging table (COPY on PostgreSQL, executemany on
SQLite), then merged into ``hash_entries`` with a handful of set-based statements. Memory
stays flat however big the list, and the whole import is one transaction: a failure at any
point leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    exists,
    false,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)

from nervecentre.errors import StorageError
from nervecentre.hashing.models import HashEntry
from nervecentre.hashing.sets.records import MAX_SHOWN, HashRecord, ImportReport, Rejection

BATCH = 10_000
_staging_metadata = MetaData()
staging = Table(
    "hash_import_staging",
    _staging_metadata,
    Column("seq", Integer, nullable=False),
    Column("key", String(80), nullable=False),
    Column("external_id", String(64)),
    Column("category", Integer),
    Column("md5", String(32)),
    Column("sha1", String(40)),
    Column("sha256", String(64)),
    Column("pdq", String(64)),
    Column("photodna", Text),
    Column("precategorized", Boolean),
    Column("description", Text),
    Column("extra", Text),
    Column("removed", Boolean, nullable=False),
    prefixes=["TEMPORARY"],
)
# Fields a re-import may change; a field absent from the new file keeps its stored value.
FIELDS = (
    "external_id",
    "category",
    "md5",
    "sha1",
    "sha256",
    "pdq",
    "photodna",
    "precategorized",
    "description",
    "extra",
)
entries = cast(Table, HashEntry.__table__)


def _batches(records: Iterable[HashRecord]) -> Iterator[list[tuple[Any, ...]]]:
    rows = (r.row() for r in records)
    while batch := list(islice(rows, BATCH)):
        yield batch


def load_staging(conn: Connection, records: Iterable[HashRecord]) -> int:
    """Create the staging table and bulk-load the records; returns how many were loaded."""
    conn.exec_driver_sql("DROP TABLE IF EXISTS hash_import_staging")
    staging.create(conn)
    raw: Any = conn.connection.dbapi_connection
    names = ", ".join(c.name for c in staging.columns)
    loaded = 0
    cursor = raw.cursor()
    driver_error: type[Exception] = conn.dialect.loaded_dbapi.Error
    try:
        if conn.dialect.name == "postgresql":
            with cursor.copy(f"COPY hash_import_staging ({names}) FROM STDIN") as copy:
                for batch in _batches(records):
                    for row in batch:
                        copy.write_row(row)
                    loaded += len(batch)
        else:
            marks = ", ".join("?" for _ in staging.columns)
            sql = f"INSERT INTO hash_import_staging ({names}) VALUES ({marks})"
            for batch in _batches(records):
                cursor.executemany(sql, batch)
                loaded += len(batch)
    except driver_error as exc:  # the raw cursor bypasses SQLAlchemy's error wrapping
        raise StorageError(f"database error while loading entries: {exc}") from exc
    finally:
        cursor.close()
    conn.exec_driver_sql("CREATE INDEX ix_hash_import_staging_key ON hash_import_staging (key)")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE hash_import_staging")
    return loaded


def drop_duplicates(conn: Connection, report: ImportReport) -> None:
    """Keep the first of entries sharing an identity in the file; report the others."""
    s = staging
    counts = (
        select(s.c.key, func.min(s.c.seq).label("first"), func.count().label("n"))
        .group_by(s.c.key)
        .having(func.count() > 1)
        .subquery()
    )
    extra = conn.execute(select(func.coalesce(func.sum(counts.c.n - 1), 0))).scalar_one()
    if not extra:
        return
    shown = conn.execute(
        select(s.c.seq, counts.c.first, s.c.key)
        .join(counts, counts.c.key == s.c.key)
        .where(s.c.seq > counts.c.first)
        .order_by(s.c.seq)
        .limit(MAX_SHOWN)
    ).all()
    found = [Rejection(seq, f"duplicate of entry {first} ({key})") for seq, first, key in shown]
    report.rejections = sorted([*report.rejections, *found], key=lambda r: r.position)[:MAX_SHOWN]
    report.rejected += int(extra)
    older = s.alias("older")
    conn.execute(
        s.delete().where(exists().where(and_(older.c.key == s.c.key, older.c.seq < s.c.seq)))
    )


def _update_existing(conn: Connection, same: Any, version: int, report: ImportReport) -> None:
    e, s = entries, staging
    report.removed = conn.execute(
        update(e)
        .where(same, s.c.removed == true(), e.c.removed_version.is_(None))
        .values(removed_version=version, seen_version=version)
    ).rowcount
    changed = or_(
        e.c.removed_version.is_not(None),
        *(e.c[f].is_distinct_from(func.coalesce(s.c[f], e.c[f])) for f in FIELDS),
    )
    values: dict[str, Any] = {f: func.coalesce(s.c[f], e.c[f]) for f in FIELDS}
    report.updated = conn.execute(
        update(e)
        .where(same, s.c.removed == false(), changed)
        .values(**values, seen_version=version, removed_version=None)
    ).rowcount
    # Unchanged entries only get their "last seen" bumped: far cheaper than a full update.
    report.unchanged = conn.execute(
        update(e)
        .where(same, s.c.removed == false(), e.c.seen_version < version)
        .values(seen_version=version)
    ).rowcount


def merge(
    conn: Connection, set_id: int, version: int, report: ImportReport, *, replace: bool
) -> None:
    """Apply the staged entries to the set as version ``version``, counting what changed."""
    e, s = entries, staging
    same = and_(e.c.set_id == set_id, e.c.key == s.c.key)
    removals = conn.execute(select(func.count()).where(s.c.removed == true())).scalar_one()
    populated = conn.execute(select(e.c.id).where(e.c.set_id == set_id).limit(1)).first()
    if populated is not None:
        _update_existing(conn, same, version, report)
    report.removals_unknown = int(removals) - report.removed

    new = select(
        literal(set_id),
        s.c.key,
        *(s.c[f] for f in FIELDS),
        literal(version),
        literal(version),
    ).where(s.c.removed == false(), ~exists().where(same))
    columns = ["set_id", "key", *FIELDS, "added_version", "seen_version"]
    statement = insert(e).from_select(columns, new)
    report.added = conn.execute(statement, execution_options={"preserve_rowcount": True}).rowcount
    if replace:
        report.removed += conn.execute(
            update(e)
            .where(
                e.c.set_id == set_id,
                e.c.removed_version.is_(None),
                e.c.seen_version < version,
            )
            .values(removed_version=version)
        ).rowcount
    report.entries_now = conn.execute(
        select(func.count())
        .select_from(e)
        .where(e.c.set_id == set_id, e.c.removed_version.is_(None))
    ).scalar_one()
    staging.drop(conn)
