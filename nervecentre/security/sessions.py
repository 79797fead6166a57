"""Signed-in browser sessions, kept in the database so that sign-out and expiry are real.

The cookie holds a random token; the table keeps only its SHA-256 (as for API tokens), so a
copy of the database cannot be replayed as a cookie. A session ends after
``session_idle_minutes`` without a request, after ``session_max_hours`` in all (one shift),
on sign-out, and when its user is disabled.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from nervecentre.security.models import User, WebSession
from nervecentre.security.users import AuthenticationFailed
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database

# Writing last_seen on every request would turn every page view into a write.
_TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SignedIn:
    """What a request learns from a valid session cookie."""

    user: User
    csrf: str
    session_id: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(db: Database, user: User, *, ip: str | None = None) -> tuple[str, str]:
    """Open a session for a user who just proved who they are: (cookie token, CSRF token).

    ``user`` is the account as it was when the password was checked. The session opens only
    if that password is still the account's and the account still active, checked under the
    user's row lock (SQLite's write lock): a reset or a disable committed while Argon2 was
    checking would otherwise leave a session proved by the old password alive after it."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with db.write_session() as session:
        now = session.execute(
            select(User.password_hash, User.active).where(User.id == user.id).with_for_update()
        ).first()
        if now is None or not now.active or now.password_hash != user.password_hash:
            raise AuthenticationFailed(
                "the account's password or state changed as you signed in; sign in again"
            )
        session.add(WebSession(id=_digest(token), user_id=user.id, csrf=csrf, ip=ip))
    return token, csrf


def resume_session(db: Database, token: str, *, now: datetime | None = None) -> SignedIn | None:
    """The user behind a cookie token, or None when it is unknown, ended or expired."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    settings = db.settings
    key = _digest(token)
    with db.session() as session:
        row = session.execute(
            select(WebSession, User)
            .join(User, User.id == WebSession.user_id)
            .where(WebSession.id == key, WebSession.ended_at.is_(None))
        ).first()
        if row is None:
            return None
        web, user = row
        idle = now - web.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
        old = now - web.created_at > timedelta(hours=settings.session_max_hours)
        if idle or old or not user.active:
            web.ended_at = now
            return None
        if now - web.last_seen_at > _TOUCH_EVERY:
            web.last_seen_at = now
        return SignedIn(user=user, csrf=web.csrf, session_id=key)


def end_session(db: Database, session_id: str, *, now: datetime | None = None) -> None:
    """Sign a session out (the cookie stops working at once)."""
    with db.session() as session:
        session.execute(
            update(WebSession)
            .where(WebSession.id == session_id, WebSession.ended_at.is_(None))
            .values(ended_at=now or utcnow())
        )
