"""Users: Argon2id passwords, roles, unit membership, sign-in with throttling and lockout.

Functions that change users take an ``actor``: a :class:`User` (whose ``user.manage``
permission is checked) or a string naming a trusted system actor, such as the CLI operator,
who already holds the database. Every change is written to the audit log.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, select, true, update
from sqlalchemy.orm import Session

from nervecentre.cases.models import Unit
from nervecentre.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from nervecentre.security import audit
from nervecentre.security.audit import Actor
from nervecentre.security.credentials import end_credentials
from nervecentre.security.models import User, UserUnit
from nervecentre.security.roles import check_role, require
from nervecentre.security.throttle import LoginThrottle, forget_account
from nervecentre.settings import Settings
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


class AuthenticationFailed(PermissionDenied):
    """Sign-in failed: wrong credentials, a locked or disabled account, a bad token."""

    http_status = 401


@cache
def hasher() -> PasswordHasher:
    """Argon2id with the library's RFC 9106 defaults (64 MiB, 3 passes, 4 lanes)."""
    return PasswordHasher()


@cache
def _decoy_hash() -> str:
    return hasher().hash(secrets.token_urlsafe(16))


def normalise_username(username: str) -> str:
    """The stored form of a username (lower case); InvalidValue says what is wrong."""
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise InvalidValue(
            f"username {username!r} must be 2-64 characters: letters, digits, '.', '_' or '-',"
            " starting with a letter or digit",
            kind="username",
        )
    return name


def check_password(password: str, username: str, settings: Settings | None = None) -> None:
    """Raise InvalidValue with a clear message when ``password`` breaks the policy."""
    minimum = max(MIN_PASSWORD_LENGTH, settings.password_min_length if settings else 0)
    if len(password) < minimum:
        raise InvalidValue(
            f"password too short: at least {minimum} characters (a phrase of several words"
            " is easy to remember)",
            kind="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidValue(
            f"password too long: at most {MAX_PASSWORD_LENGTH} characters", kind="password"
        )
    if password.strip().lower() == username.strip().lower():
        raise InvalidValue("password must not be the username", kind="password")


