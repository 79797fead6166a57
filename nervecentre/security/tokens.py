"""API tokens for scripts: 32 random bytes shown once, stored only as their SHA-256.

A plain SHA-256 (not Argon2) is right here: the token is random and 256 bits long, so there
is nothing to guess, and every API request must be checked in microseconds.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from nervecentre.errors import InvalidValue, NotFound, PermissionDenied
from nervecentre.security import audit
from nervecentre.security.audit import Actor
from nervecentre.security.models import ApiToken, User, UserUnit
from nervecentre.security.roles import matrix, require
from nervecentre.security.scopes import default_scope, get_scope
from nervecentre.security.users import AuthenticationFailed, user_in
from nervecentre.settings import Settings
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database
from nervecentre.store.generations import Kept, generation

TOKEN_PREFIX = "nct_"  # noqa: S105 - a visible marker, not a secret
# last_used_at is a convenience, not an audit record: writing it at most once a minute keeps
# an API request free of a database write.
_TOUCH_EVERY = timedelta(minutes=1)
MAX_DAYS = 3650


def token_digest(token: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def _authorise(actor: Actor, owner: str) -> None:
    # A user may manage their own tokens; someone else's needs user.manage. A token whose
    # scope is narrower than everything (read-only) changes nothing, its user's other tokens
    # included: revoking a colleague's script's token is a change like any other.
    if isinstance(actor, str):
        return
    held = getattr(actor, "scope", None)
    if held is not None and not held.permissions >= frozenset(matrix().permissions):
        raise PermissionDenied(
            f"this API token is {held.name}: it cannot manage tokens; sign in to the web app "
            "or use a read-write token"
        )
    if actor.username != owner:
        require(actor, "user.manage")


def expiry(
    settings: Settings,
    *,
    days: int | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """When a new token expires: ``expires_at``, else ``days`` from now, else the setting
    ``api_token_days`` from now (None, never, only when that setting is 0)."""
    if expires_at is not None and days is not None:
        raise InvalidValue("give a token's expiry as days or as a date, not both", kind="days")
    if expires_at is not None:
        return expires_at
    if days is None:
        days = settings.api_token_days
        if not days:
            return None
    if not 1 <= days <= MAX_DAYS:
        raise InvalidValue(f"a token lasts 1 to {MAX_DAYS:,} days, not {days}", kind="days")
    return (now or utcnow()) + timedelta(days=days)


def create_token(
    db: Database,
    username: str,
    name: str,
    *,
    actor: Actor,
    scope: str | None = None,
    days: int | None = None,
    expires_at: datetime | None = None,
    ip: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``username``: the record, and the token itself (shown only now).

    ``scope`` is what it may do at most (``read-only`` unless told, see
    :mod:`nervecentre.security.scopes`); it expires after ``days``, or at ``expires_at``,
    or after the setting ``api_token_days`` (90) when neither is given. Users may make
    tokens for themselves; for others, ``user.manage`` is needed.
    """
    label = name.strip()
    if not label or len(label) > 120 or not label.isprintable():
        raise InvalidValue(
            "a token needs a name of 1-120 printable characters (what script uses it)",
            kind="name",
        )
    chosen = get_scope(scope or default_scope()).name
    held = getattr(actor, "scope", None)  # the actor's own token, when one made this request
    if held is not None and not get_scope(chosen).permissions <= held.permissions:
        raise PermissionDenied(f"this API token is {held.name}: it cannot make a {chosen} token")
    until = expiry(db.settings, days=days, expires_at=expires_at)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.write_session() as session:
        owner = _locked(session, user_in(session, username).id)
        _authorise(actor, owner.username)
        if isinstance(actor, User) and actor.id == owner.id:
            _still_signed_in(actor, owner)
        record = ApiToken(
            user_id=owner.id,
            name=label,
            token_sha256=token_digest(token),
            prefix=token[: len(TOKEN_PREFIX) + 6],
            scope=chosen,
            expires_at=until,
        )
        session.add(record)
        session.flush()
        detail = {"token_id": record.id, "name": label, "scope": chosen, "expires_at": until}
        audit.record(session, actor, "token.create", "user", owner.username, detail, ip=ip)
        record.user = owner
    return record, token


def _locked(session: Session, user_id: int) -> User:
    """The user read afresh under its row lock (a reset or a disable waits for this)."""
    query = select(User).where(User.id == user_id).with_for_update()
    return session.scalars(query.execution_options(populate_existing=True)).one()


def _still_signed_in(actor: User, owner: User) -> None:
    """A reset or a disable since the request signed in ended its credentials: a token made
    by the same request would outlive them."""
    if not owner.active or owner.password_hash != actor.password_hash:
        raise AuthenticationFailed(
            "the account's password or state changed since this request signed in; sign in again"
        )


def list_tokens(db: Database, username: str | None = None) -> list[ApiToken]:
    """Tokens (never their values), of one user or of everyone, newest first.

    Each record has its ``user``, ``scope``, ``created_at``, ``last_used_at``,
    ``expires_at`` (None: never) and ``revoked_at``; see :func:`token_state`.
    """
    query = select(ApiToken).order_by(ApiToken.id.desc())
    with db.session() as session:
        if username is not None:
            query = query.where(ApiToken.user_id == user_in(session, username).id)
        return list(session.scalars(query))


