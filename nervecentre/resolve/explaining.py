"""A pair's waterfall for the pages and the API, without reloading the registry each time.

The waterfall needs every record (a shared name or phone counts by how many records carry
it), and reading and normalising 13,000 records takes 5-10 s on this machine: too slow to
review pairs one after another. So the normalised records are kept **in this process's
memory** (never on disk, as during a run), for at most ``KEEP_SECONDS``, and only while
the registry looks the same: a new run or a new record, alias or identifier drops them. An
edit to an existing record shows in explanations within ``KEEP_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nervecentre.cases.people import IdentifierUse, Person, PersonAlias
from nervecentre.errors import NotFound
from nervecentre.resolve.engine import Contribution, explain_pair, resolve_records
from nervecentre.resolve.model import Model
from nervecentre.resolve.models import ResolutionRun
from nervecentre.resolve.records import PersonRecord
from nervecentre.resolve.registry import _model_of, load_records
from nervecentre.security.fields import FieldCipher
from nervecentre.store.db import Database

KEEP_SECONDS = 120.0


@dataclass
class _Loaded:
    key: tuple[object, ...]
    until: float
    records: Sequence[PersonRecord]
    index: dict[int, int]
    model: Model


_lock = threading.Lock()
_loaded: dict[str, _Loaded] = {}  # by database URL


def _fingerprint(session: Session) -> tuple[object, ...]:
    """What changes when a run finishes or a record, alias or identifier is added."""
    run = session.execute(
        select(ResolutionRun.id, ResolutionRun.finished_at)
        .where(ResolutionRun.finished_at.is_not(None))
        .order_by(ResolutionRun.id.desc())
        .limit(1)
    ).first()
    people = session.execute(select(func.count(Person.id), func.max(Person.id))).one()
    aliases = session.execute(select(func.count(PersonAlias.id), func.max(PersonAlias.id))).one()
    uses = session.execute(select(func.count(IdentifierUse.id), func.max(IdentifierUse.id))).one()
    return (tuple(run) if run else None, *people, *aliases, *uses)


def _load(db: Database, cipher: FieldCipher) -> _Loaded:
    with db.session() as session:
        key = _fingerprint(session)
        with _lock:
            found = _loaded.get(db.url)
            if found is not None and found.key == key and found.until > time.monotonic():
                return found
        last = session.scalars(
            select(ResolutionRun)
            .where(ResolutionRun.finished_at.is_not(None))
            .order_by(ResolutionRun.id.desc())
            .limit(1)
        ).first()
        records, ids = load_records(session, cipher)
    model = _model_of(last) or resolve_records(records).model
    loaded = _Loaded(
        key, time.monotonic() + KEEP_SECONDS, records, {p: i for i, p in enumerate(ids)}, model
    )
    with _lock:
        _loaded[db.url] = loaded
    return loaded


def forget() -> None:
    """Drop what is kept (tests; a deployment never needs to)."""
    with _lock:
        _loaded.clear()


def explain_records(
    db: Database, cipher: FieldCipher, person_a: int, person_b: int
) -> tuple[float, list[Contribution]]:
    """The waterfall of two registry records under the last run's model (or a fresh one).

    The same as :func:`nervecentre.resolve.registry.explain_registry_pair`, which reloads
    the registry on every call; the caller checks that the user may see both records.
    """
    loaded = _load(db, cipher)
    missing = [str(p) for p in (person_a, person_b) if p not in loaded.index]
    if missing:
        raise NotFound(f"no person with id {', '.join(missing)}")
    a, b = loaded.records[loaded.index[person_a]], loaded.records[loaded.index[person_b]]
    return explain_pair(loaded.model, loaded.records, a, b)
