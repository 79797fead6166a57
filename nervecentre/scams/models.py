"""Tables of the sextortion tracker: messages, complaints, indicators, campaigns, payments.

A scam message is stored once (``scam_messages``, unique by Message-ID and by the hash of its
normalised text); each time a victim hands it in is a complaint (``scam_complaints``: the file,
its SHA-256 as evidence, the case or complainant it belongs to). Indicators are unique per
(kind, value). Transactions and exchange rates are imported from offline exports.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from nervecentre.store.base import Base, utcnow


class ScamCampaign(Base):
    """A campaign: messages from one racket (same template or same payment details)."""

    __tablename__ = "scam_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ScamMessage(Base):
    """One scam message, however many victims handed it in."""

    __tablename__ = "scam_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str | None] = mapped_column(String(500), unique=True)
    body_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(500), default="")
    sender: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    masked: Mapped[str] = mapped_column(Text, default="")
    demanded: Mapped[str] = mapped_column(String(400), default="{}")  # JSON {currency: amount}
    warnings: Mapped[str] = mapped_column(Text, default="")
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("scam_campaigns.id", ondelete="SET NULL"), index=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ScamComplaint(Base):
    """A message as one victim handed it in: the file, its hash, and whose complaint it is."""

    __tablename__ = "scam_complaints"
    __table_args__ = (UniqueConstraint("file_sha256", "message_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("scam_messages.id", ondelete="CASCADE"), index=True
    )
    path: Mapped[str] = mapped_column(String(1000))
    ref: Mapped[str | None] = mapped_column(String(500))  # Message-ID or mbox index
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    message_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    complainant_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(String(120), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ScamIndicator(Base):
    """A validated indicator (kind and normalised value), stored once."""

    __tablename__ = "scam_indicators"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    value: Mapped[str] = mapped_column(String(300))


class ScamMessageIndicator(Base):
    """An indicator found in a message."""

    __tablename__ = "scam_message_indicators"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("scam_messages.id", ondelete="CASCADE"), primary_key=True
    )
    indicator_id: Mapped[int] = mapped_column(
        ForeignKey("scam_indicators.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ScamTransaction(Base):
    """A payment received by (or sent from) an address, from an offline export."""

    __tablename__ = "scam_transactions"
    __table_args__ = (UniqueConstraint("chain", "txid", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(120), index=True)
    txid: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(DateTime)
    amount: Mapped[str] = mapped_column(String(40))  # decimal text, received (+) or sent (-)
    source: Mapped[str] = mapped_column(String(300), default="")
    # The other side as the export names it: payers of a payment in, payees of one out
    # (space-separated addresses; empty when the export does not say).
    counterparties: Mapped[str] = mapped_column(Text, default="", server_default="")


class ScamRate(Base):
    """Rupees per unit of a crypto asset on a day (from an offline rate file)."""

    __tablename__ = "scam_rates"
    __table_args__ = (UniqueConstraint("asset", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset: Mapped[str] = mapped_column(String(10))
    day: Mapped[date] = mapped_column(Date)
    inr: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(300), default="")
