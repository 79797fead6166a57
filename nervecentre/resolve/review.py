"""The review queue and the decisions history as a user may see them, and a pair's waterfall.

**Ordering.** A queued pair's *value* is how much a decision on it settles:

    value = H(p) × log2(1 + n_a + n_b)

``H(p)`` is the binary entropy of the pair's match probability (1 bit at p = 0.5, 0.47 at
0.9, 0.02 at 0.998: the model's own doubt), and ``n_a + n_b`` the number of records, among
those the user may see, in the two entities the decision would join or keep apart (a merge
of two five-record entities moves ten records' histories; one of two lone records, two).
Highest value first; ties by the engine's priority, then by the queue's order. Only the
records a user may see are counted, so the order tells nobody of records in other units.

Only pairs whose two records the user may both see are listed, and only decisions on such
pairs: a pair with an invisible record is not shown, not counted, not hinted at.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from nervecentre.cases.models import Case
from nervecentre.cases.people import CaseRole, Person
from nervecentre.errors import InvalidValue
from nervecentre.resolve.engine import LINK, REVIEW, Contribution
from nervecentre.resolve.explaining import explain_records
from nervecentre.resolve.models import Decision, EntityLink, ResolutionRun, ReviewPair
from nervecentre.resolve.registry import decide
from nervecentre.resolve.views import RecordFacts, record_facts, require_pair
from nervecentre.security import audit
from nervecentre.security.access import visible_cases_filter
from nervecentre.security.fields import FieldCipher
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.db import Database

MAX_PER_PAGE = 200


@dataclass(frozen=True, slots=True)
class QueuedPair:
    """A pair left for an analyst, with its place in the user's queue."""

    position: int
    queue_id: int
    person_a: int
    person_b: int
    name_a: str
    name_b: str
    probability: float
    value: float
    records_joined: int


@dataclass(frozen=True, slots=True)
class QueuePage:
    """One page of the user's queue, in order of value."""

    total: int
    page: int
    per_page: int
    pairs: list[QueuedPair]


