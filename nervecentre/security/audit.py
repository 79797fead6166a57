"""The append-only, hash-chained audit log: record who did what, and verify nothing changed.

Each entry's ``hash`` is SHA-256 over a canonical serialisation of its fields and the previous
entry's hash (the first entry chains from :data:`GENESIS`). Changing, deleting or reordering
any entry breaks the chain from that entry on, and :func:`verify` names the first bad one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
import time
import weakref
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import Any, cast

from sqlalchemy import Engine, Integer, Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from nervecentre.errors import InvalidValue, StorageError
from nervecentre.security.models import AuditCheckpoint, AuditEntry, AuditHead
from nervecentre.security.roles import Principal, require
from nervecentre.store.base import utcnow
from nervecentre.store.db import SQLITE_BUSY_TIMEOUT_MS, Database

GENESIS = "0" * 64
HASH_VERSION = 1
_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"

# Known actions; an unknown one is refused so a typo cannot hide entries from searches.
ACTIONS = frozenset(
    {
        "auth.login.success", "auth.login.failure", "auth.logout", "auth.throttle.clear",
        "case.view", "case.create", "case.update", "case.restrict", "case.unrestrict",
        "case.link", "person.view", "person.create", "person.update", "victim.reveal",
        "search", "export", "import.run", "match.run", "hashset.update",
        "crawl.run", "crawl.match",
        "access.grant", "access.revoke",
        "user.create", "user.update", "user.disable", "user.enable",
        "token.create", "token.revoke", "key.rotate",
        "audit.view", "audit.checkpoint",
    }
)  # fmt: skip

Actor = str | Principal


def actor_name(actor: Actor) -> str:
    """The name an actor is logged under: a username, or a system actor such as 'cli:ana'."""
    return actor if isinstance(actor, str) else actor.username


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal | PurePath):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} cannot go into an audit entry")


def canonical_json(value: Any) -> str:
    """Sorted-keys, compact JSON: the one serialisation the chain hashes."""
    try:
        return json.dumps(
            value,
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            default=_json_default,
        )
    except (TypeError, ValueError) as exc:
        raise InvalidValue(f"audit detail is not JSON-serialisable: {exc}") from None


def entry_hash(
    *,
    id: int,
    at: datetime,
    actor: str,
    action: str,
    target_type: str,
    target_id: str,
    detail: str,
    ip: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 of one entry's fields and its predecessor's hash, as hex."""
    payload = {
        "v": HASH_VERSION,
        "id": id,
        "at": at.strftime(_AT_FORMAT),
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "detail": detail,
        "ip": ip,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The ``{"before": …, "after": …}`` detail of a change, with only the fields that changed."""
    keys = [k for k in {**before, **after} if before.get(k) != after.get(k)]
    return {
        "before": {k: before.get(k) for k in keys},
        "after": {k: after.get(k) for k in keys},
    }


def _naive_utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


_HEAD = cast(Table, AuditHead.__table__)
# Built once: every request that reads a case or searches appends an entry.
_CLAIM = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_id=_HEAD.c.last_id + bindparam("n", type_=Integer))
    .returning(_HEAD.c.last_id, _HEAD.c.last_hash)
)
_INSERT = insert(cast(Table, AuditEntry.__table__))
_ADVANCE = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_hash=bindparam("new_hash"), updated_at=bindparam("new_at"))
)
# What an entry is made of before the chain gives it an id and a predecessor.
_ARGS = ("actor", "action", "target_type", "target_id", "detail", "ip", "at")
# At most this many entries go into one transaction of the group commit.
_BATCH_MAX = 500
# SQLite: how long a group waits for another process's write lock, and how often it looks.
_LOCKED_FOR_S = SQLITE_BUSY_TIMEOUT_MS / 1000
_RETRY_S = 0.0003


def _claim(session: Session, n: int) -> tuple[int, str]:
    """Take the chain lock and the next ``n`` ids (the first is returned, with the hash
    before it): the head row's UPDATE serialises every append.

    On PostgreSQL the UPDATE row-locks the head until commit (as SELECT … FOR UPDATE would);
    on SQLite it takes the database write lock. Either way no two appends share a predecessor.
    """
    claimed = session.execute(_CLAIM, {"n": n}).first()
    if claimed is None:
        # No head row (emptied by a PostgreSQL TRUNCATE): rebuild it from the newest entry.
        # ON CONFLICT: two first appends may race here; the loser waits, then claims as usual.
        last = session.execute(
            select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
        ).first()
        last_id, last_hash = (int(last[0]), str(last[1])) if last else (0, GENESIS)
        dialect_insert = (
            pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )
        session.execute(
            dialect_insert(AuditHead)
            .values(id=1, last_id=last_id, last_hash=last_hash, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["id"])
        )
        claimed = session.execute(_CLAIM, {"n": n}).one()
    return int(claimed[0]) - n + 1, str(claimed[1])


def _append(session: Session, entries: list[tuple[Any, ...]]) -> list[AuditEntry]:
    """Chain and insert entries (``_ARGS`` tuples), in order, in the session's transaction."""
    first, prev_hash = _claim(session, len(entries))
    rows: list[dict[str, Any]] = []
    for i, args in enumerate(entries):
        fields: dict[str, Any] = {"id": first + i, **dict(zip(_ARGS, args, strict=True))}
        fields["prev_hash"] = prev_hash
        fields["hash"] = prev_hash = entry_hash(**fields)
        rows.append(fields)
    # Core statements, not a flush: the chain lock is held from the claim to the commit,
    # and every other append waits for it.
    session.execute(_INSERT, rows)
    session.execute(_ADVANCE, {"new_hash": prev_hash, "new_at": utcnow()})
    return [AuditEntry(**fields) for fields in rows]


def _commit_group(db: Database, entries: list[tuple[Any, ...]]) -> list[AuditEntry]:
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

    args: tuple[Any, ...]
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

    def append(self, db: Database, args: tuple[Any, ...]) -> AuditEntry:
        me = _Waiting(args)
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
            entries = _commit_group(db, [w.args for w in group])
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
) -> AuditEntry:
    """Append one entry. Given a Session, it commits (or rolls back) with the caller's change;
    given a Database, it is committed (with the other threads' entries of that moment)
    before this returns.

    Record late in a transaction: on PostgreSQL the chain lock is held until commit.
    """
    if action not in ACTIONS:
        raise InvalidValue(f"unknown audit action {action!r}", kind="audit_action", value=action)
    args = (
        actor_name(actor)[:120],
        action,
        target_type,
        "" if target_id is None else str(target_id)[:120],
        canonical_json(dict(detail or {})),
        ip,
        _naive_utc(at or utcnow()),
    )
    if isinstance(target, Session):
        return _append(target, [args])[0]
    return _group_commit(target).append(target, args)


