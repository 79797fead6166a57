"""Reading the audit log under need-to-know: the one query behind the API, the audit page,
its CSV export and ``nervecentre audit tail``.

An entry is shown to a user only when they may see every case it concerns (its
``audit_targets``, through :func:`~nervecentre.security.access.visible_cases_filter`); an
entry that concerns no case (a search, a sign-in, a user change, an export) only to the
user who made it. Holders of ``audit.view_all`` (auditors, admins) and the command-line
operator, who holds the database anyway, see every entry. Values are masked as the person
pages mask them: a protected person's name, address, contact, aliases, birth date and
identifiers never show, whoever reads, because the log must not become a way around the
reasoned, audited reveal.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case
from nervecentre.cases.people import Person
from nervecentre.errors import InvalidValue
from nervecentre.exports.safety import neutralise
from nervecentre.security import audit
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.models import AuditEntry, AuditTarget, User
from nervecentre.security.roles import can, require
from nervecentre.store.db import Database

#: What a protected person's masked values read as.
MASK = "(protected)"
# The fields the person page hides for a protected person (the name shows as their code).
_MASKED = frozenset({"name", "address", "contact", "aliases", "date_of_birth", "identifiers"})
_LONGEST = {"actor": 120, "action": 40, "target_type": 40, "target_id": 120, "text": 200}
# Rows read per statement by the CSV export.
_EXPORT_BATCH = 1000

#: A user reading the log, or the command-line operator (a name such as ``cli:ana``).
Reader = User | str


@dataclass(frozen=True)
class AuditFilter:
    """What to look for: exact actor, action and target; dates (UTC, inclusive); text
    anywhere in the actor, action, target or detail (as the reader may see it)."""

    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    since: date | None = None
    until: date | None = None
    text: str = ""

    @classmethod
    def parse(cls, **raw: str | None) -> AuditFilter:
        """Filters from form or query strings; InvalidValue naming the field that is wrong."""
        values: dict[str, Any] = {}
        for name, longest in _LONGEST.items():
            value = (raw.get(name) or "").strip()
            if "\x00" in value or len(value) > longest:
                raise InvalidValue(
                    f"{name.replace('_', ' ')}: at most {longest} characters, no NUL",
                    kind=name,
                )
            values[name] = value
        if values["action"] and values["action"] not in audit.ACTIONS:
            raise InvalidValue(f"no audit action {values['action']!r}", kind="action")
        for name in ("since", "until"):
            text = (raw.get(name) or "").strip()
            try:
                values[name] = date.fromisoformat(text) if text else None
            except ValueError:
                raise InvalidValue(f"{name}: a date is written YYYY-MM-DD", kind=name) from None
        found = cls(**values)
        if found.since and found.until and found.until < found.since:
            raise InvalidValue("until: the period ends before it begins", kind="until")
        return found

    def as_params(self) -> dict[str, str]:
        """The filters given, as strings (for links, and for the audit entry of the read)."""
        return {k: str(v) for k, v in asdict(self).items() if v}


@dataclass(frozen=True)
class LogEntry:
    """An audit entry as its reader may see it (masked)."""

    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    ip: str | None
    hash: str
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def detail_text(self) -> str:
        """The detail as compact JSON ('' when empty)."""
        return audit.canonical_json(self.detail) if self.detail else ""


def entries_filter(reader: Reader) -> ColumnElement[bool]:
    """A WHERE clause on :class:`AuditEntry` keeping the entries ``reader`` may read."""
    if isinstance(reader, str) or can(reader, "audit.view_all"):
        return true()
    if not can(reader, "audit.view"):
        return false()
    visible = select(Case.id).where(visible_cases_filter(reader))
    targeted = exists().where(AuditTarget.entry_id == AuditEntry.id)
    hidden = exists().where(
        AuditTarget.entry_id == AuditEntry.id, AuditTarget.case_id.not_in(visible)
    )
    return or_(and_(targeted, ~hidden), and_(~targeted, AuditEntry.actor == reader.username))


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _query(
    reader: Reader, filters: AuditFilter, before_id: int | None, limit: int
) -> Select[AuditEntry]:
    query = select(AuditEntry).where(entries_filter(reader))
    for name in ("actor", "action", "target_type", "target_id"):
        if value := getattr(filters, name):
            query = query.where(getattr(AuditEntry, name) == value)
    if filters.since:
        query = query.where(AuditEntry.at >= datetime.combine(filters.since, time()))
    if filters.until:
        query = query.where(AuditEntry.at < datetime.combine(filters.until, time()) + timedelta(1))
    if filters.text:
        # A first cut in SQL; what counts is the masked text (see _matches).
        pattern = _like(filters.text)
        query = query.where(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (AuditEntry.detail, AuditEntry.actor, AuditEntry.target_id)
                ),
                AuditEntry.action.ilike(pattern, escape="\\"),
            )
        )
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return query.order_by(AuditEntry.id.desc()).limit(limit)


def _masked(detail: Mapping[str, Any]) -> dict[str, Any]:
    def hide(values: Mapping[str, Any]) -> dict[str, Any]:
        return {
            k: MASK if k in _MASKED and v not in (None, "", []) else v for k, v in values.items()
        }

    shown = hide(detail)
    for key in ("before", "after"):
        if isinstance(shown.get(key), dict):
            shown[key] = hide(shown[key])
    return shown


def _shown(session: Session, entries: list[AuditEntry]) -> list[LogEntry]:
    people = {
        int(e.target_id) for e in entries if e.target_type == "person" and e.target_id.isdigit()
    }
    protected = (
        set(session.scalars(select(Person.id).where(Person.id.in_(people), Person.protected)))
        if people
        else set()
    )
    shown = []
    for e in entries:
        try:
            detail = json.loads(e.detail or "{}")
        except ValueError:
            detail = {"unreadable": e.detail}
        if not isinstance(detail, dict):
            detail = {"value": detail}
        if e.target_type == "person" and e.target_id.isdigit() and int(e.target_id) in protected:
            detail = _masked(detail)
        shown.append(
            LogEntry(
                e.id, e.at, e.actor, e.action, e.target_type, e.target_id, e.ip, e.hash, detail
            )
        )
    return shown


def _matches(entry: LogEntry, text: str) -> bool:
    folded = text.casefold()
    haystack = (entry.actor, entry.action, entry.target_id, entry.detail_text)
    return any(folded in value.casefold() for value in haystack)


def _page(
    session: Session, reader: Reader, filters: AuditFilter, before_id: int | None, limit: int
) -> tuple[list[LogEntry], bool]:
    """Up to ``limit`` entries, and whether there may be more beyond them."""
    found: list[LogEntry] = []
    cursor = before_id
    while True:
        batch = list(session.scalars(_query(reader, filters, cursor, limit)))
        for entry in _shown(session, batch):
            if not filters.text or _matches(entry, filters.text):
                found.append(entry)
                if len(found) == limit:
                    return found, True
        if len(batch) < limit:
            return found, False
        cursor = batch[-1].id


def read_log(
    db: Database,
    reader: Reader,
    filters: AuditFilter | None = None,
    *,
    before_id: int | None = None,
    limit: int = 100,
    ip: str | None = None,
) -> list[LogEntry]:
    """The entries ``reader`` may read that match ``filters``, newest first (page on with
    ``before_id``: the id of the last entry shown). Needs ``audit.view``; the read is
    itself audited (``audit.view``, with the filters)."""
    if not isinstance(reader, str):
        require(reader, "audit.view")
    filters = filters or AuditFilter()
    with db.session() as session:
        entries, _more = _page(session, reader, filters, before_id, limit)
    audit.record(db, reader, "audit.view", "audit", None, filters.as_params(), ip=ip)
    return entries


CSV_COLUMNS = ("id", "at_utc", "actor", "action", "target_type", "target_id", "detail", "ip")


def export_csv(
    db: Database, reader: Reader, filters: AuditFilter | None = None, *, ip: str | None = None
) -> Iterator[str]:
    """Every entry ``reader`` may read that matches ``filters``, newest first, as CSV text
    (a header, then chunks of rows), with formula-like cells made inert. Audited before the
    first row (``audit.view``, ``format: csv``)."""
    if not isinstance(reader, str):
        require(reader, "audit.view")
    filters = filters or AuditFilter()
    detail = {**filters.as_params(), "format": "csv"}
    audit.record(db, reader, "audit.view", "audit", None, detail, ip=ip)
    return _csv_rows(db, reader, filters)


def _csv_rows(db: Database, reader: Reader, filters: AuditFilter) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    cursor: int | None = None
    more = True
    while more:
        with db.session() as session:
            entries, more = _page(session, reader, filters, cursor, _EXPORT_BATCH)
        for e in entries:
            cells = (e.id, f"{e.at:%Y-%m-%dT%H:%M:%S.%f}", e.actor, e.action, e.target_type,
                     e.target_id, e.detail_text, e.ip or "")  # fmt: skip
            writer.writerow([neutralise(cell) for cell in cells])
        if entries:
            cursor = entries[-1].id
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
