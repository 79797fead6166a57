"""Login throttling per client address and per account, on top of the account lockout.

The lockout stops guessing one user's password in a row; the throttle counts failures in a
sliding window, per address (one computer trying many users) and per username (many
computers trying one). A success clears only the failures of the account that signed in,
from the address it signed in from: one valid account must not wipe the address's count
while it sprays the others. Failures are kept in the database (``login_failures``), so
every server process of the centre counts the same failures and a restart forgets nothing.

An attempt is counted as a failure the moment it is admitted (:meth:`LoginThrottle.admit`),
in the transaction that checked the count, and forgiven if it succeeds. Checking first and
counting after the password check let every request sent at the same moment see the same
count: twelve guesses sent at once all got through a limit of three.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from ipaddress import ip_address

from sqlalchemy import ColumnElement, delete, func, insert, select, text
from sqlalchemy.orm import Session

from nervecentre.errors import InvalidValue, NervecentreError
from nervecentre.security import audit
from nervecentre.security.audit import Actor
from nervecentre.security.models import LoginFailure
from nervecentre.security.roles import require
from nervecentre.store.base import utcnow
from nervecentre.store.db import Database

WINDOW = timedelta(minutes=10)
# PostgreSQL: sign-in admissions take turns on this advisory lock (SQLite's write lock).
_ADMISSION_LOCK = 0x6E63_6C6F_6769_6E  # "nclogin"


class TooManyAttempts(NervecentreError):
    """Too many failed sign-ins: from this address, or for this username; wait and retry."""

    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def account_key(username: str) -> str:
    """The username as failures are counted under it (as sign-in reads it)."""
    return username.strip().lower()[:64]


def forget_account(session: Session, username: str) -> int:
    """Forget every failure counted against a username (its lockout was lifted)."""
    mine = LoginFailure.username == account_key(username)
    count = session.scalar(select(func.count()).where(mine)) or 0
    session.execute(delete(LoginFailure).where(mine))
    return count


def _refuse(address: int, account: int) -> None:
    """TooManyAttempts, saying for how long, when either wait is not zero."""
    if address or account:
        wait = max(address, account)
        whom = "from this computer" if address >= account else "for this account"
        raise TooManyAttempts(
            f"too many failed sign-ins {whom}; wait {wait // 60 + 1} minutes", wait
        )


class LoginThrottle:
    """Counts failed logins over a sliding window, per address and per username.

    ``max_failures`` per address, ``account_max_failures`` per username (the setting
    ``login_account_max_failures`` when not given); 0 turns either off.
    """

    def __init__(
        self,
        db: Database,
        max_failures: int,
        window: timedelta = WINDOW,
        *,
        account_max_failures: int | None = None,
    ) -> None:
        self.db = db
        self.max_failures = max_failures
        self.window = window
        self.account_max_failures = (
            db.settings.login_account_max_failures
            if account_max_failures is None
            else account_max_failures
        )

    def _wait(self, session: Session, which: ColumnElement[bool], limit: int, now: datetime) -> int:
        if not limit:
            return 0
        recent = (
            select(LoginFailure.at)
            .where(which, LoginFailure.at > now - self.window)
            .order_by(LoginFailure.at.desc())
            .limit(limit)
            .subquery()
        )
        count, oldest = session.execute(select(func.count(), func.min(recent.c.at))).one()
        if count < limit or oldest is None:
            return 0
        # Free again once the oldest of the last ``limit`` failures leaves the window.
        return max(1, int((oldest + self.window - now).total_seconds()) + 1)

    def _waits(self, session: Session, ip: str, username: str, now: datetime) -> tuple[int, int]:
        address = self._wait(session, LoginFailure.ip == ip[:45], self.max_failures, now)
        account = 0
        if username.strip():
            by_name = LoginFailure.username == account_key(username)
            account = self._wait(session, by_name, self.account_max_failures, now)
        return address, account

    def waits(self, ip: str, username: str = "", *, now: datetime | None = None) -> tuple[int, int]:
        """Seconds to wait (0: none) because of this address, and because of this username."""
        now = now or utcnow()
        with self.db.session() as session:
            return self._waits(session, ip, username, now)

    def retry_after(self, ip: str, username: str = "", *, now: datetime | None = None) -> int:
        """Seconds before this address may try (this username) again; 0: it may try now."""
        return max(self.waits(ip, username, now=now))

    def admit(self, ip: str, username: str = "", *, now: datetime | None = None) -> None:
        """Let this attempt try a password, counting it as a failure at once (a success then
        forgives it: :meth:`succeeded`); TooManyAttempts when it must wait.

        The check and the count are one transaction, and admissions take turns (SQLite's
        write lock, an advisory lock on PostgreSQL): of the attempts sent at the same
        moment, no more are admitted than the limits leave."""
        now = now or utcnow()
        with self.db.write_session() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADMISSION_LOCK})
            _refuse(*self._waits(session, ip, username, now))
            self._count(session, ip, username, now)

    def failed(self, ip: str, username: str = "", *, now: datetime | None = None) -> None:
        """Count one failed login (and forget failures past the window)."""
        now = now or utcnow()
        with self.db.session() as session:
            self._count(session, ip, username, now)

    def _count(self, session: Session, ip: str, username: str, now: datetime) -> None:
        session.execute(delete(LoginFailure).where(LoginFailure.at <= now - self.window))
        session.execute(
            insert(LoginFailure).values(ip=ip[:45], username=account_key(username), at=now)
        )

    def succeeded(self, ip: str, username: str) -> None:
        """A sign-in succeeded: forget that account's own failures from this address only."""
        with self.db.session() as session:
            session.execute(
                delete(LoginFailure).where(
                    LoginFailure.ip == ip[:45], LoginFailure.username == account_key(username)
                )
            )

    def waiting(self, *, now: datetime | None = None) -> list[tuple[str, int]]:
        """Addresses that must wait now, with their failures in the window, most first."""
        if not self.max_failures:
            return []
        now = now or utcnow()
        count = func.count().label("n")
        query = (
            select(LoginFailure.ip, count)
            .where(LoginFailure.at > now - self.window)
            .group_by(LoginFailure.ip)
            .having(count >= self.max_failures)
            .order_by(count.desc(), LoginFailure.ip)
        )
        with self.db.session() as session:
            return [(ip, int(n)) for ip, n in session.execute(query)]

    def clear(self, address: str, *, actor: Actor, ip: str | None = None) -> int:
        """Forget an address's failures now (an administrator's decision, audited)."""
        if not isinstance(actor, str):
            require(actor, "user.manage")
        try:
            address = str(ip_address(address.strip()))
        except ValueError:
            raise InvalidValue(f"{address!r} is not an IP address", kind="address") from None
        mine = LoginFailure.ip == address
        with self.db.session() as session:
            failures = session.scalar(select(func.count()).where(mine)) or 0
            session.execute(delete(LoginFailure).where(mine))
            detail = {"failures": failures}
            audit.record(session, actor, "auth.throttle.clear", "address", address, detail, ip=ip)
        return failures