@dataclasses.dataclass(frozen=True)
class VerifyResult:
    """What :func:`verify` found; ``last_id`` and ``last_hash`` are worth keeping offline."""

    ok: bool
    entries_checked: int
    first_bad_id: int | None = None
    problem: str = ""
    last_id: int = 0
    last_hash: str = GENESIS


_FIELDS = (
    *("id", "at", "actor", "action", "target_type", "target_id", "detail", "ip"),
    *("prev_hash", "hash"),
)
_COLUMNS = [getattr(AuditEntry, name) for name in _FIELDS]


def _checkpoints(db: Database) -> dict[int, tuple[str, str]]:
    with db.session() as session:
        rows = session.execute(
            select(AuditCheckpoint.entry_id, AuditCheckpoint.entry_hash, AuditCheckpoint.at)
        ).all()
    return {int(e): (str(h), f"the checkpoint of {at:%Y-%m-%d %H:%M} UTC") for e, h, at in rows}


def verify(db: Database, *, expect: tuple[int, str] | None = None) -> VerifyResult:
    """Check the whole chain; report the first entry altered, deleted, reordered or cut off.

    ``expect`` is an (entry id, hash) pair kept outside the database (see :func:`checkpoint`):
    only such a copy can show that the log was rewritten wholesale.
    """
    known = _checkpoints(db)
    if expect is not None:
        known[int(expect[0])] = (expect[1].strip().lower(), "the expected hash given")
    with db.session() as session:
        head = session.execute(select(AuditHead.last_id, AuditHead.last_hash)).first()
    checked, expected_id, prev = 0, 1, GENESIS

    def bad(entry_id: int, problem: str) -> VerifyResult:
        return VerifyResult(False, checked, entry_id, problem, expected_id - 1, prev)

    with db.engine.connect() as conn:
        rows = conn.execution_options(yield_per=2000).execute(
            select(*_COLUMNS).order_by(AuditEntry.id)
        )
        for row in rows:
            fields = dict(zip(_FIELDS, row, strict=True))
            entry_id, stored = int(fields.pop("id")), str(fields.pop("hash"))
            if entry_id != expected_id:
                return bad(
                    expected_id,
                    f"entries {expected_id} to {entry_id - 1} are missing (deleted)"
                    if entry_id > expected_id
                    else f"entry id {entry_id} is out of sequence",
                )
            if entry_hash(id=entry_id, **fields) != stored:
                return bad(entry_id, f"entry {entry_id} was altered or moved from elsewhere")
            if fields["prev_hash"] != prev:
                return bad(
                    entry_id,
                    f"entry {entry_id} does not follow entry {entry_id - 1}: an entry before it"
                    " was altered and re-hashed, removed or reordered",
                )
            if entry_id in known and known[entry_id][0] != stored:
                return bad(
                    entry_id, f"entry {entry_id} differs from {known[entry_id][1]}: rewritten"
                )
            checked, expected_id, prev = checked + 1, expected_id + 1, stored
    last = expected_id - 1
    later = [e for e in known if e > last]
    if head is not None and head[0] > last:
        later.append(int(head[0]))
    if later:
        return bad(
            last + 1, f"the log ends at entry {last} but entry {max(later)} was recorded: cut off"
        )
    if head is None and last:
        return bad(last, "the chain head record is missing")
    if head is not None and head[0] == last and head[1] != prev:
        return bad(last, f"entry {last} does not match the chain head: rewritten")
    return VerifyResult(True, checked, None, "", last, prev)


