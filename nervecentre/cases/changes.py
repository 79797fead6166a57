"""What every hand edit of a case shares: one session per change, edited-field marks, and
the audit entry of a change to something attached to a case."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case
from nervecentre.cases.people import Person
from nervecentre.errors import Conflict
from nervecentre.security import audit
from nervecentre.security.models import User
from nervecentre.store.base import edited_set, utcnow
from nervecentre.store.db import Database


@contextmanager
def writing(db: Database) -> Iterator[Session]:
    """A session for one change; a clash with a row saved meanwhile becomes a Conflict."""
    try:
        with db.session() as session:
            yield session
    except IntegrityError:
        raise Conflict(
            "the change clashes with data saved at the same time; reload and try again"
        ) from None


def mark_edited(row: Case | Person, fields: Iterable[str]) -> None:
    """Note fields changed by hand: a re-import of the register keeps their values."""
    row.edited_fields = ",".join(sorted(edited_set(row.edited_fields) | set(fields)))


def record_change(
    session: Session,
    user: User,
    case: Case,
    change: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    ip: str | None,
    **extra: Any,
) -> None:
    """Audit a change to something attached to a case, as a ``case.update`` entry."""
    case.updated_at = utcnow()
    session.flush()
    detail = {"case_key": case.case_key, "change": change, **extra, **audit.diff(before, after)}
    audit.record(session, user, "case.update", "case", case.id, detail, ip=ip)
