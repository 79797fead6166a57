"""Tables of users, API tokens, need-to-know grants and restrictions, and the audit log.

Timestamps are naive UTC (see :func:`nervecentre.store.base.utcnow`). The audit tables are
append-only at the database level too: the migration adds triggers on both backends.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nervecentre.store.base import Base, utcnow

if TYPE_CHECKING:
    from nervecentre.security.scopes import Scope


class User(Base):
    """A person who signs in: their role, their units and the state of their password."""

    __tablename__ = "users"
    __allow_unmapped__ = True  # for ``scope``, which is no column

    #: On the user of an API-token request, the token's scope (``security.scopes.Scope``):
    #: ``roles.can`` then allows only what both the role and the scope allow. None for a
    #: person signed in with their password.
    scope: Scope | None = None

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(160), default="")
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    # selectin: a user is used long after its session closed (web request, CLI), units with it.
    units: Mapped[list[UserUnit]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="UserUnit.unit_code"
    )

    @property
    def unit_codes(self) -> list[str]:
        """Codes of the units this user belongs to."""
        return [u.unit_code for u in self.units]

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"


class UserUnit(Base):
    """Membership of a user in a unit: the basis of need-to-know."""

    __tablename__ = "user_units"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), primary_key=True, index=True)


class ApiToken(Base):
    """A token for scripts; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    # What the token may do at most (security/data/token_scopes.yaml). Tokens made before
    # migration 0014 could do whatever the role allowed, and keep that scope.
    scope: Mapped[str] = mapped_column(String(20), server_default="read-write")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(lazy="joined")


class AccessGrant(Base):
    """Access to one case, or to every case of one unit, beyond a user's own units."""

    __tablename__ = "access_grants"
    __table_args__ = (
        CheckConstraint("(case_id IS NULL) <> (unit_code IS NULL)", name="one_target"),
        Index("ix_access_grants_grantee", "grantee_id", "revoked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    grantee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    unit_code: Mapped[str | None] = mapped_column(ForeignKey("units.code"))
    granted_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(400))
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str] = mapped_column(String(120), default="")

    grantee: Mapped[User] = relationship(lazy="joined")


class CaseRestriction(Base):
    """A case closed to everyone but the named users (and admins, who oversee everything)."""

    __tablename__ = "case_restrictions"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    restricted_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(400))
    restricted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    users: Mapped[list[CaseRestrictionUser]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )


class CaseRestrictionUser(Base):
    """A user named on a restricted case."""

    __tablename__ = "case_restriction_users"

    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_restrictions.case_id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AuditEntry(Base):
    """One entry of the hash-chained audit log (never updated, never deleted)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_target", "target_type", "target_id"),
        Index("ix_audit_log_actor_at", "actor", "at"),
        Index("ix_audit_log_action_at", "action", "at"),
    )

    # Ids are assigned under the chain lock (head.last_id + 1), never by a sequence, so they
    # are gap-free: a rolled-back sequence value would look exactly like a deleted entry.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[str] = mapped_column(String(120), default="")
    # Canonical JSON text, hashed exactly as stored (a JSON column type could re-serialise).
    detail: Mapped[str] = mapped_column(Text, default="{}")
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    @property
    def details(self) -> dict[str, Any]:
        """The detail as a dictionary."""
        value = json.loads(self.detail or "{}")
        return value if isinstance(value, dict) else {"value": value}


class AuditHead(Base):
    """The single row naming the newest audit entry: the lock appends serialise on."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Entries from this id on are stamped under the chain lock, so their times never go
    # backwards; older ones (before migration 0012) were stamped before taking it.
    ordered_from: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class AuditTarget(Base):
    """A case an audit entry concerns: the entry is shown only to those who may see it."""

    __tablename__ = "audit_targets"

    # No foreign keys: the log outlives what it names, and a check would only slow appends.
    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class AuditCheckpoint(Base):
    """A recorded (entry id, hash) of the chain, so a cut-off tail can be noticed."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    entry_id: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(120))


class WebSession(Base):
    """One signed-in browser: the hash of its cookie token, its CSRF token and its lifetime."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class LoginFailure(Base):
    """One failed sign-in: from which address, for which username; kept for the window only."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_ip_at", "ip", "at"),
        Index("ix_login_failures_username_at", "username", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(45))
    username: Mapped[str] = mapped_column(String(64), default="", server_default="")
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
