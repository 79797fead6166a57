"""Need-to-know for library documents, in SQL and (SQLite) as a kept per-user mask.

A document linked to cases is seen by whoever may see at least one of them; an unlinked
document by everyone with ``library.view``, unless it is restricted: then only with
``case.view_all``. Invisible and missing documents raise the same NotFound.

PostgreSQL holds each document's visibility in its search index instead (migration
``0025_pg_library_access``, :mod:`nervecentre.library._pg`).

On SQLite a search reads a user's visible documents once, as a boolean array by document
id, and keeps it while the ``library``, ``cases`` and ``access`` generation counters stay
where they were and none of the user's grants has expired: checking a hit is then an
array lookup, not a query.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case
from nervecentre.errors import NotFound
from nervecentre.library.models import LibraryDocument, LibraryLink
from nervecentre.security.access import Visibility, visibility, visible_cases_filter
from nervecentre.security.models import AccessGrant, User
from nervecentre.security.roles import can, require
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database
from nervecentre.store.generations import Kept, has_counters

Mask = npt.NDArray[np.bool_]
_log = logging.getLogger(__name__)
_GENERATIONS = ("library", "cases", "access")


def visible_documents_filter(
    user: User, *, now: datetime | None = None, seen: Visibility | None = None
) -> ColumnElement[bool]:
    """A WHERE clause on :class:`LibraryDocument` keeping the documents ``user`` may see.

    ``seen``: the user's :func:`visibility`, read just before (literal lists of units and
    cases, cheaper per row than the subqueries of :func:`visible_cases_filter`)."""
    if not can(user, "library.view"):
        return false()
    if can(user, "case.view_all"):
        return true()
    linked = exists().where(LibraryLink.document_id == LibraryDocument.id)
    in_visible_case = exists().where(
        LibraryLink.document_id == LibraryDocument.id,
        LibraryLink.case_id == Case.id,
        seen.condition() if seen is not None else visible_cases_filter(user, now=now),
    )
    return or_(and_(~linked, ~LibraryDocument.restricted), in_visible_case)


def require_document(
    session: Session, user: User, document_id: int, *, lock: bool = False
) -> LibraryDocument:
    """The document, if ``user`` may see it; NotFound otherwise (as for cases).

    ``lock``: lock its row until the transaction ends (PostgreSQL; a SQLite
    :meth:`~nervecentre.store.db.Database.write_session` holds the whole database), for a
    change that decides on what it reads, such as whether an unlink is the last."""
    require(user, "library.view")
    query = select(LibraryDocument).where(
        LibraryDocument.id == document_id, visible_documents_filter(user)
    )
    if lock:
        query = query.with_for_update(of=LibraryDocument)
    doc = session.scalars(query).first()
    if doc is None:
        raise NotFound(f"no document with id {document_id}")
    return doc


@dataclass(frozen=True)
class _KeptMask:
    generations: tuple[int, ...]
    until: datetime | None  # when the first of the user's grants expires
    mask: Mask


_MASKS: Kept[int, _KeptMask] = Kept(256)
_GENERATIONS_SQL = (
    "SELECT name, generation FROM data_generations WHERE name IN ('library', 'cases', 'access')"
)
FIRST_EXPIRY = select(func.min(AccessGrant.expires_at)).where(
    AccessGrant.grantee_id == bindparam("user_id"),
    AccessGrant.revoked_at.is_(None),
    AccessGrant.expires_at > bindparam("now"),
)


def generations(conn: Connection) -> tuple[int, ...] | None:
    """The library, cases and access counters in one read; None on a database without them
    (SQLite before migration 0020_library, PostgreSQL before 0025_pg_library_access)."""
    if conn.dialect.name not in ("sqlite", "postgresql"):
        return None
    if conn.dialect.name == "postgresql" and not has_counters(conn):
        return None
    cursor = conn.connection.cursor()  # every search reads this: the DBAPI cursor itself
    try:
        cursor.execute(_GENERATIONS_SQL)
        found = {str(r[0]): int(r[1]) for r in cursor.fetchall()}
    finally:
        cursor.close()
    if len(found) < len(_GENERATIONS):
        return None  # a database from before migration 0020_library
    return tuple(int(found[name]) for name in _GENERATIONS)


def _ids(joined: str | None) -> npt.NDArray[np.int64]:
    """Ids SQLite joined with commas: one string is the cheapest way to fetch many."""
    return np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.empty(0, np.int64)


@dataclass(frozen=True)
class _Links:
    """The library's links as arrays, read once per library generation: what every user's
    mask is made from (a case edit then costs a user only the read of their cases)."""

    free: Mask  # unlinked and unrestricted: everyone's
    documents: npt.NDArray[np.int64]  # per link
    cases: npt.NDArray[np.int64]  # per link


_LINKS: Kept[int, _Links] = Kept(4)


def _links(session: Session, library_generation: int) -> _Links:
    engine = session.get_bind().engine
    kept = _LINKS.get(engine, library_generation)
    if kept is not None:
        return kept
    top = session.scalar(select(func.coalesce(func.max(LibraryDocument.id), 0))) or 0
    free = np.zeros(int(top) + 1, dtype=np.bool_)
    open_ids = select(func.group_concat(LibraryDocument.id)).where(~LibraryDocument.restricted)
    free[_ids(session.scalar(open_ids))] = True
    pairs = session.execute(
        select(func.group_concat(LibraryLink.document_id), func.group_concat(LibraryLink.case_id))
    ).one()
    documents, cases = _ids(pairs[0]), _ids(pairs[1])
    free[documents] = False
    found = _Links(free, documents, cases)
    _LINKS.put(engine, library_generation, found)
    return found


def _read_mask(session: Session, user: User, seen: Visibility, library_generation: int) -> Mask:
    links = _links(session, library_generation)
    if can(user, "case.view_all"):
        mask = np.ones(len(links.free), dtype=np.bool_)
        mask[0] = False
        return mask
    mask = links.free.copy()
    if len(links.cases):
        visible = _ids(session.scalar(select(func.group_concat(Case.id)).where(seen.condition())))
        mask[links.documents[np.isin(links.cases, visible)]] = True
    return mask


def kept_mask(db: Database, user: User, gens: tuple[int, ...]) -> Mask | None:
    """The user's mask if one is kept and still exact, else None (nothing is read)."""
    if not can(user, "library.view"):
        return np.zeros(1, dtype=np.bool_)
    kept = _MASKS.get(db.engine, user.id or 0)
    now = utcnow()
    if kept is not None and kept.generations == gens and (kept.until is None or now < kept.until):
        return kept.mask
    return None


