"""The append-only, hash-chained audit log: record who did what, and verify nothing changed.

Each entry's ``hash`` is SHA-256 over a canonical serialisation of its fields and the previous
entry's hash (the first entry chains from :data:`GENESIS`). Changing, deleting or reordering
any entry breaks the chain from that entry on, and :func:`verify` names every bad one.

Each entry is tied to the cases it concerns (``audit_targets``), so that reading the log
follows need-to-know (:mod:`nervecentre.security.audit_view`).
"""

from __future__ import annotations

import dataclasses
import threading
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Connection, Engine, Integer, Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from nervecentre.cases.people import CaseRole
from nervecentre.errors import InvalidValue, StorageError
from nervecentre.security.audit_chain import GENESIS as GENESIS
from nervecentre.security.audit_chain import canonical_json as canonical_json
from nervecentre.security.audit_chain import diff as diff
from nervecentre.security.audit_chain import entry_hash as entry_hash
from nervecentre.security.models import AuditEntry, AuditHead, AuditTarget
from nervecentre.security.roles import Principal
from nervecentre.store.base import utcnow
from nervecentre.store.db import SQLITE_BUSY_TIMEOUT_MS, Database

# Known actions; an unknown one is refused so a typo cannot hide entries from searches.
ACTIONS = frozenset(
    {
        "auth.login.success", "auth.login.failure", "auth.logout", "auth.throttle.clear",
        "case.view", "case.create", "case.update", "case.restrict", "case.unrestrict",
        "case.link", "person.view", "person.create", "person.update", "victim.reveal",
        "search", "export", "import.run", "match.run", "hashset.update",
        "access.grant", "access.revoke",
        "user.create", "user.update", "user.disable", "user.enable",
        "token.create", "token.revoke", "key.rotate",
        "audit.view", "audit.checkpoint", "audit.skip",
        "resolve.run", "resolve.decide", "resolve.undo",
        "crawl.run", "crawl.match", "crawl.networks", "crawl.recheck", "crawl.removed",
        "crawl.notice", "crawl.notice_sent", "crawl.schedule", "crawl.report",
        "report.generate", "report.drilldown",
        "library.add", "library.search", "library.view", "library.link", "library.unlink",
        "library.restrict", "library.open",
        "scam.import", "scam.view", "scam.export",
        "graph.view", "chart.save", "chart.open",
    }
)  # fmt: skip
# Written by the chain itself, never through record().
_CHAIN_ACTIONS = frozenset({"audit.skip"})

Actor = str | Principal


def actor_name(actor: Actor) -> str:
    """The name an actor is logged under: a username, or a system actor such as 'cli:ana'."""
    return actor if isinstance(actor, str) else actor.username


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


# Keys of a detail that name cases the entry concerns (migration 0012 back-fills the same).
DETAIL_CASE_KEYS = ("case_id", "other_case_id", "cases")
_LARGEST_ID = 2**31 - 1


def _case_ids(values: Iterable[object]) -> set[int]:
    return {
        v for v in values if isinstance(v, int) and not isinstance(v, bool) and 0 < v <= _LARGEST_ID
    }


def _detail_cases(detail: Mapping[str, Any]) -> set[int]:
    found: list[object] = []
    for key in DETAIL_CASE_KEYS:
        value = detail.get(key)
        found.extend(value if isinstance(value, list | tuple) else [value])
    return _case_ids(found)


