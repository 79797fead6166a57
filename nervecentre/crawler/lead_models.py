"""Tables of Arachnid's loop: who runs the networks, every re-check, the notices sent.

``network_blocks`` is an offline delegation dataset the user imports (an IP range, its
autonomous system, the network's owner, country and, in India, state): findings are grouped
by the party responsible without a network call. ``crawl_checks`` is the history of every
re-check of a finding's media URL; a finding's removal is the first check that found the
material gone. ``crawl_notices`` records each takedown notice made, with the findings it
named and the hash of its text. Still no media bytes anywhere.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nervecentre.store.base import Base, utcnow

# What a re-check found: the same material still served; gone (404/410/451, or other bytes);
# or no answer (network trouble, 5xx, 429), which is not a removal until it persists.
CHECK_OUTCOMES = ("present", "removed", "unreachable")


class NetworkBlock(Base):
    """One IP range of an imported delegation dataset; addresses as 32 hex digits (IPv6,
    IPv4 mapped into it) so that ranges compare as strings in any database."""

    __tablename__ = "network_blocks"
    __table_args__ = (Index("ix_network_blocks_first", "first"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(String(120))
    first: Mapped[str] = mapped_column(String(32))
    last: Mapped[str] = mapped_column(String(32))
    asn: Mapped[int | None] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(120))
    abuse_contact: Mapped[str | None] = mapped_column(String(300))
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CrawlCheck(Base):
    """One re-check of a finding's media URL."""

    __tablename__ = "crawl_checks"
    __table_args__ = (Index("ix_crawl_checks_finding_id_checked_at", "finding_id", "checked_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("crawl_findings.id", ondelete="CASCADE"))
    checked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(12))
    status: Mapped[int | None] = mapped_column(Integer)
    server_ip: Mapped[str | None] = mapped_column(String(64))
    sha256: Mapped[str | None] = mapped_column(String(64))  # of what was served, if anything
    detail: Mapped[str] = mapped_column(Text, default="")


class CrawlNotice(Base):
    """A takedown notice made for a provider, and when it was recorded as sent."""

    __tablename__ = "crawl_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(120), default="")
    findings: Mapped[str] = mapped_column(Text)  # JSON list of finding ids
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