_READING: set[tuple[int, tuple[int, ...]]] = set()
_READING_LOCK = threading.Lock()


def read_mask_later(db: Database, user: User, gens: tuple[int, ...]) -> None:
    """Read the user's mask in a thread of its own (once at a time per user and counters),
    so that the searches that find none kept check visibility in SQL meanwhile."""
    key = (user.id or 0, gens)
    with _READING_LOCK:
        if key in _READING:
            return
        _READING.add(key)

    def read() -> None:
        try:
            visible_mask(db, user, gens)
        except Exception:  # the searches go on in SQL; the next one tries again
            _log.warning("could not read the library visibility of %s", user.username)
        finally:
            with _READING_LOCK:
                _READING.discard(key)

    threading.Thread(target=read, name="library-mask", daemon=True).start()


# Ids per statement when visibility is checked in SQL (SQLite's limit on parameters).
_CHUNK = 5_000


def visible_in_sql(conn: Connection, user: User) -> Callable[[npt.NDArray[np.int64]], Mask]:
    """Which of some document ids ``user`` may see, asked of the database."""
    condition = visible_documents_filter(user)

    def visible(ids: npt.NDArray[np.int64]) -> Mask:
        listed = [int(i) for i in ids]
        seen: set[int] = set()
        for start in range(0, len(listed), _CHUNK):
            chunk = listed[start : start + _CHUNK]
            seen.update(
                conn.scalars(
                    select(LibraryDocument.id).where(LibraryDocument.id.in_(chunk), condition)
                )
            )
        return np.fromiter((i in seen for i in listed), np.bool_, len(listed))

    return visible


def visible_mask(db: Database, user: User, gens: tuple[int, ...]) -> Mask:
    """SQLite: the user's visible documents as a mask by document id, kept while the
    counters ``gens`` (:func:`generations`) stay and none of the user's grants expires."""
    if not can(user, "library.view"):
        return np.zeros(1, dtype=np.bool_)
    now = utcnow()
    kept = _MASKS.get(db.engine, user.id or 0)
    if kept is not None and kept.generations == gens and (kept.until is None or now < kept.until):
        return kept.mask
    with db.session() as session:
        seen = visibility(session, user, now=now)
        until = session.scalar(FIRST_EXPIRY, {"user_id": user.id, "now": now})
        mask = _read_mask(session, user, seen, gens[0])
    _MASKS.put(db.engine, user.id or 0, _KeptMask(gens, until, mask))
    return mask
