"""Writing one resolution run back: links, the review queue, fingerprints, the audit entry.

A full run replaces every link and the whole queue. An incremental run rewrites only the
links of the records it re-clustered and the queued pairs it scored again; every other
link, with the run and model that made it, stays. Only ids, scores, keyed digests and the
model's parameters are written: nothing of a name or a contact.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.orm import Session

from nervecentre.resolve.engine import LINK, REVIEW, Resolution
from nervecentre.resolve.incremental import Increment
from nervecentre.resolve.model import Floats, Model
from nervecentre.resolve.models import EntityLink, Fingerprint, ResolutionRun, ReviewPair
from nervecentre.security import audit
from nervecentre.security.models import User
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database

_BATCH = 5000


@dataclass(frozen=True)
class RunSummary:
    """What one run did: ``changed`` records compared against the rest in ``compared`` pairs."""

    run_id: int
    records: int
    entities: int
    auto_links: int
    queued: int
    full: bool
    changed: int = 0
    compared: int = 0
    reclustered: int = 0


def _chunks(rows: list[dict[str, object]]) -> Iterable[list[dict[str, object]]]:
    for start in range(0, len(rows), _BATCH):
        yield rows[start : start + _BATCH]


def _links(
    ids: Sequence[int], labels: Sequence[int], best: Floats, which: Iterable[int], model: Model
) -> list[dict[str, object]]:
    sizes: dict[int, int] = {}
    for label in labels:
        sizes[label] = sizes.get(label, 0) + 1
    return [
        {
            "person_id": ids[i],
            "entity_id": ids[labels[i]],
            "how": "model" if sizes[labels[i]] > 1 else "alone",
            "score": float(best[i]) if sizes[labels[i]] > 1 else None,
            "model_version": model.version,
        }
        for i in which
    ]


def _queue(
    ids: Sequence[int], pairs: object, probabilities: Floats, order: Sequence[int]
) -> list[dict[str, object]]:
    middle = 0.5 * (LINK + REVIEW)
    return [
        {
            "person_a": ids[int(pairs[k, 0])],  # type: ignore[index]
            "person_b": ids[int(pairs[k, 1])],  # type: ignore[index]
            "probability": float(probabilities[k]),
            "priority": 1.0 - abs(float(probabilities[k]) - middle),
        }
        for k in order
    ]


def _write(
    session: Session, run: ResolutionRun, table: type, rows: list[dict[str, object]]
) -> None:
    for chunk in _chunks(rows):
        session.execute(insert(table), [{**row, "run_id": run.id} for row in chunk])


def _finish(
    session: Session, actor: User | str, run: ResolutionRun, summary: dict[str, object]
) -> None:
    run.finished_at = utcnow()
    audit.record(session, actor, "resolve.run", "resolution_run", run.id, detail=summary)
    session.commit()


def _new_run(session: Session, actor: User | str, full: bool, model: Model) -> ResolutionRun:
    run = ResolutionRun(
        full=full,
        user_id=actor.id if isinstance(actor, User) else None,
        model_version=model.version,
        model=json.dumps(model.to_dict()),
    )
    session.add(run)
    session.flush()
    return run


def store_full(
    db: Database,
    actor: User | str,
    ids: Sequence[int],
    result: Resolution,
    prints: Sequence[str],
    *,
    full: bool,
) -> RunSummary:
    """Replace every link, the queue and every fingerprint with those of a whole run."""
    auto = int((result.probabilities >= LINK).sum())
    with db.session() as session:
        run = _new_run(session, actor, full, result.model)
        run.records, run.compared, run.entities = len(ids), result.blocking.pairs, result.entities
        run.auto_links, run.queued = auto, len(result.review)
        session.execute(delete(EntityLink))
        _write(
            session,
            run,
            EntityLink,
            _links(ids, result.labels, result.best, range(len(ids)), result.model),
        )
        session.execute(delete(ReviewPair))
        queue = _queue(ids, result.pairs, result.probabilities, result.review)
        _write(session, run, ReviewPair, queue)
        session.execute(delete(Fingerprint))
        rows = [{"person_id": p, "fingerprint": f} for p, f in zip(ids, prints, strict=True)]
        _write(session, run, Fingerprint, rows)
        summary = RunSummary(
            run.id,
            len(ids),
            result.entities,
            auto,
            len(queue),
            full,
            changed=len(ids),
            compared=result.blocking.pairs,
            reclustered=len(ids),
        )
        _finish(session, actor, run, _detail(summary, result.model))
        return summary


def store_increment(
    db: Database,
    actor: User | str,
    ids: Sequence[int],
    result: Increment,
    model: Model,
    prints: Sequence[str],
) -> RunSummary:
    """Rewrite the links of the re-clustered records, their queued pairs and fingerprints."""
    auto = int((result.probabilities >= LINK).sum())
    redone = [ids[i] for i in result.reclustered]
    changed = [ids[i] for i in result.changed]
    with db.session() as session:
        run = _new_run(session, actor, False, model)
        run.records, run.compared, run.entities = len(ids), result.compared, result.entities
        run.auto_links = auto
        for chunk in _id_chunks(redone):
            session.execute(delete(EntityLink).where(EntityLink.person_id.in_(chunk)))
            session.execute(
                delete(ReviewPair).where(
                    or_(ReviewPair.person_a.in_(chunk), ReviewPair.person_b.in_(chunk))
                )
            )
        links = _links(ids, result.labels, result.best, result.reclustered, model)
        _write(session, run, EntityLink, links)
        queue = _queue(ids, result.pairs, result.probabilities, result.review)
        queue = _not_queued(session, queue)
        _write(session, run, ReviewPair, queue)
        for chunk in _id_chunks(changed):
            session.execute(delete(Fingerprint).where(Fingerprint.person_id.in_(chunk)))
        by_id = dict(zip(ids, prints, strict=True))
        _write(
            session,
            run,
            Fingerprint,
            [{"person_id": p, "fingerprint": by_id[p]} for p in changed],
        )
        run.queued = len(queue)
        summary = RunSummary(
            run.id,
            len(ids),
            result.entities,
            auto,
            len(queue),
            False,
            changed=len(changed),
            compared=result.compared,
            reclustered=len(redone),
        )
        _finish(session, actor, run, _detail(summary, model))
        return summary


def _not_queued(session: Session, queue: list[dict[str, object]]) -> list[dict[str, object]]:
    """The queued pairs not already waiting (a pair across kept entities may be)."""
    out = []
    for row in queue:
        waiting = session.scalar(
            select(ReviewPair.id).where(
                ReviewPair.person_a == row["person_a"], ReviewPair.person_b == row["person_b"]
            )
        )
        if waiting is None:
            out.append(row)
    return out


def _id_chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), 500):
        yield ids[start : start + 500]


def _detail(summary: RunSummary, model: Model) -> dict[str, object]:
    return {
        "records": summary.records,
        "entities": summary.entities,
        "auto_links": summary.auto_links,
        "queued": summary.queued,
        "full": summary.full,
        "changed": summary.changed,
        "compared": summary.compared,
        "model": model.version,
    }
