"""A scene for the audit log's need-to-know tests: an edit, views and searches of two units'
cases, then case A restricted to named users."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from nervecentre.cases import edit, views
from nervecentre.cases.people import CaseRole
from nervecentre.search.cases import search_cases
from nervecentre.search.query import parse_query
from nervecentre.security import grants, users
from tests.security.conftest import PASSWORD, UNIT_A, UNIT_B, World

FACTS = "Accused is a constable of this very unit (restricted facts)"
PHONE = "9876543210"


@dataclass
class Scene:
    """The world, after an edit and a view of case A, a search by inv-b and a restriction."""

    world: World
    victim_b: int


def _victim(world: World, case_id: int) -> int:
    with world.db.session() as s:
        query = select(CaseRole.person_id).where(
            CaseRole.case_id == case_id, CaseRole.role == "victim"
        )
        return int(s.scalars(query).first() or 0)


def make_scene(world: World, *, restrict: bool = True) -> Scene:
    db = world.db
    users.create_user(db, "sup-b", PASSWORD, "supervisor", actor="test", units=[UNIT_B])
    users.create_user(db, "aud", PASSWORD, "auditor", actor="test")
    users.create_user(db, "sup-named", PASSWORD, "supervisor", actor="test", units=[UNIT_A])
    inv = world.user("inv")
    edit.update_case(db, inv, world.case_a, {"brief_facts": FACTS})
    views.case_detail(db, inv, world.case_a)
    views.case_detail(db, world.user("inv-b"), world.case_b)
    search_cases(db, world.user("inv-b"), parse_query({"q": PHONE}))
    search_cases(db, world.user("sup"), parse_query({"q": "sup-own-terms"}))
    if restrict:
        admin, named = world.user("admin"), ["inv", "sup-named"]
        grants.restrict_case(db, admin, world.case_a, named, "accused is staff")
    return Scene(world, _victim(world, world.case_b))
