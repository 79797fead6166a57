"""API tokens: shown once, stored as SHA-256, revocable, expiring."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from nervecentre.errors import InvalidValue, NotFound, PermissionDenied
from nervecentre.security import audit, scopes, tokens, users
from nervecentre.security.models import ApiToken
from nervecentre.security.roles import can, require
from nervecentre.security.users import AuthenticationFailed
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database
from tests.security.conftest import World


def test_token_is_shown_once_and_stored_as_sha256(world: World) -> None:
    _, token = tokens.create_token(world.db, "ana", "nightly export", actor="test")
    assert token.startswith(tokens.TOKEN_PREFIX) and len(token) >= 40
    with world.db.session() as s:
        stored = s.scalars(select(ApiToken)).one()
        assert stored.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (stored.prefix, stored.name) and stored.prefix == token[:10]
    user = tokens.authenticate_token(world.db, token)
    assert user.username == "ana" and user.unit_codes == world.users["ana"].unit_codes
    entry = audit.tail(world.db, 1)[0]
    assert entry.action == "token.create" and token not in entry.detail
    assert tokens.list_tokens(world.db, "ana")[0].last_used_at is not None


def test_unknown_revoked_and_expired_tokens_are_refused(world: World) -> None:
    now = utcnow()
    record, token = tokens.create_token(
        world.db, "inv", "script", actor="test", expires_at=now + timedelta(days=1)
    )
    assert tokens.authenticate_token(world.db, token, now=now).username == "inv"
    with pytest.raises(AuthenticationFailed, match="expired"):
        tokens.authenticate_token(world.db, token, now=now + timedelta(days=1, seconds=1))
    with pytest.raises(AuthenticationFailed, match="unknown"):
        tokens.authenticate_token(world.db, token[:-2] + "xx")
    with pytest.raises(AuthenticationFailed, match="not a nervecentre"):
        tokens.authenticate_token(world.db, "Bearer something")
    tokens.revoke_token(world.db, record.id, actor="test")
    with pytest.raises(AuthenticationFailed, match="revoked"):
        tokens.authenticate_token(world.db, token, now=now)
    assert audit.tail(world.db, 1)[0].action == "token.revoke"
    with pytest.raises(NotFound):
        tokens.revoke_token(world.db, 999, actor="test")


def test_disabled_users_tokens_stop_working(world: World) -> None:
    _, token = tokens.create_token(world.db, "view", "report", actor="test")
    users.disable_user(world.db, "view", actor="test")
    with pytest.raises(AuthenticationFailed, match="revoked"):
        tokens.authenticate_token(world.db, token)


def test_users_manage_their_own_tokens_only(world: World) -> None:
    inv, ana, admin = (world.users[n] for n in ("inv", "ana", "admin"))
    own, _ = tokens.create_token(world.db, "inv", "mine", actor=inv)
    with pytest.raises(PermissionDenied):
        tokens.create_token(world.db, "ana", "not mine", actor=inv)
    with pytest.raises(PermissionDenied):
        tokens.revoke_token(world.db, own.id, actor=ana)
    tokens.revoke_token(world.db, own.id, actor=admin)
    with pytest.raises(InvalidValue, match="name"):
        tokens.create_token(world.db, "inv", "  ", actor=inv)


def test_tokens_expire_after_the_default_days_unless_told(world: World) -> None:
    before = utcnow()
    record, _ = tokens.create_token(world.db, "inv", "nightly", actor="test")
    days, _ = tokens.create_token(world.db, "inv", "weekly", actor="test", days=7)
    after = utcnow()
    assert record.expires_at is not None and days.expires_at is not None
    assert before + timedelta(days=90) <= record.expires_at <= after + timedelta(days=90)
    assert before + timedelta(days=7) <= days.expires_at <= after + timedelta(days=7)
    with pytest.raises(InvalidValue, match="days"):
        tokens.create_token(world.db, "inv", "bad", actor="test", days=0)
    entry = audit.find(world.db, action="token.create")[0]
    assert entry.details["scope"] == "read-only" and entry.details["expires_at"]


def test_a_zero_setting_lets_tokens_live_until_revoked(world: World) -> None:
    settings = dataclasses.replace(world.db.settings, api_token_days=0)
    db = Database(settings)
    try:
        record, _ = tokens.create_token(db, "inv", "forever", actor="test")
        assert record.expires_at is None
    finally:
        db.dispose()


def test_scopes_are_declared_and_a_read_only_token_changes_nothing(world: World) -> None:
    assert set(scopes.scope_names()) >= {"read-only", "read-write"}
    assert scopes.default_scope() == "read-only"
    _, reader = tokens.create_token(world.db, "inv", "reports", actor="test")
    _, writer = tokens.create_token(world.db, "inv", "sync", actor="test", scope="read-write")
    read_user = tokens.authenticate_token(world.db, reader)
    write_user = tokens.authenticate_token(world.db, writer)
    assert can(read_user, "case.view") and not can(read_user, "case.create")
    assert not can(read_user, "victim.reveal")
    with pytest.raises(PermissionDenied, match="read-only"):
        require(read_user, "case.edit")
    assert can(write_user, "case.create")  # the same user, another token: its own scope
    assert tokens.authenticate_token(world.db, reader).scope is read_user.scope
    # A scope never adds to the role: a viewer's read-write token still changes nothing.
    _, viewer = tokens.create_token(world.db, "view", "v", actor="test", scope="read-write")
    assert not can(tokens.authenticate_token(world.db, viewer), "case.create")
    with pytest.raises(InvalidValue, match="read-only, read-write"):
        tokens.create_token(world.db, "inv", "bad", actor="test", scope="admin")
    assert [t.scope for t in tokens.list_tokens(world.db, "inv")] == ["read-write", "read-only"]


def test_a_read_only_token_cannot_revoke_or_mint_tokens(world: World) -> None:
    # A leaked read-only token must change nothing: not the user's other tokens (a script's
    # read-write token revoked is a change), nor a fresh token outliving its own expiry.
    writer, _ = tokens.create_token(world.db, "inv", "sync", actor="test", scope="read-write")
    _, reader = tokens.create_token(world.db, "inv", "reports", actor="test")
    read_user = tokens.authenticate_token(world.db, reader)
    with pytest.raises(PermissionDenied, match="read-only: it cannot manage tokens"):
        tokens.revoke_token(world.db, writer.id, actor=read_user)
    with pytest.raises(PermissionDenied, match="read-only"):
        tokens.create_token(world.db, "inv", "longer", actor=read_user, days=365)
    assert all(t.revoked_at is None for t in tokens.list_tokens(world.db, "inv"))
    assert len(tokens.list_tokens(world.db, "inv")) == 2
    # A read-write token (all that the role allows) still manages its user's tokens.
    _, full = tokens.create_token(world.db, "inv", "admin", actor="test", scope="read-write")
    tokens.revoke_token(world.db, writer.id, actor=tokens.authenticate_token(world.db, full))