def _numeric_id(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


@dataclasses.dataclass(frozen=True, slots=True)
class _Pending:
    """An entry before the chain gives it an id, a predecessor and (at the latest) a time."""

    actor: str
    action: str
    target_type: str
    target_id: str
    detail: str
    ip: str | None
    at: datetime
    cases: frozenset[int] = frozenset()  # cases it concerns, besides a person's (below)
    person: int | None = None  # a person it concerns: their cases are targets too


_HEAD = cast(Table, AuditHead.__table__)
_LOG = cast(Table, AuditEntry.__table__)
_OLD_LAST = _HEAD.c.last_id - bindparam("n", type_=Integer)
# Built once: every request that reads a case or searches appends an entry. Besides the
# ids it claims, it returns the time of the entry before them (times never go backwards)
# and the lowest id already taken among them: a row someone put beyond the head.
_CLAIM = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_id=_HEAD.c.last_id + bindparam("n", type_=Integer))
    .returning(
        _HEAD.c.last_id,
        _HEAD.c.last_hash,
        select(_LOG.c.at).where(_LOG.c.id == _OLD_LAST).scalar_subquery(),
        select(func.min(_LOG.c.id)).where(_LOG.c.id > _OLD_LAST).scalar_subquery(),
    )
)
# PostgreSQL: the same two, read again once the claim holds the lock (see _claim).
_LAST = bindparam("last", type_=Integer)
_BEFORE_CLAIMED = select(
    select(_LOG.c.at).where(_LOG.c.id == _LAST).scalar_subquery(),
    select(func.min(_LOG.c.id)).where(_LOG.c.id > _LAST).scalar_subquery(),
)
_INSERT = insert(_LOG)
_INSERT_TARGETS = insert(cast(Table, AuditTarget.__table__))
_ADVANCE = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(
        last_id=bindparam("new_last"),
        last_hash=bindparam("new_hash"),
        updated_at=bindparam("new_at"),
    )
)
_FIELDS = ("actor", "action", "target_type", "target_id", "detail", "ip")
# At most this many entries go into one transaction of the group commit.
_BATCH_MAX = 500
# SQLite: how long a group waits for another process's write lock, and how often it looks.
_LOCKED_FOR_S = SQLITE_BUSY_TIMEOUT_MS / 1000
_RETRY_S = 0.0003


def _claim(conn: Connection, n: int) -> tuple[int, str, datetime | None, int | None]:
    """Take the chain lock and the next ``n`` ids: the first, the hash and time before it,
    and the lowest of them already taken (None, unless a row was put beyond the head).

    On PostgreSQL the head row's UPDATE row-locks it until commit (as SELECT … FOR UPDATE
    would); on SQLite it takes the database write lock. Either way no two appends share a
    predecessor. An UPDATE that waited for another append's lock returns the head as that
    append committed it, but its subqueries still read the log as it was before the wait
    (without the entry before ours): on PostgreSQL they are read again, in a statement of
    their own, once the lock is held.
    """
    claimed = conn.execute(_CLAIM, {"n": n}).first()
    if claimed is None:
        # No head row (emptied by a PostgreSQL TRUNCATE): rebuild it from the newest entry.
        # ON CONFLICT: two first appends may race here; the loser waits, then claims as usual.
        last = conn.execute(
            select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
        ).first()
        last_id, last_hash = (int(last[0]), str(last[1])) if last else (0, GENESIS)
        dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(
            dialect_insert(AuditHead)
            .values(
                id=1,
                last_id=last_id,
                last_hash=last_hash,
                updated_at=utcnow(),
                ordered_from=last_id + 1,
            )
            .on_conflict_do_nothing(index_elements=["id"])
        )
        claimed = conn.execute(_CLAIM, {"n": n}).one()
    last_id, last_hash, prev_at, taken = claimed
    first = int(last_id) - n + 1
    if conn.dialect.name == "postgresql":
        prev_at, taken = conn.execute(_BEFORE_CLAIMED, {"last": first - 1}).one()
    return first, str(last_hash), prev_at, None if taken is None else int(taken)


def _first_free(conn: Connection, start: int) -> int:
    """The lowest id from ``start`` on that no row holds."""
    while True:
        taken = conn.scalars(
            select(AuditEntry.id).where(AuditEntry.id >= start).order_by(AuditEntry.id).limit(500)
        ).all()
        for offset, entry_id in enumerate(taken):
            if entry_id != start + offset:
                return start + offset
        if len(taken) < 500:
            return start + len(taken)
        start += len(taken)


def _skip(start: int, end: int, head: int) -> _Pending:
    detail = {"from": start, "to": end, "head": head}
    return _Pending(
        "nervecentre", "audit.skip", "audit", "", canonical_json(detail), None, utcnow()
    )


def _targets(conn: Connection, rows: list[tuple[int, _Pending]]) -> list[dict[str, int]]:
    persons = {p.person for _, p in rows if p.person is not None}
    cases_of: dict[int, set[int]] = {}
    if persons:
        query = select(CaseRole.person_id, CaseRole.case_id).where(
            CaseRole.person_id.in_(sorted(persons))
        )
        for person_id, case_id in conn.execute(query):
            cases_of.setdefault(int(person_id), set()).add(int(case_id))
    found: list[dict[str, int]] = []
    for entry_id, pending in rows:
        cases = set(pending.cases)
        if pending.person is not None:
            cases |= cases_of.get(pending.person, set())
        found.extend({"entry_id": entry_id, "case_id": c} for c in sorted(cases))
    return found


