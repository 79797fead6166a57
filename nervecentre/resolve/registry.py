"""Resolving the registry's own person records, in memory, into the entity layer.

Victims' names and contacts are decrypted here, in this process's memory only, to be
compared: what is written back is ids, scores and the model — never a name or a contact —
and nothing is spilled to a temporary file (the engine works on Python objects and NumPy
arrays in memory).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from nervecentre.cases.models import Case
from nervecentre.cases.people import CaseRole, Identifier, IdentifierUse, Person, PersonAlias
from nervecentre.errors import InvalidValue, NotFound
from nervecentre.resolve.engine import (
    Contribution,
    explain_pair,
    resolve_records,
)
from nervecentre.resolve.incremental import fingerprint, resolve_changed
from nervecentre.resolve.model import Model
from nervecentre.resolve.models import (
    VERDICTS,
    Decision,
    EntityLink,
    Fingerprint,
    ResolutionRun,
    ReviewPair,
)
from nervecentre.resolve.records import PersonRecord, build_record
from nervecentre.resolve.runs import RunSummary, store_full, store_increment
from nervecentre.security import audit
from nervecentre.security.access import (
    require_person,
    visible_cases_filter,
    visible_people_filter,
)
from nervecentre.security.fields import FieldCipher
from nervecentre.security.models import User
from nervecentre.security.roles import require
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database

_GENDER = {"male": "M", "female": "F", "transgender": "T"}
Progress = Callable[[int, int], None]


def _contacts(text: str) -> tuple[list[str], list[str]]:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    return [p for p in parts if "@" not in p], [p for p in parts if "@" in p]


def load_records(session: Session, cipher: FieldCipher) -> tuple[list[PersonRecord], list[int]]:
    """Every person record of the registry, normalised (victims decrypted in memory)."""
    first_case = (
        select(CaseRole.person_id, Case.fir_at, Case.district_code, Case.unit_code)
        .join(Case, Case.id == CaseRole.case_id)
        .order_by(CaseRole.person_id, Case.fir_at)
    )
    cases: dict[int, tuple[date, str, str]] = {}
    for person_id, fir_at, district, unit in session.execute(first_case):
        cases.setdefault(person_id, (fir_at.date(), district, unit))
    aliases: dict[int, list[str]] = {}
    for person_id, alias in session.execute(select(PersonAlias.person_id, PersonAlias.alias)):
        aliases.setdefault(person_id, []).append(alias)
    idents: dict[int, list[tuple[str, str]]] = {}
    rows = select(IdentifierUse.person_id, Identifier.kind, Identifier.value).join(
        Identifier, Identifier.id == IdentifierUse.identifier_id
    )
    for owner, kind, value in session.execute(rows.where(IdentifierUse.person_id.is_not(None))):
        if owner is not None:
            idents.setdefault(owner, []).append((kind, value))
    records: list[PersonRecord] = []
    ids: list[int] = []
    for person in session.scalars(select(Person).order_by(Person.id)):
        name, address = person.name, person.address
        phones = [v for kind, v in idents.get(person.id, []) if kind == "phone"]
        emails = [v for kind, v in idents.get(person.id, []) if kind == "email"]
        if person.protected:
            name = cipher.decrypt(person.name_enc, "persons", "name_enc", person.id)
            address = cipher.decrypt(person.address_enc, "persons", "address_enc", person.id)
            more_phones, more_emails = _contacts(
                cipher.decrypt(person.contact_enc, "persons", "contact_enc", person.id)
            )
            phones += more_phones
            emails += more_emails
        fir, district, unit = cases.get(person.id, (date.today(), "", ""))
        birth = fir.year - person.age if person.age is not None else None
        records.append(
            build_record(
                str(person.id),
                name or person.code,
                aliases=aliases.get(person.id, []),
                gender=_GENDER.get(person.gender, ""),
                birth_year=birth,
                dob=person.date_of_birth,
                phones=phones,
                emails=emails,
                address=address,
                district=district,
                state=person.home_state,
                source=unit,
            )
        )
        ids.append(person.id)
    return records, ids


def _decisions(
    session: Session, index: dict[int, int]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Analysts' standing decisions as index pairs: (same, different)."""
    same: list[tuple[int, int]] = []
    different: list[tuple[int, int]] = []
    latest: dict[tuple[int, int], str] = {}
    rows = select(Decision.person_a, Decision.person_b, Decision.verdict).where(
        Decision.undone_at.is_(None)
    )
    for a, b, verdict in session.execute(rows.order_by(Decision.decided_at, Decision.id)):
        latest[(a, b)] = verdict
    for (a, b), verdict in latest.items():
        if a in index and b in index:
            if verdict == "same":
                same.append((index[a], index[b]))
            elif verdict == "different":
                different.append((index[a], index[b]))
    return same, different


