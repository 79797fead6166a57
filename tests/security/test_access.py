"""Need-to-know: own units only, grants widen it, restrictions narrow it, all in SQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from nervecentre.cases.models import Case
from nervecentre.cases.people import Person
from nervecentre.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from nervecentre.security import access, audit, grants
from nervecentre.security.models import User
from nervecentre.store.base import utcnow
from tests.security.conftest import UNIT_A, UNIT_B, World

REASON = "joint probe of the Boisar network"


def visible(world: World, user: User, **kw: object) -> set[int]:
    with world.db.session() as s:
        return set(s.scalars(select(Case.id).where(access.visible_cases_filter(user, **kw))))  # type: ignore[arg-type]


def test_users_see_their_own_units_and_admins_see_all(world: World) -> None:
    u = world.users
    assert visible(world, u["inv"]) == {world.case_a}
    assert visible(world, u["view"]) == {world.case_a}
    assert visible(world, u["inv-b"]) == {world.case_b}
    assert visible(world, u["admin"]) == {world.case_a, world.case_b}
    # The filter works inside counts and joins too: statistics are need-to-know as well.
    with world.db.session() as s:
        count = select(func.count()).select_from(Case).where(access.visible_cases_filter(u["inv"]))
        assert s.scalar(count) == 1


def test_guessing_another_units_case_id_gives_not_found(world: World) -> None:
    inv = world.users["inv"]
    assert access.can_view_case(world.db, inv, world.case_a)
    assert not access.can_view_case(world.db, inv, world.case_b)
    with pytest.raises(NotFound, match=f"no case with id {world.case_b}") as hidden:
        access.require_case(world.db, inv, world.case_b)
    with pytest.raises(NotFound) as missing:
        access.require_case(world.db, inv, 999_999)
    # Same message shape for "hidden" and "missing": nothing confirms that a case exists.
    assert str(hidden.value).replace(str(world.case_b), "N") == str(missing.value).replace(
        "999999", "N"
    )
    assert access.require_case(world.db, inv, world.case_a).unit_code == UNIT_A


def test_case_grant_shows_the_case_until_it_expires_or_is_revoked(world: World) -> None:
    inv = world.users["inv"]
    now = utcnow()
    grant = grants.grant_case(
        world.db, world.users["admin"], "inv", world.case_b, REASON,
        expires_at=now + timedelta(days=7),
    )  # fmt: skip
    assert visible(world, inv, now=now) == {world.case_a, world.case_b}
    assert access.require_case(world.db, inv, world.case_b).unit_code == UNIT_B
    assert visible(world, inv, now=now + timedelta(days=8)) == {world.case_a}
    entry = audit.tail(world.db, 1)[0]
    assert (entry.action, entry.actor, entry.target_type) == ("access.grant", "admin", "case")
    assert entry.details["reason"] == REASON and entry.details["grantee"] == "inv"
    grants.revoke_grant(world.db, "test", grant.id, "probe finished")
    assert visible(world, inv, now=now) == {world.case_a}
    assert audit.tail(world.db, 1)[0].action == "access.revoke"
    with pytest.raises(Conflict):
        grants.revoke_grant(world.db, "test", grant.id)
    assert grants.list_grants(world.db, "inv") == []
    assert len(grants.list_grants(world.db, "inv", active_only=False)) == 1


def test_unit_grant_shows_every_case_of_the_unit(world: World) -> None:
    grants.grant_unit(world.db, "test", "ana", UNIT_B, "covering for leave in Boisar")
    assert visible(world, world.users["ana"]) == {world.case_a, world.case_b}
    with pytest.raises(InvalidValue, match="unknown unit"):
        grants.grant_unit(world.db, "test", "ana", "MH-NOWHERE", REASON)


def test_who_may_grant_what(world: World) -> None:
    u = world.users
    with pytest.raises(PermissionDenied, match=r"access\.grant"):
        grants.grant_case(world.db, u["inv"], "view", world.case_a, REASON)
    with pytest.raises(PermissionDenied, match="themselves"):
        grants.grant_unit(world.db, u["sup"], "sup", UNIT_A, REASON)
    # A supervisor grants only what they see: their units, their visible cases.
    with pytest.raises(PermissionDenied, match="own units"):
        grants.grant_unit(world.db, u["sup"], "view", UNIT_B, REASON)
    with pytest.raises(NotFound):
        grants.grant_case(world.db, u["sup"], "view", world.case_b, REASON)
    grants.grant_unit(world.db, u["sup"], "inv-b", UNIT_A, REASON)
    assert visible(world, u["inv-b"]) == {world.case_a, world.case_b}
    with pytest.raises(InvalidValue, match="reason"):
        grants.grant_case(world.db, u["admin"], "inv", world.case_b, "because")
    with pytest.raises(InvalidValue, match="past"):
        grants.grant_case(world.db, u["admin"], "inv", world.case_b, REASON, expires_at=utcnow())


def test_restricted_case_is_seen_by_named_users_and_admins_only(world: World) -> None:
    u = world.users
    names = grants.restrict_case(
        world.db, u["sup"], world.case_a, ["inv", "inv-b"], "the accused is a colleague"
    )
    assert names == ["inv", "inv-b"] and grants.restricted_to(world.db, world.case_a) == names
    assert world.case_a in visible(world, u["inv"])
    assert world.case_a in visible(world, u["inv-b"])  # named, though not of the unit
    assert world.case_a in visible(world, u["admin"])
    for name in ("sup", "ana", "view"):  # unit members, the supervisor included, do not
        assert world.case_a not in visible(world, u[name]), name
    # A grant does not pierce a restriction.
    grants.grant_case(world.db, u["admin"], "view", world.case_a, REASON)
    assert world.case_a not in visible(world, u["view"])
    # Restricting again replaces the list; lifting it restores the unit rules.
    grants.restrict_case(world.db, "test", world.case_a, ["inv"], "narrowed after review")
    assert world.case_a not in visible(world, u["inv-b"])
    assert audit.tail(world.db, 1)[0].details["before"] == ["inv", "inv-b"]
    grants.unrestrict_case(world.db, "test", world.case_a, "departmental inquiry closed")
    assert world.case_a in visible(world, u["view"]) and world.case_a in visible(world, u["sup"])
    assert grants.restricted_to(world.db, world.case_a) is None
    with pytest.raises(Conflict):
        grants.unrestrict_case(world.db, "test", world.case_a, "departmental inquiry closed")


def test_people_are_visible_through_their_cases(world: World) -> None:
    inv = world.users["inv"]
    with world.db.session() as s:
        seen = set(s.scalars(select(Person.id).where(access.visible_people_filter(inv))))
        total = s.scalar(select(func.count()).select_from(Person))
        hidden = s.scalars(select(Person.id).where(Person.id.not_in(seen))).all()
    assert seen and hidden and len(seen) + len(hidden) == total
    pid = next(iter(seen))
    assert access.can_view_person(world.db, inv, pid)
    assert not access.can_view_person(world.db, inv, hidden[0])
    with pytest.raises(NotFound):
        access.require_person(world.db, inv, hidden[0])
    person = access.open_person(world.db, inv, pid, ip="10.1.1.1")
    entry = audit.tail(world.db, 1)[0]
    assert (entry.action, entry.target_id, entry.ip) == ("person.view", str(pid), "10.1.1.1")
    assert entry.details == {"code": person.code}


def test_open_case_audits_the_view(world: World) -> None:
    case = access.open_case(world.db, world.users["view"], world.case_a, ip="10.1.1.2")
    entry = audit.tail(world.db, 1)[0]
    assert (entry.action, entry.actor, entry.target_id) == ("case.view", "view", str(case.id))
    with pytest.raises(NotFound):
        access.open_case(world.db, world.users["view"], world.case_b)