def _append(session: Session, entries: list[_Pending]) -> list[AuditEntry]:
    """Chain and insert entries, in order, in the session's transaction.

    A row someone inserted beyond the chain head (outside nervecentre) would make every
    append fail on its id; instead the chain steps over it with an ``audit.skip`` entry
    naming the ids it stepped over, which :func:`verify` reports as written outside.
    """
    # Core statements on the session's connection: the chain lock is held from the claim to
    # the commit, and every other append waits for it. The caller's changes go first.
    session.flush()
    conn = session.connection()
    first, prev_hash, prev_at, taken = _claim(conn, len(entries))
    placed: list[tuple[int, _Pending]] = []
    skips: set[int] = set()
    next_id, queue = first, iter(entries)
    pending = next(queue, None)
    while pending is not None:
        if taken is not None and next_id >= taken:
            free = _first_free(conn, next_id)
            placed.append((free, _skip(next_id, free - 1, first - 1)))
            skips.add(free)
            next_id = free + 1
            taken = conn.scalar(select(func.min(AuditEntry.id)).where(AuditEntry.id >= next_id))
            continue
        placed.append((next_id, pending))
        next_id, pending = next_id + 1, next(queue, None)
    rows: list[dict[str, Any]] = []
    for entry_id, pending in placed:
        at = pending.at if prev_at is None or pending.at >= prev_at else prev_at
        fields: dict[str, Any] = {"id": entry_id, "at": at, "prev_hash": prev_hash}
        fields.update((name, getattr(pending, name)) for name in _FIELDS)
        fields["hash"] = prev_hash = entry_hash(**fields)
        rows.append(fields)
        prev_at = at
    conn.execute(_INSERT, rows)
    targets = _targets(conn, placed)
    if targets:
        conn.execute(_INSERT_TARGETS, targets)
    conn.execute(_ADVANCE, {"new_last": next_id - 1, "new_hash": prev_hash, "new_at": utcnow()})
    return [AuditEntry(**row) for row in rows if row["id"] not in skips]


def _commit_group(db: Database, entries: list[_Pending]) -> list[AuditEntry]:
    """Append and commit; on SQLite, retry at once (not after SQLite's 1-100 ms sleeps)
    while another process holds the write lock, for up to its busy timeout (30 s)."""
    if db.dialect != "sqlite":
        with db.session() as session:
            return _append(session, entries)
    deadline = time.monotonic() + _LOCKED_FOR_S
    while True:
        try:
            with db.engine.connect() as conn:
                # Straight on the driver's connection: no transaction of SQLAlchemy's begins,
                # and the session below begins (and commits) its own.
                raw = conn.connection.driver_connection
                assert raw is not None
                raw.execute("PRAGMA busy_timeout = 0")
                try:
                    with Session(bind=conn) as session, session.begin():
                        return _append(session, entries)
                finally:
                    raw.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        except OperationalError as exc:
            if "locked" not in str(exc.orig) or time.monotonic() > deadline:
                raise StorageError(f"database error: {exc.orig}") from exc
            time.sleep(_RETRY_S)


@dataclasses.dataclass(eq=False)
class _Waiting:
    """One entry waiting for its group's commit."""

    pending: _Pending
    woken: threading.Event = dataclasses.field(default_factory=threading.Event)
    entry: AuditEntry | None = None
    error: BaseException | None = None