def checkpoint(db: Database, actor: Actor) -> AuditCheckpoint:
    """Record the current chain head as a checkpoint; print it and keep a copy offline."""
    with db.session() as session:
        last = session.execute(
            select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
        ).first()
        entry_id, entry_hash_ = (int(last[0]), str(last[1])) if last else (0, GENESIS)
        point = AuditCheckpoint(entry_id=entry_id, entry_hash=entry_hash_, actor=actor_name(actor))
        session.add(point)
        session.flush()
        record(session, actor, "audit.checkpoint", "audit", entry_id, {"hash": entry_hash_})
    return point


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
    """Entries matching every filter given, newest first (page with ``before_id``)."""
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
    """The newest ``n`` entries, oldest first."""
    return find(db, limit=n)[::-1]


def read_log(
    db: Database,
    user: Principal,
    *,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
    ip: str | None = None,
) -> list[AuditEntry]:
    """Entries as :func:`find` gives them, for a user with ``audit.view``; the read is audited."""
    require(user, "audit.view")
    filters = {"actor": actor, "action": action, "target_type": target_type, "target_id": target_id}
    entries = find(
        db, before_id=before_id, limit=limit, **{k: v or None for k, v in filters.items()}
    )
    record(db, user, "audit.view", "audit", None, {k: v for k, v in filters.items() if v}, ip=ip)
    return entries