def hash_password(password: str) -> str:
    """The Argon2id hash of a password, in the PHC string format."""
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the hash (False for a malformed hash, never an error)."""
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _authorise(actor: Actor) -> None:
    if not isinstance(actor, str):
        require(actor, "user.manage")


def user_in(session: Session, username: str) -> User:
    """The user named ``username``, within an open session; NotFound otherwise."""
    user = session.scalars(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def _lift_lock(session: Session, user: User) -> None:
    # The lockout and the throttle's count against the username: both give way at once.
    user.failed_logins, user.locked_until = 0, None
    forget_account(session, user.username)


def _unit_codes(session: Session, units: Iterable[str]) -> list[str]:
    codes = sorted({u.strip().upper() for u in units if u.strip()})
    known = set(session.scalars(select(Unit.code).where(Unit.code.in_(codes))))
    missing = [c for c in codes if c not in known]
    if missing:
        raise InvalidValue(f"unknown unit code(s): {', '.join(missing)}", kind="unit")
    return codes


def create_user(
    db: Database,
    username: str,
    password: str,
    role: str,
    *,
    actor: Actor,
    units: Iterable[str] = (),
    display_name: str = "",
    ip: str | None = None,
) -> User:
    """Create an active user; Conflict if the username is taken."""
    _authorise(actor)
    name = normalise_username(username)
    check_role(role)
    check_password(password, name, db.settings)
    with db.session() as session:
        if session.scalars(select(User.id).where(User.username == name)).first():
            raise Conflict(f"a user named {name!r} already exists")
        codes = _unit_codes(session, units)
        user = User(
            username=name,
            display_name=display_name.strip(),
            role=role,
            active=True,
            password_hash=hash_password(password),
            failed_logins=0,
            units=[UserUnit(unit_code=c) for c in codes],
        )
        session.add(user)
        session.flush()
        detail = {"role": role, "units": codes, "display_name": user.display_name}
        audit.record(session, actor, "user.create", "user", name, detail, ip=ip)
    return user


def get_user(db: Database, username: str) -> User:
    """The user with this username; NotFound otherwise."""
    with db.session() as session:
        return user_in(session, username)


def list_users(db: Database) -> list[User]:
    """Every user, by username."""
    with db.session() as session:
        return list(session.scalars(select(User).order_by(User.username)))


def _update(
    db: Database,
    username: str,
    actor: Actor,
    action: str,
    change: dict[str, object],
    ip: str | None,
) -> User:
    _authorise(actor)
    with db.session() as session:
        user = user_in(session, username)
        before = {"role": user.role, "units": user.unit_codes, "active": user.active}
        if "units" in change:
            codes = _unit_codes(session, change["units"])  # type: ignore[arg-type]
            user.units = [UserUnit(unit_code=c) for c in codes]
            change = {**change, "units": codes}
        if "role" in change:
            user.role = check_role(str(change["role"]))
        ended = None
        if "active" in change:
            user.active = bool(change["active"])
            _lift_lock(session, user)
            if not user.active:  # a clean slate: enabling again revives nothing
                ended = end_credentials(session, user.id, utcnow())
        session.flush()
        after = {"role": user.role, "units": user.unit_codes, "active": user.active}
        detail: dict[str, object] = {
            **audit.diff(before, after),
            **(ended.detail() if ended else {}),
        }
        audit.record(session, actor, action, "user", user.username, detail, ip=ip)
    return user


def set_role(
    db: Database, username: str, role: str, *, actor: Actor, ip: str | None = None
) -> User:
    """Give a user another role."""
    return _update(db, username, actor, "user.update", {"role": role}, ip)


def set_units(
    db: Database, username: str, units: Iterable[str], *, actor: Actor, ip: str | None = None
) -> User:
    """Replace the units a user belongs to."""
    return _update(db, username, actor, "user.update", {"units": list(units)}, ip)


def disable_user(db: Database, username: str, *, actor: Actor, ip: str | None = None) -> User:
    """Disable an account: its sessions end and its tokens are revoked (history is kept)."""
    return _update(db, username, actor, "user.disable", {"active": False}, ip)


def enable_user(db: Database, username: str, *, actor: Actor, ip: str | None = None) -> User:
    """Enable an account again, clearing any lockout."""
    return _update(db, username, actor, "user.enable", {"active": True}, ip)


def set_password(
    db: Database,
    username: str,
    password: str,
    *,
    actor: Actor,
    ip: str | None = None,
    keep_session: str | None = None,
) -> None:
    """Set a new password (an administrator's reset), clearing any lockout.

    Every signed-in session of the user (but ``keep_session``, the id of the session that
    changed its own password) ends, and every API token of theirs is revoked, in the same
    transaction: whoever held the old password, or a token, holds nothing any more.
    """
    _authorise(actor)
    with db.session() as session:
        user = user_in(session, username)
        check_password(password, user.username, db.settings)
        user.password_hash = hash_password(password)
        _lift_lock(session, user)
        ended = end_credentials(session, user.id, utcnow(), keep_session=keep_session)
        detail = {"password": "changed", **ended.detail()}
        audit.record(session, actor, "user.update", "user", user.username, detail, ip=ip)


def reset_password(db: Database, username: str, *, actor: Actor, ip: str | None = None) -> str:
    """Set a random password (to be handed over once, then changed) and return it."""
    # Groups of 4 from 31 characters no one misreads (no i, l, o, 0, 1): 79 bits at least.
    minimum = max(MIN_PASSWORD_LENGTH, db.settings.password_min_length)
    groups = max(4, -(-(minimum + 1) // 5))  # 4 characters and a dash each, the last no dash
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    word = "".join(secrets.choice(alphabet) for _ in range(4 * groups))
    password = "-".join(word[i : i + 4] for i in range(0, len(word), 4))
    set_password(db, username, password, actor=actor, ip=ip)
    return password


def unlock_user(db: Database, username: str, *, actor: Actor, ip: str | None = None) -> User:
    """Lift a sign-in lockout now and restart the failure count (the password is kept)."""
    _authorise(actor)
    with db.session() as session:
        user = user_in(session, username)
        detail = {"lock": "lifted", "locked_until": user.locked_until, "failed": user.failed_logins}
        _lift_lock(session, user)
        audit.record(session, actor, "user.update", "user", user.username, detail, ip=ip)
    return user


def change_own_password(
    db: Database,
    user: User,
    current: str,
    new: str,
    *,
    ip: str | None = None,
    keep_session: str | None = None,
) -> None:
    """A user changes their own password, proving they know the current one.

    Their other sessions end and their API tokens are revoked, as on a reset; the session
    named by ``keep_session`` (the one making the change) stays signed in.
    """
    authenticate(db, user.username, current, ip=ip)
    set_password(db, user.username, new, actor=user.username, ip=ip, keep_session=keep_session)


def authenticate(
    db: Database,
    username: str,
    password: str,
    *,
    ip: str | None = None,
    now: datetime | None = None,
) -> User:
    """The user these credentials belong to; AuthenticationFailed otherwise.

    Unknown users and wrong passwords get the same message (and the same Argon2 work, so
    timing tells nothing). After ``login_max_failures`` failures in a row the account locks
    for ``login_lockout_minutes``. Every attempt is audited.

    An attempt takes its place in the count before its password is checked (one atomic
    update, committed at once), and a right password takes it back: of the attempts sent at
    the same moment, no more than the lockout leaves are ever checked.
    """
    now = now or utcnow()
    name = username.strip().lower()[:64]
    error = "wrong username or password"
    with db.session() as session:
        user = session.scalars(select(User).where(User.username == name)).first()
        tries = _take_attempt(session, user, db.settings, now) if user is not None else None
        if user is None:
            verify_password(_decoy_hash(), password)
            reason = "unknown user"
        elif tries is None:
            reason = "locked"
            until = user.locked_until or now
            error = (
                "account locked after too many failed logins; try again after "
                f"{until:%H:%M} UTC or ask an administrator"
            )
        elif not verify_password(user.password_hash, password):
            reason = "wrong password"
            _count_failure(user, db.settings, now, tries)
        elif not user.active:
            reason, error = "disabled", "account disabled; ask an administrator"
            _give_back_attempt(session, user)
        else:
            if hasher().check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
            audit.record(session, name, "auth.login.success", "user", name, ip=ip, at=now)
            return user
        detail = {"reason": reason}
        if user is not None and user.locked_until is not None and user.locked_until > now:
            detail["locked_until"] = f"{user.locked_until:%Y-%m-%dT%H:%M:%S}"
        audit.record(
            session, "anonymous", "auth.login.failure", "user", name, detail, ip=ip, at=now
        )
    raise AuthenticationFailed(error)


def _take_attempt(session: Session, user: User, settings: Settings, now: datetime) -> int | None:
    """Count this attempt against the account before its password is checked, committed at
    once so that every other attempt sees it; None when the account is locked, or when the
    attempts already counted reach the lockout (the ones in flight may still lock it)."""
    limit = settings.login_max_failures
    open_now = or_(User.locked_until.is_(None), User.locked_until <= now)
    room = User.failed_logins < limit if limit else true()
    tries = session.execute(
        update(User)
        .where(User.id == user.id, open_now, room)
        .values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.commit()
    session.refresh(user)  # the count and lock as they stand now
    return None if tries is None else int(tries)


def _give_back_attempt(session: Session, user: User) -> None:
    """A right password: the attempt counted for it was no failure."""
    session.execute(
        update(User)
        .where(User.id == user.id, User.failed_logins > 0)
        .values(failed_logins=User.failed_logins - 1)
        .execution_options(synchronize_session=False)
    )
    session.refresh(user)


def _count_failure(user: User, settings: Settings, now: datetime, tries: int) -> None:
    # The attempt is counted already (_take_attempt): the one that reached the limit locks.
    if settings.login_max_failures and tries >= settings.login_max_failures:
        user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
        user.failed_logins = 0  # After the lockout the user gets a full set of attempts again.


def sign_in(
    db: Database, username: str, password: str, *, throttle: LoginThrottle, ip: str | None = None
) -> User:
    """Sign-in as the login page does it: the throttle first, then :func:`authenticate`.

    TooManyAttempts (429) while this address, or this username, has failed too often in the
    throttle's window; AuthenticationFailed as from :func:`authenticate` otherwise, counted.
    A success forgets only this account's failures from this address.
    """
    address = ip or "unknown"
    throttle.admit(address, username)  # counted as a failure until it succeeds
    user = authenticate(db, username, password, ip=ip)
    throttle.succeeded(address, user.username)
    return user


def logout(db: Database, user: User, *, ip: str | None = None) -> None:
    """Record that a user signed out (the web layer ends the session)."""
    audit.record(db, user, "auth.logout", "user", user.username, ip=ip)