class _GroupCommit:
    """Appends of one database from every thread of this process, committed in groups.

    Each append is a write to one chain, so appends take turns; on SQLite a writer that
    finds the lock taken sleeps (1, 2, 5, 10 ms …) before it tries again, and under load
    those sleeps are most of a request's wait. So one caller at a time writes: it commits
    every entry waiting at that moment in one transaction, then wakes their callers and
    hands the turn to the first entry that arrived meanwhile. Every caller returns only
    once its own entry is committed (or raises the error that stopped its group).
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._writing = False
        self.groups = 0  # transactions written, for tests

    def append(self, db: Database, pending: _Pending) -> AuditEntry:
        me = _Waiting(pending)
        with self._mutex:
            self._waiting.append(me)
            writer, self._writing = not self._writing, True
        if not writer:
            me.woken.wait()
        if me.entry is None and me.error is None:  # my turn (first, or handed to me)
            self._write_group(db)
        if me.error is not None:
            raise me.error
        assert me.entry is not None
        return me.entry

    def _write_group(self, db: Database) -> None:
        with self._mutex:
            group, self._waiting = self._waiting[:_BATCH_MAX], self._waiting[_BATCH_MAX:]
        try:
            entries = _commit_group(db, [w.pending for w in group])
            for waiting, entry in zip(group, entries, strict=True):
                waiting.entry = entry
            self.groups += 1
        except BaseException as exc:
            for waiting in group:
                waiting.error = exc
        with self._mutex:
            if self._waiting:
                self._waiting[0].woken.set()  # its turn: it writes the next group
            else:
                self._writing = False
        for waiting in group:
            waiting.woken.set()


_GROUPS: weakref.WeakKeyDictionary[Engine, _GroupCommit] = weakref.WeakKeyDictionary()
_GROUPS_MUTEX = threading.Lock()


def _group_commit(db: Database) -> _GroupCommit:
    with _GROUPS_MUTEX:
        found = _GROUPS.get(db.engine)
        if found is None:
            found = _GROUPS[db.engine] = _GroupCommit()
        return found


def _pending(
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str | int | None,
    detail: Mapping[str, Any] | None,
    ip: str | None,
    at: datetime | None,
    cases: Iterable[int],
) -> _Pending:
    if action not in ACTIONS or action in _CHAIN_ACTIONS:
        raise InvalidValue(f"unknown audit action {action!r}", kind="audit_action", value=action)
    values = dict(detail or {})
    kind, ident = target_type, "" if target_id is None else str(target_id)[:120]
    number = _numeric_id(ident)
    concerned = _detail_cases(values) | _case_ids(cases)
    if kind == "case" and number is not None:
        concerned.add(number)
    return _Pending(
        actor_name(actor)[:120],
        action,
        kind,
        ident,
        canonical_json(values),
        ip,
        _naive_utc(at or utcnow()),
        frozenset(concerned),
        number if kind == "person" else None,
    )


def record(
    target: Database | Session,
    actor: Actor,
    action: str,
    target_type: str = "",
    target_id: str | int | None = None,
    detail: Mapping[str, Any] | None = None,
    *,
    ip: str | None = None,
    at: datetime | None = None,
    cases: Iterable[int] = (),
) -> AuditEntry:
    """Append one entry. Given a Session, it commits (or rolls back) with the caller's change;
    given a Database, it is committed (with the other threads' entries of that moment)
    before this returns.

    The entry concerns (and is shown only to those who may see) the case it targets, the
    cases of the person it targets, the cases its detail names (``case_id``,
    ``other_case_id``, ``cases``) and ``cases``. Its time never precedes the entry before
    it. Record late in a transaction: on PostgreSQL the chain lock is held until commit.
    """
    pending = _pending(actor, action, target_type, target_id, detail, ip, at, cases)
    if isinstance(target, Session):
        return _append(target, [pending])[0]
    return _group_commit(target).append(target, pending)


def record_many(
    session: Session,
    actor: Actor,
    entries: Sequence[tuple[str, str, str | int | None, Mapping[str, Any] | None]],
) -> list[AuditEntry]:
    """:func:`record` for several entries (action, target type, target id, detail) at once,
    in order, in the session's transaction: one claim of the chain for all of them."""
    pending = [_pending(actor, *entry, None, None, ()) for entry in entries]
    return _append(session, pending) if pending else []


def find(
    db: Database,
    *,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | int | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Entries matching every filter given, newest first (page with ``before_id``).

    Unfiltered by need-to-know: for trusted code and tests. What users read goes through
    :func:`nervecentre.security.audit_view.read_log`.
    """
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if target_type is not None:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEntry.target_id == str(target_id))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    with db.session() as session:
        return list(session.scalars(query))


def tail(db: Database, n: int = 20) -> list[AuditEntry]:
    """The newest ``n`` entries, oldest first (unfiltered, as :func:`find`)."""
    return find(db, limit=n)[::-1]
