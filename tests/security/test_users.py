"""Users: Argon2id passwords, the password policy, sign-in, throttling and lockout."""

from __future__ import annotations

import dataclasses
import threading
from contextlib import suppress
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from nervecentre.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from nervecentre.security import audit, sessions, tokens, users
from nervecentre.security.models import WebSession
from nervecentre.security.users import AuthenticationFailed, authenticate
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database
from tests.security.conftest import PASSWORD, UNIT_A, World


def test_passwords_are_argon2id_and_verify() -> None:
    digest = users.hash_password(PASSWORD)
    assert digest.startswith("$argon2id$") and PASSWORD not in digest
    assert users.verify_password(digest, PASSWORD)
    assert not users.verify_password(digest, PASSWORD + "!")
    assert not users.verify_password("not-a-hash", PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12 characters"),
        ("elevenchars", "at least 12 characters"),
        ("x" * 257, "at most 256"),
        ("Sub.Inspector", "must not be the username"),
    ],
)
def test_password_policy_explains_what_is_wrong(password: str, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        users.check_password(password, "sub.inspector")


def test_password_min_length_setting_can_only_raise_the_floor(db: Database) -> None:
    strict = dataclasses.replace(db.settings, password_min_length=20)
    with pytest.raises(InvalidValue, match="at least 20"):
        users.check_password("a" * 19, "someone", strict)
    lax = dataclasses.replace(db.settings, password_min_length=4)
    with pytest.raises(InvalidValue, match="at least 12"):
        users.check_password("a" * 11, "someone", lax)


def test_create_user_validates_and_audits(db: Database) -> None:
    user = users.create_user(
        db, " A.Patil ", PASSWORD, "investigator", actor="test", units=["mh-thr-shahapur"]
    )
    assert user.username == "a.patil" and user.unit_codes == [UNIT_A] and user.active
    assert user.password_hash.startswith("$argon2id$")
    with pytest.raises(Conflict):
        users.create_user(db, "a.patil", PASSWORD, "viewer", actor="test")
    with pytest.raises(InvalidValue, match="unknown role"):
        users.create_user(db, "b.more", PASSWORD, "superuser", actor="test")
    with pytest.raises(InvalidValue, match="unknown unit"):
        users.create_user(db, "b.more", PASSWORD, "viewer", actor="test", units=["NOPE"])
    with pytest.raises(InvalidValue, match="username"):
        users.create_user(db, "b more!", PASSWORD, "viewer", actor="test")
    entry = audit.tail(db, 1)[0]
    assert (entry.action, entry.target_id, entry.actor) == ("user.create", "a.patil", "test")
    assert entry.details["units"] == [UNIT_A] and PASSWORD not in entry.detail


def test_only_user_managers_change_users(world: World) -> None:
    sup = world.users["sup"]
    with pytest.raises(PermissionDenied, match=r"user\.manage"):
        users.create_user(world.db, "x.y", PASSWORD, "viewer", actor=sup)
    with pytest.raises(PermissionDenied):
        users.set_role(world.db, "view", "admin", actor=world.users["view"])
    changed = users.set_role(world.db, "view", "analyst", actor=world.users["admin"])
    assert changed.role == "analyst"
    entry = audit.tail(world.db, 1)[0]
    assert entry.action == "user.update" and entry.actor == "admin"
    assert entry.details == {"before": {"role": "viewer"}, "after": {"role": "analyst"}}


def test_login_success_and_failure_are_audited(world: World) -> None:
    user = authenticate(world.db, "INV", PASSWORD, ip="10.0.0.5")
    assert user.username == "inv" and user.last_login_at is not None
    with pytest.raises(AuthenticationFailed, match="wrong username or password") as info:
        authenticate(world.db, "inv", "wrong password!", ip="10.0.0.5")
    assert info.value.http_status == 401
    with pytest.raises(AuthenticationFailed, match="wrong username or password"):
        authenticate(world.db, "nobody", PASSWORD)
    ok, bad, unknown = audit.tail(world.db, 3)
    assert (ok.action, ok.actor, ok.ip) == ("auth.login.success", "inv", "10.0.0.5")
    assert (bad.action, bad.target_id, bad.details) == (
        "auth.login.failure", "inv", {"reason": "wrong password"},
    )  # fmt: skip
    assert unknown.details == {"reason": "unknown user"}
    assert "wrong password!" not in bad.detail


def test_lockout_after_failures_and_unlock_after_the_time(world: World) -> None:
    db, now = world.db, utcnow()
    limit, minutes = db.settings.login_max_failures, db.settings.login_lockout_minutes
    for _ in range(limit - 1):
        with pytest.raises(AuthenticationFailed, match="wrong"):
            authenticate(db, "inv", "not the password", now=now)
    # A success before the limit resets the count.
    authenticate(db, "inv", PASSWORD, now=now)
    for _ in range(limit):
        with pytest.raises(AuthenticationFailed, match="wrong"):
            authenticate(db, "inv", "not the password", now=now)
    # Locked: even the right password is refused, without being checked.
    with pytest.raises(AuthenticationFailed, match="locked"):
        authenticate(db, "inv", PASSWORD, now=now + timedelta(minutes=minutes - 1))
    assert audit.tail(db, 1)[0].details["reason"] == "locked"
    user = authenticate(db, "inv", PASSWORD, now=now + timedelta(minutes=minutes, seconds=1))
    assert user.failed_logins == 0 and user.locked_until is None


def test_lockout_can_be_turned_off(world: World) -> None:
    world.db.settings = dataclasses.replace(world.db.settings, login_max_failures=0)
    for _ in range(8):
        with pytest.raises(AuthenticationFailed, match="wrong"):
            authenticate(world.db, "inv", "not the password")
    assert authenticate(world.db, "inv", PASSWORD).username == "inv"


def test_disabled_users_cannot_sign_in_and_admin_reset_unlocks(world: World) -> None:
    users.disable_user(world.db, "view", actor="test")
    with pytest.raises(AuthenticationFailed, match="disabled"):
        authenticate(world.db, "view", PASSWORD)
    with pytest.raises(AuthenticationFailed, match="wrong username or password"):
        authenticate(world.db, "view", "wrong and disabled")  # no hint without the password
    users.enable_user(world.db, "view", actor="test")
    assert authenticate(world.db, "view", PASSWORD).active
    users.set_password(world.db, "view", "a brand new passphrase", actor="test")
    with pytest.raises(AuthenticationFailed):
        authenticate(world.db, "view", PASSWORD)
    assert authenticate(world.db, "view", "a brand new passphrase").username == "view"
    assert audit.find(world.db, action="user.update", target_id="view")[0].details == {
        "password": "changed",
        "sessions_ended": 0,
        "tokens_revoked": 0,
    }


def test_weak_hashes_are_upgraded_on_login(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    monkeypatch.setattr(users, "hasher", lambda: stronger)
    old = world.user("inv").password_hash
    assert "t=1" in old
    authenticate(world.db, "inv", PASSWORD)
    new = world.user("inv").password_hash
    assert new != old and "t=2" in new and stronger.verify(new, PASSWORD)


def test_change_own_password_needs_the_current_one(world: World) -> None:
    inv = world.users["inv"]
    with pytest.raises(AuthenticationFailed):
        users.change_own_password(world.db, inv, "not my password", "another long passphrase")
    users.change_own_password(world.db, inv, PASSWORD, "another long passphrase")
    assert authenticate(world.db, "inv", "another long passphrase").username == "inv"


def test_unknown_user_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound, match="no user named"):
        users.get_user(db, "ghost")


def _credentials(world: World, username: str) -> tuple[str, str]:
    """A signed-in session (cookie token) and an API token of a user."""
    user = world.user(username)
    cookie, _csrf = sessions.start_session(world.db, user, ip="10.0.0.1")
    _record, token = tokens.create_token(world.db, username, "nightly", actor="test")
    assert sessions.resume_session(world.db, cookie) is not None
    assert tokens.authenticate_token(world.db, token).username == username
    return cookie, token


def test_a_reset_during_a_sign_in_leaves_no_session_opened_with_the_old_password(
    world: World,
) -> None:
    """The password is checked (Argon2, tens of ms), then the session opened. A reset, or a
    disable, committed in between ended the sessions that existed, and then the sign-in
    opened one with the old password that outlived the reset. The session now opens only
    if the password proved and the account are still what they were."""
    for change in ("reset", "disable"):
        user = authenticate(world.db, "inv", PASSWORD)  # proved with the password in force
        if change == "reset":
            users.set_password(world.db, "inv", "a brand new passphrase", actor="test")
        else:
            users.disable_user(world.db, "inv", actor="test")
        with pytest.raises(AuthenticationFailed, match="sign in again"):
            sessions.start_session(world.db, user, ip="10.0.0.1")
        with world.db.session() as s:
            opened = s.scalar(select(func.count()).select_from(WebSession))
        assert opened == 0, change
        if change == "reset":
            users.set_password(world.db, "inv", PASSWORD, actor="test")
    users.enable_user(world.db, "inv", actor="test")
    user = authenticate(world.db, "inv", PASSWORD)
    cookie, _csrf = sessions.start_session(world.db, user)
    assert sessions.resume_session(world.db, cookie) is not None


def test_a_reset_during_a_request_leaves_no_token_made_by_it(world: World) -> None:
    """A request signed in before a reset, making a token after the reset ended every
    credential, made one that outlived the reset. A token made by its owner is now made only
    if the owner's password is still the one the request was signed in with."""
    signed_in = world.user("inv")  # the request's user, read as it began
    users.set_password(world.db, "inv", "a brand new passphrase", actor="test")
    with pytest.raises(AuthenticationFailed, match="sign in again"):
        tokens.create_token(world.db, "inv", "nightly", actor=signed_in)
    assert tokens.list_tokens(world.db, "inv") == []
    fresh = world.user("inv")
    _record, token = tokens.create_token(world.db, "inv", "nightly", actor=fresh)
    assert tokens.authenticate_token(world.db, token).username == "inv"


def test_a_password_reset_ends_every_session_and_token(world: World) -> None:
    cookie, token = _credentials(world, "inv")
    other_cookie, other_token = _credentials(world, "ana")
    users.set_password(world.db, "inv", "a brand new passphrase", actor=world.users["admin"])
    assert sessions.resume_session(world.db, cookie) is None
    with pytest.raises(AuthenticationFailed, match="revoked"):
        tokens.authenticate_token(world.db, token)
    # Nobody else's.
    assert sessions.resume_session(world.db, other_cookie) is not None
    assert tokens.authenticate_token(world.db, other_token).username == "ana"
    entry = audit.find(world.db, action="user.update", target_id="inv")[0]
    assert entry.details == {"password": "changed", "sessions_ended": 1, "tokens_revoked": 1}
    assert entry.actor == "admin"


def test_changing_ones_own_password_keeps_only_the_session_that_did_it(world: World) -> None:
    here, token = _credentials(world, "inv")
    elsewhere, _ = _credentials(world, "inv")
    inv = world.user("inv")
    current = sessions.resume_session(world.db, here)
    assert current is not None
    users.change_own_password(
        world.db, inv, PASSWORD, "another long passphrase", keep_session=current.session_id
    )
    assert sessions.resume_session(world.db, here) is not None
    assert sessions.resume_session(world.db, elsewhere) is None
    with pytest.raises(AuthenticationFailed, match="revoked"):
        tokens.authenticate_token(world.db, token)


def test_disabling_ends_sessions_and_tokens_for_good(world: World) -> None:
    cookie, token = _credentials(world, "view")
    users.disable_user(world.db, "view", actor="test")
    users.enable_user(world.db, "view", actor="test")
    # Enabling again gives a clean slate: nothing from before comes back to life.
    assert sessions.resume_session(world.db, cookie) is None
    with pytest.raises(AuthenticationFailed, match="revoked"):
        tokens.authenticate_token(world.db, token)
    disable = audit.find(world.db, action="user.disable", target_id="view")[0].details
    assert disable["sessions_ended"] == 1 and disable["tokens_revoked"] == 1


def test_a_role_change_applies_to_the_next_request_and_ends_nothing(world: World) -> None:
    cookie, token = _credentials(world, "sup")
    users.set_role(world.db, "sup", "viewer", actor="test")
    signed = sessions.resume_session(world.db, cookie)
    assert signed is not None and signed.user.role == "viewer"
    assert tokens.authenticate_token(world.db, token).role == "viewer"


def test_guesses_sent_at_once_get_no_more_tries_than_the_lockout_allows(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twelve wrong passwords for one account at the same moment, lockout after five. Each
    attempt read the account unlocked, spent its Argon2 time, then counted its failure: all
    twelve were checked. An attempt now takes its place in the count before its password is
    checked, so the ones past the limit are refused as locked, unchecked."""
    db, sent = world.db, 12
    limit = db.settings.login_max_failures
    all_read = threading.Barrier(sent, timeout=2)
    verify = users.verify_password
    checked: list[str] = []

    def wait_then_verify(password_hash: str, password: str) -> bool:
        with suppress(threading.BrokenBarrierError):  # refused ones never get here: go on
            all_read.wait()
        checked.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(users, "verify_password", wait_then_verify)
    messages: list[str] = []

    def guess(k: int) -> None:
        with pytest.raises(AuthenticationFailed) as refused:
            authenticate(db, "inv", f"guess number {k}")
        messages.append(str(refused.value))

    threads = [threading.Thread(target=guess, args=(k,)) for k in range(sent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(messages) == sent and len(checked) == limit
    assert sum("locked" in m for m in messages) == sent - limit
    with pytest.raises(AuthenticationFailed, match="locked"):
        authenticate(db, "inv", PASSWORD)
    assert len(checked) == limit


def test_right_passwords_never_count_toward_the_lockout(world: World) -> None:
    """Each attempt is counted before its password is checked: a right one takes it back."""
    for _ in range(world.db.settings.login_max_failures + 2):
        assert authenticate(world.db, "inv", PASSWORD).failed_logins == 0
    users.disable_user(world.db, "view", actor="test")
    for _ in range(world.db.settings.login_max_failures + 2):
        with pytest.raises(AuthenticationFailed, match="disabled"):
            authenticate(world.db, "view", PASSWORD)
    users.enable_user(world.db, "view", actor="test")
    assert authenticate(world.db, "view", PASSWORD).failed_logins == 0
