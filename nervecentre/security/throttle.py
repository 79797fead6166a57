"""Login throttling per client address, on top of the per-account lockout.

The account lockout stops guessing one user's password; this stops one address from trying
many users. Failures are kept in the database (``login_failures``), so every server process
of the centre counts the same failures and a restart forgets nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import DateTime, Index, String, delete, func, insert, select
from sqlalchemy.orm import Mapped, mapped_column

from nervecentre.store.base import Base, utcnow
from nervecentre.store.db import Database

WINDOW = timedelta(minutes=10)


class LoginFailure(Base):
    """One failed sign-in from an address; kept for the throttle's window only."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_ip_at", "ip", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ip: Mapped[str] = mapped_column(String(45))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LoginThrottle:
    """Counts failed logins per address over a sliding window (``max_failures`` 0: off)."""

    def __init__(self, db: Database, max_failures: int, window: timedelta = WINDOW) -> None:
        self.db = db
        self.max_failures = max_failures
        self.window = window

    def retry_after(self, ip: str, *, now: datetime | None = None) -> int:
        """Seconds this address must wait before trying again (0: it may try now)."""
        if not self.max_failures:
            return 0
        now = now or utcnow()
        recent = (
            select(LoginFailure.at)
            .where(LoginFailure.ip == ip[:45], LoginFailure.at > now - self.window)
            .order_by(LoginFailure.at.desc())
            .limit(self.max_failures)
            .subquery()
        )
        with self.db.session() as session:
            count, oldest = session.execute(select(func.count(), func.min(recent.c.at))).one()
        if count < self.max_failures or oldest is None:
            return 0
        # Free again once the oldest of the last max_failures failures leaves the window.
        return max(1, int((oldest + self.window - now).total_seconds()) + 1)

    def failed(self, ip: str, *, now: datetime | None = None) -> None:
        """Count one failed login from this address (and forget failures past the window)."""
        now = now or utcnow()
        with self.db.session() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.at <= now - self.window))
            session.execute(insert(LoginFailure).values(ip=ip[:45], at=now))

    def succeeded(self, ip: str) -> None:
        """A success from this address clears its count."""
        with self.db.session() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.ip == ip[:45]))