def _last_run(session: Session) -> ResolutionRun | None:
    """The newest finished run, whose model an incremental run reuses."""
    return session.scalars(
        select(ResolutionRun)
        .where(ResolutionRun.finished_at.is_not(None))
        .order_by(ResolutionRun.id.desc())
        .limit(1)
    ).first()


def _model_of(run: ResolutionRun | None) -> Model | None:
    if run is None or not run.model:
        return None
    data = json.loads(run.model)
    features = data["features"]
    learnt = [np.array(f["learnt_bits"]) for f in features.values() if "learnt_bits" in f]
    return Model(
        m=[np.array(f["m"]) for f in features.values()],
        u=[np.array(f["u"]) for f in features.values()],
        prior=float(data["prior"]),
        version=str(data["version"]),
        trained_on=int(data.get("trained_on", 0)),
        learnt=learnt if len(learnt) == len(features) else None,
        decisions=int(data.get("decisions", 0)),
        father_named_u=np.array(data["father_named_u"]) if "father_named_u" in data else None,
    )


def resolve_registry(
    db: Database,
    actor: User | str,
    cipher: FieldCipher,
    *,
    full: bool = False,
    progress: Progress | None = None,
) -> RunSummary:
    """Resolve every person record; keep analysts' decisions; write links and the queue.

    ``actor`` is a user with ``resolve.run`` or, from the CLI, the installation's operator
    (``cli:<login>``). Resolution reads every record whatever the actor may see — the
    entities are the registry's — and what each user is shown of them is filtered later.
    A run that is not ``full`` scores with the model of the last run (when there is one), so
    that adding records does not shift the scores of pairs already decided.
    """
    if isinstance(actor, User):
        require(actor, "resolve.run")
    with db.session() as session:
        last = _last_run(session)
        records, ids = load_records(session, cipher)
        index = {pid: i for i, pid in enumerate(ids)}
        same, different = _decisions(session, index)
        model = None if full else _model_of(last)
        prints = [fingerprint(r, _mac(cipher)) for r in records]
        previous = None
        if model is not None and last is not None:
            previous = _previous(session, ids, prints, last)
    decided = {frozenset(p) for p in (*same, *different)}
    if previous is None:
        result = resolve_records(
            records, same=same, different=different, progress=progress, model=model
        )
        result.review = [k for k in result.review if _pair(result.pairs, k) not in decided]
        return store_full(db, actor, ids, result, prints, full=full or model is None)
    labels, changed = previous
    assert model is not None  # a previous state is read only with a model
    increment = resolve_changed(
        records,
        labels,
        changed,
        model,
        same=same,
        different=different,
        progress=progress,
    )
    increment.review = [k for k in increment.review if _pair(increment.pairs, k) not in decided]
    return store_increment(db, actor, ids, increment, model, prints)


def _pair(pairs: np.ndarray, k: int) -> frozenset[int]:
    return frozenset((int(pairs[k, 0]), int(pairs[k, 1])))


def _mac(cipher: FieldCipher) -> Callable[[str], str]:
    return lambda text: cipher.mac("resolve.fingerprint", text)


def _previous(
    session: Session, ids: Sequence[int], prints: Sequence[str], last: ResolutionRun
) -> tuple[list[int], set[int]]:
    """Each record's entity after the last run, and the records to compare again.

    Those are the records whose fingerprint is new or differs, and the two records of
    every decision taken or undone since the last run began.
    """
    stored = dict(session.execute(select(Fingerprint.person_id, Fingerprint.fingerprint)).all())
    entity = dict(session.execute(select(EntityLink.person_id, EntityLink.entity_id)).all())
    index = {pid: i for i, pid in enumerate(ids)}
    changed = {i for i, pid in enumerate(ids) if stored.get(pid) != prints[i]}
    since = select(Decision.person_a, Decision.person_b).where(
        or_(Decision.decided_at >= last.started_at, Decision.undone_at >= last.started_at)
    )
    for a, b in session.execute(since):
        changed.update(index[p] for p in (a, b) if p in index)
    # An entity named after a record that is gone is re-clustered whole.
    gone = {e for e in entity.values() if e not in index}
    labels = []
    for i, pid in enumerate(ids):
        label = entity.get(pid)
        if label is None:
            label = -1 - pid
        elif label in gone:
            changed.add(i)
        labels.append(label)
    return labels, changed


