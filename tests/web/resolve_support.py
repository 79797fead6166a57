"""A small registry resolved into entities, with a review queue, for the resolution pages' tests.

Unit A (Shahapur) and unit B (Boisar) each hold a record of the recruiter Salim (one entity
across the two units) and of one re-trafficked victim; unit A also holds two look-alikes the
tests queue for review, one of them named with an XSS payload.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, insert, select, update

from nervecentre.cases.models import Case
from nervecentre.cases.people import CaseRole, Person
from nervecentre.imports import import_register
from nervecentre.resolve.models import ReviewPair
from nervecentre.resolve.registry import resolve_registry
from nervecentre.security.fields import cipher_for
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv
from tests.security.conftest import UNIT_A, UNIT_B, World

SALIM_A = "Mohd. Salim Shaikh @ Salu (M/34) - +91 98765 43001"
SALIM_B = "Md Saleem Sheikh (M/35) - 09876543001"
VICTIM = "Rinki Kumari Mahato (F/16) - 9123456780"
SUNIL_A = "Sunil Patil (M/30) - 9822001122"
# Markup is refused at import; a name written straight into the table must still be inert.
XSS = "<script>alert('x1')</script> Sunil Patil"
SUNIL = "Sunil R. Patil (M/31)"


@dataclass(frozen=True)
class Resolved:
    """Ids of the records the tests name."""

    salim_a: int
    salim_b: int
    victim_a: int
    victim_b: int
    gawade_b: int
    xss_a: int
    sunil_a: int


def person_in(db: Database, unit: str, starts: str, firs: tuple[str, ...]) -> int:
    """The id of the record in ``unit`` whose name starts so (``victim``: the protected one)."""
    with db.session() as s:
        query = (
            select(Person.id, Person.name, Person.protected)
            .join(CaseRole, CaseRole.person_id == Person.id)
            .join(Case, Case.id == CaseRole.case_id)
            .where(Case.unit_code == unit, Case.fir_number.in_(firs))
            .order_by(Person.id)
        )
        for pid, name, protected in s.execute(query):
            if (protected and starts == "victim") or (not protected and name.startswith(starts)):
                return int(pid)
    raise AssertionError(f"no {starts!r} in {unit}")


def resolved_world(world: World, tmp_path: Path) -> Resolved:
    """Import the records, resolve the registry, and queue the look-alikes for review."""
    db = world.db
    rows = [
        row(11, Accused=SALIM_A, Victims=VICTIM, Arrests=""),
        row(
            12,
            **{"District": "Palghar", "Police Station": "Boisar"},
            Accused=SALIM_B + "; Prakash Gawade (M/52)",
            Victims=VICTIM,
            Arrests="",
        ),
        row(13, Accused=SUNIL_A, Victims="", Arrests=""),
        row(14, Accused=SUNIL, Victims="", Arrests=""),
    ]
    import_register(db, write_csv(tmp_path / "resolve.csv", rows))
    resolve_registry(db, world.user("admin"), cipher_for(db.settings), full=True)
    found = Resolved(
        salim_a=person_in(db, UNIT_A, "Mohd", ("11",)),
        salim_b=person_in(db, UNIT_B, "Md", ("12",)),
        victim_a=person_in(db, UNIT_A, "victim", ("11",)),
        victim_b=person_in(db, UNIT_B, "victim", ("12",)),
        gawade_b=person_in(db, UNIT_B, "Prakash", ("12",)),
        xss_a=person_in(db, UNIT_A, "Sunil Patil", ("13",)),
        sunil_a=person_in(db, UNIT_A, "Sunil", ("14",)),
    )
    with db.session() as s:
        s.execute(update(Person).where(Person.id == found.xss_a).values(name=XSS))
        s.commit()
    queue(db, [(found.xss_a, found.sunil_a, 0.7), (found.salim_a, found.gawade_b, 0.6)])
    return found


def queue(db: Database, pairs: list[tuple[int, int, float]]) -> None:
    """Put pairs in the review queue, as a run leaves those it is unsure of."""
    with db.session() as s:
        for a, b, p in pairs:
            low, high = sorted((a, b))
            s.execute(
                delete(ReviewPair).where(ReviewPair.person_a == low, ReviewPair.person_b == high)
            )
            s.execute(
                insert(ReviewPair).values(
                    person_a=low, person_b=high, probability=p, priority=1 - abs(p - 0.749)
                )
            )
        s.commit()