def token_state(record: ApiToken, *, now: datetime | None = None) -> str:
    """'revoked', 'expired' or 'active', as a list shows a token."""
    if record.revoked_at is not None:
        return "revoked"
    if record.expires_at is not None and record.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def revoke_token(
    db: Database, token_id: int, *, actor: Actor, ip: str | None = None, now: datetime | None = None
) -> ApiToken:
    """Revoke a token at once (its owner, or someone with ``user.manage``); twice is harmless."""
    with db.session() as session:
        record = session.get(ApiToken, token_id)
        if record is None:
            raise NotFound(f"no API token with id {token_id}")
        _authorise(actor, record.user.username)
        if record.revoked_at is None:
            record.revoked_at = now or utcnow()
            detail = {"token_id": record.id, "name": record.name}
            audit.record(
                session, actor, "token.revoke", "user", record.user.username, detail, ip=ip
            )
    return record


# One prebuilt statement for the token, its user and the user's units, run by every API
# request. Users are built from its rows and kept (a few hundred at most) for as long as the
# same row comes back: each request still reads the row, so a revocation, a new role or a
# unit taken away applies at once; only the building of the object is saved.
_USERS = User.__table__
_UNIT_CODES = (
    select(func.aggregate_strings(UserUnit.unit_code, ","))
    .where(UserUnit.user_id == _USERS.c.id)
    .scalar_subquery()
)
_TOKEN_USER = (
    select(ApiToken.id, ApiToken.name, ApiToken.revoked_at, ApiToken.expires_at)
    .add_columns(ApiToken.last_used_at, ApiToken.scope, _UNIT_CODES, *_USERS.c)
    .join_from(ApiToken.__table__, _USERS, _USERS.c.id == ApiToken.user_id)
    .where(ApiToken.token_sha256 == bindparam("digest"))
)
_BUILT: dict[tuple[Any, ...], User] = {}
_BUILT_MAX = 256


def _user(row: Sequence[Any]) -> User:
    """A detached user with its units and the token's scope, for one (scope, units, user) row.

    Two tokens of one user with different scopes give two objects: the scope is part of
    the key, so a read-only token never shares its user with a read-write one.
    """
    row = tuple(row)
    found = _BUILT.get(row)
    if found is not None:
        return found
    scope, codes, columns = row[0], row[1], row[2:]
    user = User(**{c.key: value for c, value in zip(_USERS.c, columns, strict=True)})
    user.scope = get_scope(scope)
    user.units = [
        UserUnit(user_id=user.id, unit_code=code)
        for code in sorted(set((codes or "").split(",")) - {""})
    ]
    if len(_BUILT) >= _BUILT_MAX:
        _BUILT.clear()
    _BUILT[row] = user
    return user


@dataclass
class _Kept:
    """A token as read under one access generation (see :mod:`nervecentre.store.generations`)."""

    generation: int | None
    token_id: int
    name: str
    revoked_at: datetime | None
    expires_at: datetime | None
    last_used_at: datetime | None
    user: User


# Per database: token digest -> the token and its user, kept while the access generation
# holds (any change to users, units or tokens moves it); a few hundred tokens at most.
_KEPT: Kept[str, _Kept] = Kept(1_024)


def _read(session: Session, digest: str, current: int | None) -> _Kept:
    found = session.execute(_TOKEN_USER, {"digest": digest}).first()
    if found is None:
        raise AuthenticationFailed("unknown API token")
    token_id, name, revoked_at, expires_at, last_used_at = found[:5]
    user = _user(found[5:])
    return _Kept(current, token_id, name, revoked_at, expires_at, last_used_at, user)


def authenticate_token(db: Database, token: str, *, now: datetime | None = None) -> User:
    """The active user a token belongs to; AuthenticationFailed if unknown, revoked or expired.

    The user comes back detached, with its units, as from a closed session; treat it as
    read-only (it may serve other requests of the same user). On SQLite the token and its
    user are kept per process under the access generation, which moves on any change to
    users, their units or tokens; expiry is still compared with the clock on every request.
    """
    now = now or utcnow()
    if not token.strip().startswith(TOKEN_PREFIX):
        raise AuthenticationFailed("not a nervecentre API token")
    digest = token_digest(token)
    with db.session() as session:
        current = generation(session, "access")  # before the token is read, if it is
        kept = _KEPT.get(db.engine, digest) if current is not None else None
        if kept is None or kept.generation != current:
            kept = _read(session, digest, current)
            if current is not None:
                _KEPT.put(db.engine, digest, kept)
        if kept.revoked_at is not None:
            raise AuthenticationFailed(f"API token {kept.name!r} was revoked")
        if kept.expires_at is not None and kept.expires_at <= now:
            raise AuthenticationFailed(f"API token {kept.name!r} has expired")
        user = kept.user
        if not user.active:
            raise AuthenticationFailed(f"user {user.username!r} is disabled")
        if kept.last_used_at is None or now - kept.last_used_at >= _TOUCH_EVERY:
            session.execute(
                update(ApiToken).where(ApiToken.id == kept.token_id).values(last_used_at=now)
            )
            kept.last_used_at = now
        return user
