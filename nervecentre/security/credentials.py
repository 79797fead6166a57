"""Ending every credential of a user at once: their signed-in sessions and their API tokens.

A password reset or change, and disabling an account, call this in the same transaction
as the change itself, so that nothing proven with the old password, or granted before the
account was stopped, outlives it. Role and unit changes end nothing: sessions and tokens
read the user afresh on every request, so the change applies to the very next one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from nervecentre.security.models import ApiToken, WebSession


@dataclass(frozen=True)
class Ended:
    """How many sessions were signed out and tokens revoked (for the audit entry)."""

    sessions: int
    tokens: int

    def detail(self) -> dict[str, int]:
        """The counts as an audit entry shows them."""
        return {"sessions_ended": self.sessions, "tokens_revoked": self.tokens}


def end_credentials(
    session: Session, user_id: int, now: datetime, *, keep_session: str | None = None
) -> Ended:
    """Sign out every open session of a user (but ``keep_session``) and revoke their tokens."""
    open_sessions = (WebSession.user_id == user_id) & WebSession.ended_at.is_(None)
    if keep_session:
        open_sessions &= WebSession.id != keep_session
    ended = session.execute(update(WebSession).where(open_sessions).values(ended_at=now))
    live = (ApiToken.user_id == user_id) & ApiToken.revoked_at.is_(None)
    revoked = session.execute(update(ApiToken).where(live).values(revoked_at=now))
    return Ended(int(ended.rowcount or 0), int(revoked.rowcount or 0))  # type: ignore[attr-defined]
