"""What a supervisor may manage: the grants and restrictions of what they can see, no more.

Also the small user and throttle operations the admin screens call: lifting a lockout,
a generated password, letting a throttled address try again.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from nervecentre.cases.models import Case
from nervecentre.errors import InvalidValue, NotFound, PermissionDenied
from nervecentre.security import audit, grants, users
from nervecentre.security.throttle import LoginThrottle
from nervecentre.security.users import AuthenticationFailed
from tests.security.conftest import PASSWORD, UNIT_A, UNIT_B, World

REASON = "joint probe with the Palghar AHTU"


def test_a_supervisor_revokes_only_grants_of_what_they_can_see(world: World) -> None:
    u = world.users
    theirs = grants.grant_case(world.db, "test", "inv", world.case_b, REASON)
    unit_b = grants.grant_unit(world.db, "test", "view", UNIT_B, REASON)
    ours = grants.grant_case(world.db, "test", "inv-b", world.case_a, REASON)
    unit_a = grants.grant_unit(world.db, "test", "inv-b", UNIT_A, REASON)
    for hidden in (theirs, unit_b):
        with pytest.raises(NotFound, match=f"no access grant with id {hidden.id}"):
            grants.revoke_grant(world.db, u["sup"], hidden.id, "not theirs to end")
    with pytest.raises(PermissionDenied):
        grants.revoke_grant(world.db, u["inv"], ours.id)  # lacks access.grant: 403, not 404
    assert {g.id for g in grants.list_grants(world.db)} == {
        theirs.id,
        unit_b.id,
        ours.id,
        unit_a.id,
    }
    listed = grants.manageable_grants(world.db, u["sup"])
    assert {g.id for g in listed} == {ours.id, unit_a.id}
    assert {g.id for g in grants.manageable_grants(world.db, u["admin"])} == {
        theirs.id, unit_b.id, ours.id, unit_a.id,
    }  # fmt: skip
    grants.revoke_grant(world.db, u["sup"], ours.id, "probe closed")
    assert grants.manageable_grants(world.db, u["sup"], active_only=False)[-1].id == ours.id
    assert [g.id for g in grants.manageable_grants(world.db, u["sup"])] == [unit_a.id]
    with pytest.raises(PermissionDenied):
        grants.manageable_grants(world.db, u["inv"])


def test_cases_are_found_by_id_or_key_within_need_to_know(world: World) -> None:
    with world.db.session() as s:
        key_b = s.scalar(select(Case.case_key).where(Case.id == world.case_b)) or ""
    sup = world.users["sup"]
    assert grants.find_case(world.db, sup, str(world.case_a)) == world.case_a
    assert grants.find_case(world.db, "cli:ana", key_b) == world.case_b
    for ref in (str(world.case_b), key_b, "9" * 30, "٣"):
        with pytest.raises(NotFound, match="no case"):
            grants.find_case(world.db, sup, ref)
    with pytest.raises(InvalidValue):
        grants.find_case(world.db, sup, "  ")


def test_restrictions_are_listed_to_those_who_see_the_case(world: World) -> None:
    grants.restrict_case(world.db, "test", world.case_a, ["sup", "inv"], REASON)
    grants.restrict_case(world.db, "test", world.case_b, ["inv-b"], "accused is a colleague")
    (row,) = grants.restrictions(world.db, world.users["sup"])
    assert (row.case_id, row.users, row.reason) == (world.case_a, ("inv", "sup"), REASON)
    assert {r.case_id for r in grants.restrictions(world.db, world.users["admin"])} == {
        world.case_a,
        world.case_b,
    }
    assert grants.grantable_units(world.users["sup"]) == [UNIT_A]
    assert grants.grantable_units(world.users["admin"]) is None


def test_unlocking_and_a_generated_password(world: World) -> None:
    for _ in range(world.db.settings.login_max_failures):
        with pytest.raises(AuthenticationFailed):
            users.authenticate(world.db, "inv", "not the password")
    assert world.user("inv").locked_until is not None
    with pytest.raises(PermissionDenied):
        users.unlock_user(world.db, "inv", actor=world.users["sup"])
    users.unlock_user(world.db, "inv", actor=world.users["admin"])
    users.authenticate(world.db, "inv", PASSWORD)
    password = users.reset_password(world.db, "inv", actor="cli:ana")
    assert len(password) >= 19 and password != users.reset_password(world.db, "inv", actor="t")
    with pytest.raises(AuthenticationFailed):
        users.authenticate(world.db, "inv", password)  # the second one replaced it
    entries = audit.find(world.db, action="user.update", target_id="inv", limit=3)
    assert [e.details.get("lock") or e.details.get("password") for e in entries] == [
        "changed",
        "changed",
        "lifted",
    ]


def test_a_throttled_address_is_listed_and_cleared(world: World) -> None:
    throttle = LoginThrottle(world.db, 3)
    for ip in ("10.0.0.7", "10.0.0.7", "10.0.0.7", "10.0.0.8"):
        throttle.failed(ip)
    assert throttle.waiting() == [("10.0.0.7", 3)]
    with pytest.raises(PermissionDenied):
        throttle.clear("10.0.0.7", actor=world.users["sup"])
    with pytest.raises(InvalidValue, match="not an IP address"):
        throttle.clear("10.0.0.7; DROP TABLE users", actor="test")
    assert throttle.clear(" 10.0.0.7 ", actor=world.users["admin"], ip="127.0.0.1") == 3
    assert throttle.waiting() == [] and throttle.retry_after("10.0.0.8") == 0
    entry = audit.find(world.db, action="auth.throttle.clear")[0]
    assert (entry.target_id, entry.details, entry.ip) == ("10.0.0.7", {"failures": 3}, "127.0.0.1")
