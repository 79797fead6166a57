"""Victim protection: revealing needs the permission, need-to-know, a reason, and is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nervecentre.cases.people import CaseRole, Person
from nervecentre.errors import InvalidValue, NotFound, PermissionDenied
from nervecentre.security import audit
from nervecentre.security.reveal import reveal_victim
from tests.security.conftest import World

REASON = "court summons to victim for deposition"


def _person(world: World, case_id: int, role: str, name: str = "") -> int:
    with world.db.session() as s:
        query = (
            select(Person)
            .join(CaseRole, CaseRole.person_id == Person.id)
            .where(CaseRole.case_id == case_id, CaseRole.role == role)
            .order_by(Person.id)
        )
        people = s.scalars(query).all()
    return next(p.id for p in people if not name or name in p.name)


def test_investigator_with_a_reason_sees_the_victim_and_it_is_audited(world: World) -> None:
    victim = _person(world, world.case_a, "victim")
    revealed = reveal_victim(world.db, world.users["inv"], victim, REASON, ip="10.0.0.9")
    assert revealed["name"] == "Rina Das" and revealed["contact"]
    assert set(revealed) == {"name", "address", "contact"}
    entry = audit.tail(world.db, 1)[0]
    assert (entry.action, entry.actor, entry.target_type, entry.ip) == (
        "victim.reveal", "inv", "person", "10.0.0.9",
    )  # fmt: skip
    assert entry.details["reason"] == REASON and entry.details["cases"] == [world.case_a]
    # The audit log keeps why and who, never what was revealed.
    assert "Rina" not in entry.detail and revealed["contact"] not in entry.detail
    assert entry.details["code"].startswith("V-")


def test_viewer_and_analyst_are_denied(world: World) -> None:
    victim = _person(world, world.case_a, "victim")
    for name in ("view", "ana"):
        with pytest.raises(PermissionDenied, match=r"victim\.reveal"):
            reveal_victim(world.db, world.users[name], victim, REASON)
    assert all(e.action != "victim.reveal" for e in audit.tail(world.db, 50))


@pytest.mark.parametrize(
    "reason",
    ["", "   ", "need it", "x" * 9, "\x00" * 10, "\u200b" * 10, "\u202e\u200d" * 6, "1234567890"],
)
def test_a_real_reason_is_required(world: World, reason: str) -> None:
    victim = _person(world, world.case_a, "victim")
    with pytest.raises(InvalidValue, match="at least 10 characters"):
        reveal_victim(world.db, world.users["inv"], victim, reason)
    assert all(e.action != "victim.reveal" for e in audit.tail(world.db, 50))


def test_the_reason_is_kept_without_invisible_characters(world: World) -> None:
    victim = _person(world, world.case_a, "victim")
    reveal_victim(world.db, world.users["inv"], victim, "court\u200b summons\x00 to victim")
    assert audit.tail(world.db, 1)[0].details["reason"] == "court summons to victim"


def test_victims_of_other_units_cases_are_not_found(world: World) -> None:
    other = _person(world, world.case_b, "victim")
    with pytest.raises(NotFound):
        reveal_victim(world.db, world.users["inv"], other, REASON)
    with pytest.raises(NotFound):
        reveal_victim(world.db, world.users["inv"], 999_999, REASON)
    assert reveal_victim(world.db, world.users["admin"], other, REASON)["name"]


def test_only_protected_people_are_revealed(world: World) -> None:
    accused = _person(world, world.case_a, "accused")
    with pytest.raises(InvalidValue, match="not a protected person"):
        reveal_victim(world.db, world.users["inv"], accused, REASON)
