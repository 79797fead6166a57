"""The hash-set API: import a list as a new version, list sets, export one back to a file."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nervecentre.errors import Conflict, InputFileError, InvalidValue, NotFound
from nervecentre.hashing.models import HashEntry, HashSet, HashSetVersion
from nervecentre.hashing.sets import store
from nervecentre.hashing.sets.csvfmt import read_csv, write_csv
from nervecentre.hashing.sets.records import HashRecord, ImportReport, Warnings
from nervecentre.hashing.sets.sniff import FORMATS, detect_format, file_sha256
from nervecentre.hashing.sets.vics import read_vics, write_vics
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database

MAX_NAME = 120


@dataclass(frozen=True, slots=True)
class HashSetInfo:
    """A hash set as listed: provenance, current version and live entry count."""

    name: str
    source: str
    classification: str
    description: str
    version: int
    entries: int
    created_at: datetime
    updated_at: datetime
    last_file: str
    issued_on: date | None

    def to_dict(self) -> dict[str, Any]:
        """Plain data, for JSON output."""
        return {
            k: (v.isoformat() if isinstance(v, date | datetime) else v)
            for k, v in ((f, getattr(self, f)) for f in self.__slots__)
        }


def _check_name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > MAX_NAME:
        raise InvalidValue(f"a hash set name needs 1 to {MAX_NAME} characters", kind="hashset")
    return clean


def _records(
    path: Path, fmt: str, report: ImportReport, warnings: Warnings, strict: bool
) -> Iterator[HashRecord]:
    reader = read_vics if fmt == "vics" else read_csv
    for record in reader(path, report, warnings):
        if strict and report.rejected:
            break
        yield record


def import_hashset(
    db: Database,
    path: str | Path,
    *,
    name: str,
    fmt: str = "auto",
    source: str | None = None,
    classification: str | None = None,
    description: str | None = None,
    issued_on: date | None = None,
    replace: bool = False,
    strict: bool = False,
) -> ImportReport:
    """Import a VICS JSON or CSV list into set ``name`` (created if new) as its next version.

    Entries already in the set (same MediaID/id, else same strongest hash) are updated, never
    duplicated; removal entries mark entries removed. With ``replace`` the file is the whole
    set, so entries it lacks are marked removed. With ``strict`` any bad entry aborts the
    import. It is one transaction: on any error the database is left unchanged.
    """
    path = Path(path)
    name = _check_name(name)
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt not in FORMATS:
        raise InvalidValue(f"unknown format {fmt!r}: use auto, vics or csv", kind="format")
    digest, size = file_sha256(path)
    described = {"source": source, "classification": classification, "description": description}
    warnings = Warnings()
    try:
        with db.session() as session:
            hashset = _next_version(session, name, described)
            report = ImportReport(name, hashset.current_version, fmt, file_sha256=digest)
            conn = session.connection()
            loaded = store.load_staging(conn, _records(path, fmt, report, warnings, strict))
            store.drop_duplicates(conn, report)
            if report.rejected and (strict or not loaded):
                what = "bad entries" if loaded else f"no valid entry among {report.entries_read:,}"
                raise InputFileError(
                    f"{path}: {what}, nothing imported; {report.rejected:,} rejected, "
                    f"first: {report.rejections[0]}"
                )
            store.merge(conn, hashset.id, hashset.current_version, report, replace=replace)
            report.warnings = warnings.lines()
            session.add(
                HashSetVersion(
                    set_id=hashset.id,
                    number=hashset.current_version,
                    format=fmt,
                    format_version=report.format_version,
                    filename=path.name[:400],
                    file_sha256=digest,
                    file_size=size,
                    issued_on=issued_on,
                    entries_read=report.entries_read,
                    added=report.added,
                    updated=report.updated,
                    unchanged=report.unchanged,
                    removed=report.removed,
                    rejected=report.rejected,
                )
            )
    except IntegrityError:
        raise Conflict(f"another import into {name!r} ran at the same time; try again") from None
    return report


def _next_version(session: Session, name: str, described: dict[str, str | None]) -> HashSet:
    """The set, created if new, with its provenance updated and its version number moved on."""
    # A row lock (PostgreSQL): imports into one set take turns, so version numbers never clash.
    hashset = session.scalar(select(HashSet).where(HashSet.name == name).with_for_update())
    if hashset is None:
        hashset = HashSet(name=name, source="", classification="", description="")
        hashset.current_version = 0
        session.add(hashset)
    for attr, value in described.items():
        if value is not None:
            setattr(hashset, attr, value.strip())
    hashset.current_version += 1
    hashset.updated_at = utcnow()
    session.flush()
    return hashset


def _info(session: Session, hashset: HashSet) -> HashSetInfo:
    last = session.scalar(
        select(HashSetVersion)
        .where(HashSetVersion.set_id == hashset.id)
        .order_by(HashSetVersion.number.desc())
        .limit(1)
    )
    live = session.scalar(
        select(func.count())
        .select_from(HashEntry)
        .where(HashEntry.set_id == hashset.id, HashEntry.removed_version.is_(None))
    )
    return HashSetInfo(
        name=hashset.name,
        source=hashset.source,
        classification=hashset.classification,
        description=hashset.description,
        version=hashset.current_version,
        entries=live or 0,
        created_at=hashset.created_at,
        updated_at=hashset.updated_at,
        last_file=last.filename if last else "",
        issued_on=last.issued_on if last else None,
    )


def list_hashsets(db: Database) -> list[HashSetInfo]:
    """Every hash set, by name."""
    with db.session() as session:
        sets = session.scalars(select(HashSet).order_by(HashSet.name)).all()
        return [_info(session, s) for s in sets]


def get_hashset(session: Session, name: str) -> HashSet:
    """The set called ``name``, or NotFound naming the sets that exist."""
    hashset = session.scalar(select(HashSet).where(HashSet.name == name))
    if hashset is None:
        names = session.scalars(select(HashSet.name).order_by(HashSet.name)).all()
        known = ", ".join(names) if names else "none yet; import one with `hashset import`"
        raise NotFound(f"no hash set named {name!r} (known: {known})")
    return hashset


def hashset_versions(db: Database, name: str) -> list[HashSetVersion]:
    """The imports of a set, oldest first."""
    with db.session() as session:
        hashset = get_hashset(session, name)
        return list(
            session.scalars(
                select(HashSetVersion)
                .where(HashSetVersion.set_id == hashset.id)
                .order_by(HashSetVersion.number)
            )
        )


def version_to_dict(version: HashSetVersion) -> dict[str, Any]:
    """One version as plain data, for JSON output."""
    data = {c.name: getattr(version, c.name) for c in HashSetVersion.__table__.columns}
    return {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in data.items()}


def export_hashset(
    db: Database,
    name: str,
    fmt: str,
    out: str | Path | IO[str] | None = None,
    *,
    include_removed: bool = False,
) -> int:
    """Write set ``name`` as 'vics' (VICS 2.0 JSON) or 'csv'; returns the entries written.

    ``out`` is a path, an open text stream, or None for standard output. Removed entries are
    left out unless ``include_removed`` (then flagged ``Deleted`` / ``removed``).
    """
    if fmt not in FORMATS:
        raise InvalidValue(f"unknown format {fmt!r}: use vics or csv", kind="format")
    with db.session() as session:
        hashset = get_hashset(session, name)
        columns = [HashEntry.__table__.c[f] for f in (*store.FIELDS, "removed_version")]
        query = select(*columns).where(HashEntry.set_id == hashset.id).order_by(HashEntry.id)
        if not include_removed:
            query = query.where(HashEntry.removed_version.is_(None))
        rows: Any = session.execute(query.execution_options(yield_per=10_000))
        with ExitStack() as stack:
            stream: IO[str]
            if isinstance(out, str | Path):
                stream = stack.enter_context(Path(out).open("w", encoding="utf-8", newline=""))
            else:
                stream = sys.stdout if out is None else out
            if fmt == "vics":
                return write_vics(rows, stream)
            return write_csv(rows, stream, removed=include_removed)
