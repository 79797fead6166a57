"""The review queue's order and need-to-know, and the kept explanation matching a fresh one."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from nervecentre.errors import NotFound, PermissionDenied
from nervecentre.imports import import_register
from nervecentre.resolve import explaining, review
from nervecentre.resolve.registry import explain_registry_pair, resolve_registry
from nervecentre.security.fields import cipher_for
from nervecentre.store.db import Database
from tests.imports.registers import row, write_csv
from tests.security.conftest import UNIT_A, make_world
from tests.web.resolve_support import Resolved, person_in, queue, resolved_world


@pytest.fixture
def resolved(db: Database, tmp_path: Path) -> tuple[Database, Resolved]:
    world = make_world(db, tmp_path)
    return db, resolved_world(world, tmp_path)


def test_the_queue_is_ordered_by_doubt_times_records_joined(
    resolved: tuple[Database, Resolved],
) -> None:
    db, r = resolved
    from nervecentre.security import users

    admin = users.get_user(db, "admin")
    pairs = review.review_queue(db, admin, per_page=200).pairs
    for p in pairs:
        h = -(p.probability * math.log2(p.probability))
        h -= (1 - p.probability) * math.log2(1 - p.probability)
        assert p.value == pytest.approx(h * math.log2(1 + p.records_joined), abs=1e-3)
    assert [p.value for p in pairs] == sorted((p.value for p in pairs), reverse=True)
    # At the same doubt, the pair joining Salim's entity (more records) comes first.
    queue(db, [(r.xss_a, r.sunil_a, 0.6)])
    ordered = [{p.person_a, p.person_b} for p in review.review_queue(db, admin).pairs]
    assert ordered.index({r.salim_a, r.gawade_b}) < ordered.index({r.xss_a, r.sunil_a})
    with pytest.raises(PermissionDenied):
        review.review_queue(db, users.get_user(db, "view"))


def test_the_kept_explanation_is_the_fresh_one_and_follows_new_records(
    resolved: tuple[Database, Resolved], tmp_path: Path
) -> None:
    db, r = resolved
    cipher = cipher_for(db.settings)
    explaining.forget()
    kept = explaining.explain_records(db, cipher, r.salim_a, r.salim_b)
    assert kept == explain_registry_pair(db, cipher, r.salim_a, r.salim_b)
    assert explaining.explain_records(db, cipher, r.salim_a, r.salim_b) == kept
    import_register(
        db,
        write_csv(
            tmp_path / "new.csv",
            [row(15, Accused="Mohd Salim Shaikh (M/34)", Victims="", Arrests="")],
        ),
    )
    newest = person_in(db, UNIT_A, "Mohd Salim", ("15",))
    assert explaining.explain_records(db, cipher, r.salim_a, newest)[0] > 0.5
    resolve_registry(db, "cli:test", cipher, full=True)
    again = explaining.explain_records(db, cipher, r.salim_a, r.salim_b)
    assert again == explain_registry_pair(db, cipher, r.salim_a, r.salim_b)
    with pytest.raises(NotFound):
        explaining.explain_records(db, cipher, r.salim_a, 10**9)
