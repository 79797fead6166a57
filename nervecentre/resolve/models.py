"""Tables of the resolved-entity layer over the source person records.

Resolution never edits a ``persons`` row. It writes which entity each record belongs to
and how that link was made (``entity_links``), the pairs left for an analyst
(``resolution_queue``), analysts' decisions (``resolution_decisions``, kept as history:
undoing one marks it undone), and each run with its model (``resolution_runs``). Only ids,
scores and model parameters are stored: no name or contact, so nothing of a victim.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from nervecentre.store.base import Base, utcnow

VERDICTS = ("same", "different", "unsure")


class ResolutionRun(Base):
    """One run of resolution over the registry: what it did and the model it used."""

    __tablename__ = "resolution_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    records: Mapped[int] = mapped_column(Integer, default=0)
    compared: Mapped[int] = mapped_column(Integer, default=0)
    entities: Mapped[int] = mapped_column(Integer, default=0)
    auto_links: Mapped[int] = mapped_column(Integer, default=0)
    queued: Mapped[int] = mapped_column(Integer, default=0)
    model_version: Mapped[str] = mapped_column(String(32), default="")
    #: The model's m, u and prior as JSON: an incremental run scores with the same model.
    model: Mapped[str] = mapped_column(Text, default="")


class EntityLink(Base):
    """The entity one person record belongs to, and how it came to belong there."""

    __tablename__ = "entity_links"
    __table_args__ = (Index("ix_entity_links_entity", "entity_id"),)

    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    #: The lowest person id of the entity: stable while the entity keeps that record.
    entity_id: Mapped[int] = mapped_column(Integer)
    #: 'alone', 'model' (scored above the link threshold) or 'analyst' (a decision).
    how: Mapped[str] = mapped_column(String(12), default="alone")
    score: Mapped[float | None] = mapped_column(Float)
    model_version: Mapped[str] = mapped_column(String(32), default="")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("resolution_runs.id"))
    linked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReviewPair(Base):
    """A pair scored between the review and link thresholds, left for an analyst."""

    __tablename__ = "resolution_queue"
    __table_args__ = (UniqueConstraint("person_a", "person_b"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_a: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    person_b: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    probability: Mapped[float] = mapped_column(Float)
    #: Higher first: how much a decision would settle (closest to even odds first).
    priority: Mapped[float] = mapped_column(Float, default=0.0, index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("resolution_runs.id"))


class Decision(Base):
    """An analyst's verdict on two records; every later run keeps it."""

    __tablename__ = "resolution_decisions"
    __table_args__ = (Index("ix_resolution_decisions_pair", "person_a", "person_b"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_a: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    person_b: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    verdict: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    note: Mapped[str] = mapped_column(String(400), default="")
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Fingerprint(Base):
    """A keyed digest of one record's resolution-relevant fields, as the last run saw them.

    An incremental run compares only the records whose digest is new or different. The
    digest is an HMAC under the installation's key: it cannot be matched against a list of
    names, and nothing else of the record is kept here.
    """

    __tablename__ = "resolution_fingerprints"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    fingerprint: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("resolution_runs.id"))