@dataclass(frozen=True, slots=True)
class PastDecision:
    """A decision on two visible records, standing or undone."""

    id: int
    person_a: int
    person_b: int
    name_a: str
    name_b: str
    verdict: str
    note: str
    decided_by: str
    decided_at: datetime
    undone_by: str
    undone_at: datetime | None


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why two records are (not) one person: the waterfall and the resulting probability."""

    person_a: int
    person_b: int
    probability: float
    total_bits: float
    model_version: str
    link_threshold: float
    review_threshold: float
    contributions: list[Contribution]


def _entropy(p: float) -> float:
    if p <= 0.0 or p >= 1.0:
        return 0.0
    return -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def _visible_ids(user: User) -> Select[Any]:
    """Ids of the records the user may see: a part in a visible case (as ``require_person``).

    Written as a join, not as ``visible_people_filter``'s correlated EXISTS, which SQLite
    evaluated once per queued pair (2.7 s instead of 0.1 s on the demo register's queue).
    """
    require(user, "person.view")
    return (
        select(CaseRole.person_id)
        .join(Case, Case.id == CaseRole.case_id)
        .where(visible_cases_filter(user))
        .distinct()
    )


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    rows = session.execute(
        select(Person.id, Person.code, Person.name, Person.protected).where(Person.id.in_(ids))
    )
    return {pid: code if protected else name for pid, code, name, protected in rows}


def _ordered(session: Session, user: User) -> list[tuple[float, int, int, int, float, int]]:
    """(value, id, a, b, p, records joined) of every visible queued pair, best first.

    The visible records are read once into a set and the queue filtered here: SQLite ran the
    same filter as ``IN (subquery)`` once per queued pair (90 s for the demo register's
    46,000 pairs as an admin, 0.3 s this way).
    """
    visible = set(session.scalars(_visible_ids(user)))
    if not visible:
        return []
    pairs = [
        row
        for row in session.execute(
            select(
                ReviewPair.id,
                ReviewPair.person_a,
                ReviewPair.person_b,
                ReviewPair.probability,
                ReviewPair.priority,
            )
        )
        if row[1] in visible and row[2] in visible
    ]
    if not pairs:
        return []
    entity = {
        pid: eid
        for pid, eid in session.execute(select(EntityLink.person_id, EntityLink.entity_id))
        if pid in visible
    }
    sizes = Counter(entity.values())
    scored = []
    for qid, a, b, p, priority in pairs:
        ea, eb = entity.get(a, -a), entity.get(b, -b)
        joined = sizes.get(ea, 1) + (sizes.get(eb, 1) if eb != ea else 0)
        value = _entropy(p) * math.log2(1 + joined)
        scored.append((value, priority, qid, a, b, p, joined))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
    return [(v, qid, a, b, p, joined) for v, _, qid, a, b, p, joined in scored]


def review_queue(db: Database, user: User, *, page: int = 1, per_page: int = 50) -> QueuePage:
    """A page of the pairs ``user`` may decide on, most valuable first (needs resolve.decide)."""
    require(user, "resolve.decide")
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    with db.session() as session:
        ordered = _ordered(session, user)
        start = (page - 1) * per_page
        window = ordered[start : start + per_page]
        names = _names(session, {x for row in window for x in (row[2], row[3])})
    pairs = [
        QueuedPair(start + k, qid, a, b, names[a], names[b], p, round(value, 4), joined)
        for k, (value, qid, a, b, p, joined) in enumerate(window)
    ]
    return QueuePage(len(ordered), page, per_page, pairs)


def queue_position(db: Database, user: User, a: int, b: int) -> int | None:
    """Where the pair stands in ``user``'s queue (0-based), or None when it is not queued."""
    low, high = sorted((a, b))
    with db.session() as session:
        for k, row in enumerate(_ordered(session, user)):
            if (row[2], row[3]) == (low, high):
                return k
    return None


def pair_facts(
    db: Database, user: User, a: int, b: int, *, ip: str | None = None
) -> tuple[RecordFacts, RecordFacts]:
    """Two visible records side by side (NotFound for either otherwise); audited."""
    with db.session() as session:
        require_pair(session, user, a, b)
        facts = record_facts(session, user, [a, b])
        audit.record(
            session,
            user,
            "person.view",
            "person",
            a,
            {"other_person": b, "via": "resolve.review"},
            ip=ip,
        )
        session.commit()
    return facts[a], facts[b]


def explanation(
    db: Database, user: User, cipher: FieldCipher, a: int, b: int, *, ip: str | None = None
) -> Explanation:
    """The waterfall of two records the user may both see, under the last run's model
    (audited: it compares their names, phones and births, a victim's protected ones too)."""
    with db.session() as session:
        require_pair(session, user, a, b)
        detail = {"other_person": b, "via": "resolve.explain"}
        audit.record(session, user, "person.view", "person", a, detail, ip=ip)
        session.commit()
        version = session.scalar(
            select(ResolutionRun.model_version)
            .where(ResolutionRun.finished_at.is_not(None))
            .order_by(ResolutionRun.id.desc())
            .limit(1)
        )
    probability, parts = explain_records(db, cipher, a, b)
    return Explanation(
        a,
        b,
        probability,
        sum(p.bits for p in parts),
        version or "",
        LINK,
        REVIEW,
        parts,
    )


def decisions_history(
    db: Database, user: User, *, page: int = 1, per_page: int = 50
) -> tuple[int, list[PastDecision]]:
    """Decisions on pairs the user may both see, newest first (needs resolve.decide)."""
    require(user, "resolve.decide")
    page, per_page = max(1, page), min(max(1, per_page), MAX_PER_PAGE)
    by, undoer = aliased(User), aliased(User)
    with db.session() as session:
        visible = set(session.scalars(_visible_ids(user)))
        newest_first = session.execute(
            select(Decision.id, Decision.person_a, Decision.person_b).order_by(
                Decision.decided_at.desc(), Decision.id.desc()
            )
        )
        shown = [i for i, a, b in newest_first if a in visible and b in visible]
        total = len(shown)
        wanted = shown[(page - 1) * per_page : page * per_page]
        rows = session.execute(
            select(Decision, by.username, undoer.username)
            .join(by, by.id == Decision.user_id)
            .outerjoin(undoer, undoer.id == Decision.undone_by)
            .where(Decision.id.in_(wanted))
            .order_by(Decision.decided_at.desc(), Decision.id.desc())
        )
        found = list(rows)
        names = _names(session, {x for d, _, _ in found for x in (d.person_a, d.person_b)})
        out = [
            PastDecision(
                d.id,
                d.person_a,
                d.person_b,
                names[d.person_a],
                names[d.person_b],
                d.verdict,
                d.note,
                who,
                d.decided_at,
                undone_by or "",
                d.undone_at,
            )
            for d, who, undone_by in found
        ]
    return total, out


MAX_NOTE = 400


def record_decision(db: Database, user: User, a: int, b: int, verdict: str, note: str = "") -> int:
    """An analyst's verdict, checked as the pages and the API receive it, then recorded."""
    note = " ".join(note.split())
    if len(note) > MAX_NOTE:
        raise InvalidValue(f"a note is at most {MAX_NOTE} characters", kind="note")
    return decide(db, user, a, b, verdict, note)
