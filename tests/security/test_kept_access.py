"""Kept access decisions: a token's user and a user's visibility are kept per process, and
every change to who may see what applies to the very next request (on SQLite and on
PostgreSQL, whose counters move as a transaction commits).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from nervecentre.security import access, grants, tokens, users
from nervecentre.security.access import Visibility, visibility
from nervecentre.security.models import User
from nervecentre.security.users import AuthenticationFailed
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database
from tests.security.conftest import UNIT_A, UNIT_B, World

REASON = "joint probe of the trafficking network"


def _seen(db: Database, user: User, **kw: object) -> Visibility:
    with db.session() as session:
        return visibility(session, user, **kw)  # type: ignore[arg-type]


def _fresh(db: Database, user: User, **kw: object) -> Visibility:
    """What the database says now, nothing kept consulted."""
    access._KEPT.pop(db.engine, None)
    return _seen(db, user, **kw)


def _raw(db: Database, statement: str, **params: object) -> None:
    """A change made straight in SQL, as another tool or a restore could."""
    with db.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_a_kept_token_follows_every_change(world: World) -> None:
    db = world.db
    now = utcnow()
    _record, token = tokens.create_token(
        db, "ana", "nightly", actor="test", expires_at=now + timedelta(days=1)
    )
    first = tokens.authenticate_token(db, token)
    again = tokens.authenticate_token(db, token)
    assert again.username == "ana"
    assert again is first  # kept: neither the token nor the user was read again

    changes: list[tuple[Callable[[], object], Callable[[User], bool]]] = [
        (lambda: users.set_role(db, "ana", "viewer", actor="test"), lambda u: u.role == "viewer"),
        (
            lambda: users.set_units(db, "ana", [UNIT_B], actor="test"),
            lambda u: [x.unit_code for x in u.units] == [UNIT_B],
        ),
        (
            lambda: _raw(db, "UPDATE users SET display_name = 'Ana K.' WHERE username = 'ana'"),
            lambda u: u.display_name == "Ana K.",
        ),
        (
            lambda: _raw(
                db,
                "INSERT INTO user_units (user_id, unit_code) "
                "SELECT id, :unit FROM users WHERE username = 'ana'",
                unit=UNIT_A,
            ),
            lambda u: sorted(x.unit_code for x in u.units) == sorted([UNIT_A, UNIT_B]),
        ),
    ]
    for change, holds in changes:
        change()
        assert holds(tokens.authenticate_token(db, token))
    # Expiry is the clock's: a kept token expires on time.
    with pytest.raises(AuthenticationFailed, match="expired"):
        tokens.authenticate_token(db, token, now=now + timedelta(days=1, seconds=1))
    # (users.disable_user revokes the user's tokens too: tests/security/test_users.py.)
    _raw(db, "UPDATE users SET active = false WHERE username = 'ana'")
    with pytest.raises(AuthenticationFailed, match="disabled"):
        tokens.authenticate_token(db, token)
    _raw(db, "UPDATE users SET active = true WHERE username = 'ana'")
    tokens.authenticate_token(db, token)
    _raw(db, "UPDATE api_tokens SET revoked_at = :at WHERE name = 'nightly'", at=now)
    with pytest.raises(AuthenticationFailed, match="revoked"):
        tokens.authenticate_token(db, token)
    _raw(db, "DELETE FROM api_tokens WHERE name = 'nightly'")
    with pytest.raises(AuthenticationFailed, match="unknown"):
        tokens.authenticate_token(db, token)


def test_use_is_recorded_once_a_minute_even_when_kept(world: World) -> None:
    db = world.db
    record, token = tokens.create_token(db, "inv", "script", actor="test")
    now = utcnow()
    tokens.authenticate_token(db, token, now=now)
    tokens.authenticate_token(db, token, now=now + timedelta(seconds=30))
    assert tokens.list_tokens(db, "inv")[0].last_used_at == now
    later = now + timedelta(seconds=61)
    tokens.authenticate_token(db, token, now=later)
    assert tokens.list_tokens(db, "inv")[0].last_used_at == later
    assert record.id == tokens.list_tokens(db, "inv")[0].id


def test_kept_visibility_follows_every_change(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = world.db
    ana = world.user("ana")
    start = _seen(db, ana)
    assert start == _fresh(db, ana) and start.units == (UNIT_A,)
    _seen(db, ana)  # read and kept
    monkeypatch.setattr(access, "_read_visibility", None)  # any read would fail loudly
    assert _seen(db, ana) == start
    monkeypatch.undo()

    grant_ids: list[int] = []

    def grant_unit() -> None:
        grant_ids.append(grants.grant_unit(db, "sup", "ana", UNIT_B, REASON).id)

    steps: list[tuple[str, Callable[[], object]]] = [
        ("unit granted", grant_unit),
        ("case granted", lambda: grants.grant_case(db, "sup", "ana", world.case_b, REASON)),
        ("case restricted", lambda: grants.restrict_case(db, "sup", world.case_a, ["sup"], REASON)),
        ("named on it", lambda: grants.restrict_case(db, "sup", world.case_a, ["ana"], REASON)),
        ("restriction lifted", lambda: grants.unrestrict_case(db, "sup", world.case_a, REASON)),
        ("grant revoked", lambda: grants.revoke_grant(db, "sup", grant_ids[0], REASON)),
        ("units replaced", lambda: users.set_units(db, "ana", [UNIT_B], actor="test")),
        ("SQL: units gone", lambda: _raw(
            db, "DELETE FROM user_units WHERE user_id = :u", u=ana.id)),
        ("SQL: restricted", lambda: _raw(
            db, "INSERT INTO case_restrictions (case_id, restricted_by, reason, restricted_at) "
            "VALUES (:c, 'sql', 'r', :at)", c=world.case_b, at=utcnow())),
        ("SQL: named", lambda: _raw(
            db, "INSERT INTO case_restriction_users (case_id, user_id) VALUES (:c, :u)",
            c=world.case_b, u=ana.id)),
        ("SQL: grant revoked", lambda: _raw(
            db, "UPDATE access_grants SET revoked_at = :at WHERE grantee_id = :u",
            at=utcnow(), u=ana.id)),
    ]  # fmt: skip
    seen = {start}
    for step, change in steps:
        change()
        kept = _seen(db, ana)
        assert kept == _seen(db, ana) == _fresh(db, ana), step
        seen.add(kept)
    assert len(seen) >= 8  # the steps did change what ana sees


def test_kept_visibility_ends_when_a_grant_expires(world: World) -> None:
    db = world.db
    now = utcnow()
    ends = now + timedelta(minutes=10)
    grants.grant_unit(db, "sup", "ana", UNIT_B, REASON, expires_at=ends)
    grants.grant_case(db, "sup", "ana", world.case_b, REASON, expires_at=ends + timedelta(hours=1))
    ana = world.user("ana")
    assert UNIT_B in _seen(db, ana, now=now).units
    assert UNIT_B in _seen(db, ana, now=now + timedelta(minutes=5)).units  # kept, still valid
    after = _seen(db, ana, now=ends + timedelta(seconds=1))
    assert UNIT_B not in after.units and world.case_b in after.cases
    assert after == _fresh(db, ana, now=ends + timedelta(seconds=1))
    later = _seen(db, ana, now=ends + timedelta(hours=2))
    assert later.cases == () and later == _fresh(db, ana, now=ends + timedelta(hours=2))
    # A time before the one a kept answer was read at is never answered from it.
    assert UNIT_B in _seen(db, ana, now=now).units
