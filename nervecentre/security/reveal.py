"""Revealing a victim's identity: permission, need-to-know, a reason, and an audit entry.

Victims appear everywhere by pseudonymous code; their name, address and contact are
encrypted at rest. This is the one path that decrypts them for a person at a screen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from nervecentre.cases.people import Person
from nervecentre.errors import InvalidValue, NotFound
from nervecentre.security import audit
from nervecentre.security.access import visible_case_ids
from nervecentre.security.grants import check_reason
from nervecentre.security.keys import ENCRYPTED, bound_cipher
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database


def _visible_person(session: Session, user: User, person_id: int, now: datetime | None) -> Person:
    person = session.get(Person, person_id)
    cases = visible_case_ids(session, user, person_id, now=now) if person else []
    if person is None or not cases:
        raise NotFound(f"no person with id {person_id}")
    return person


def reveal_victim(
    db: Database,
    user: User,
    person_id: int,
    reason: str,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """A protected person's ``name``, ``address`` and ``contact``, decrypted.

    Needs ``victim.reveal``, a case of the person visible to ``user``, and a reason of at
    least 10 characters. The audit entry keeps the reason and the cases, never the values.
    """
    require(user, "victim.reveal")
    text = check_reason(reason, "revealing a victim's identity")
    with db.session() as session:
        person = _visible_person(session, user, person_id, now)
        if not person.protected:
            raise InvalidValue(
                f"person {person.code} is not a protected person: their name is not hidden",
                kind="person",
            )
        cipher = bound_cipher(session, db.settings)
        revealed = {
            column.removesuffix("_enc"): cipher.decrypt(
                getattr(person, column), "persons", column, person.id
            )
            for column in ENCRYPTED
        }
        detail = {
            "reason": text,
            "code": person.code,
            "cases": visible_case_ids(session, user, person_id, now=now),
            "fields": sorted(revealed),
        }
        audit.record(session, user, "victim.reveal", "person", person.id, detail, ip=ip, at=now)
    return revealed