def explain_registry_pair(
    db: Database, cipher: FieldCipher, person_a: int, person_b: int
) -> tuple[float, list[Contribution]]:
    """The waterfall of two registry records, under the last run's model (or a fresh one)."""
    with db.session() as session:
        last = _last_run(session)
        records, ids = load_records(session, cipher)
    index = {pid: i for i, pid in enumerate(ids)}
    missing = [str(p) for p in (person_a, person_b) if p not in index]
    if missing:
        raise NotFound(f"no person with id {', '.join(missing)}")
    model = _model_of(last) or resolve_records(records).model
    return explain_pair(model, records, records[index[person_a]], records[index[person_b]])


def decide(
    db: Database, user: User, person_a: int, person_b: int, verdict: str, note: str = ""
) -> int:
    """Record an analyst's verdict on two records (audited); it binds every later run."""
    require(user, "resolve.decide")
    if verdict not in VERDICTS:
        raise InvalidValue(
            f"a verdict is one of {', '.join(VERDICTS)}, not {verdict!r}", kind="verdict"
        )
    if person_a == person_b:
        raise InvalidValue("a decision needs two different records", kind="person")
    a, b = sorted((person_a, person_b))
    with db.session() as session:
        # Both records must be visible: NotFound for either otherwise, as everywhere.
        require_person(session, user, a)
        require_person(session, user, b)
        decision = Decision(person_a=a, person_b=b, verdict=verdict, user_id=user.id, note=note)
        session.add(decision)
        session.execute(
            delete(ReviewPair).where(ReviewPair.person_a == a, ReviewPair.person_b == b)
        )
        session.flush()
        audit.record(
            session,
            user,
            "resolve.decide",
            "person",
            a,
            detail={"other_person": b, "verdict": verdict, "decision": decision.id},
        )
        session.commit()
        return decision.id


def undo(db: Database, user: User, decision_id: int) -> None:
    """Undo a decision (kept, marked undone); the next run no longer follows it."""
    require(user, "resolve.decide")
    with db.session() as session:
        decision = session.get(Decision, decision_id)
        if decision is None or decision.undone_at is not None:
            raise NotFound(f"no standing decision {decision_id}")
        require_person(session, user, decision.person_a)
        require_person(session, user, decision.person_b)
        session.execute(
            update(Decision)
            .where(Decision.id == decision_id, Decision.undone_at.is_(None))
            .values(undone_at=utcnow(), undone_by=user.id)
        )
        audit.record(session, user, "resolve.undo", "resolution_decision", decision_id)
        session.commit()


@dataclass(frozen=True)
class Member:
    """One source record of an entity, as the viewing user may see it."""

    person_id: int
    shown_name: str
    how: str
    score: float | None
    case_ids: tuple[int, ...]


@dataclass(frozen=True)
class EntityView:
    """A person record's entity: the records of it the user may see."""

    entity_id: int
    members: tuple[Member, ...]

    @property
    def case_ids(self) -> tuple[int, ...]:
        """Every visible case the entity appears in."""
        return tuple(sorted({c for m in self.members for c in m.case_ids}))


def entity_of(db: Database, user: User, person_id: int) -> EntityView:
    """The entity of a visible person record, restricted to the records ``user`` may see.

    Records the user may not see are left out without a trace (not even a count): their
    existence in another unit is itself confidential. Victims appear by their code.
    """
    with db.session() as session:
        require_person(session, user, person_id)
        link = session.get(EntityLink, person_id)
        entity = link.entity_id if link is not None else person_id
        query = (
            select(Person, EntityLink)
            .join(EntityLink, EntityLink.person_id == Person.id)
            .where(EntityLink.entity_id == entity, visible_people_filter(user))
            .order_by(Person.id)
        )
        found: list[tuple[Person, EntityLink | None]] = [
            (row[0], row[1]) for row in session.execute(query)
        ]
        if not found:  # never resolved: the record is its own entity
            found = [(require_person(session, user, person_id), None)]
        members = []
        for person, member_link in found:
            cases = tuple(
                session.scalars(
                    select(CaseRole.case_id).where(CaseRole.person_id == person.id).distinct()
                )
            )
            members.append(
                Member(
                    person_id=person.id,
                    shown_name=person.shown_name,
                    how=member_link.how if member_link is not None else "alone",
                    score=member_link.score if member_link is not None else None,
                    case_ids=tuple(c for c in cases if _visible(session, user, c)),
                )
            )
        return EntityView(entity_id=entity, members=tuple(members))


def _visible(session: Session, user: User, case_id: int) -> bool:
    query = select(Case.id).where(Case.id == case_id, visible_cases_filter(user))
    return session.scalar(query) is not None
