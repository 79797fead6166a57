"""Tables of the case registry: places and units, cases (FIRs), charges, events, routes.

Times of day on FIRs and events are stored as local Indian Standard Time without a zone,
as the registers record them; audit-style timestamps (created/updated) are UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nervecentre.store.base import Base, Imported, utcnow


class District(Base):
    """A revenue district or a police commissionerate (reference data)."""

    __tablename__ = "districts"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(8))
    range: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[str] = mapped_column(String(20), default="district")


class Unit(Base):
    """A police station, anti-human-trafficking unit or cyber cell (reference data)."""

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(48), primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20))
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"), index=True)


class ImportBatch(Base):
    """One import or generation run: where rows came from, for traceability."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(400))
    sha256: Mapped[str] = mapped_column(String(64), default="")
    mapping: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    cases_created: Mapped[int] = mapped_column(Integer, default=0)
    cases_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_rejected: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(120), default="")


class Case(Base):
    """A First Information Report and everything the registry tracks about it."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("police_station_code", "fir_year", "fir_number"),
        Index("ix_cases_district_fir_at", "district_code", "fir_at"),
        Index("ix_cases_status_fir_at", "status", "fir_at"),
        Index("ix_cases_station_fir_at", "police_station_code", "fir_at", "unit_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_key: Mapped[str] = mapped_column(String(100), unique=True)
    fir_number: Mapped[str] = mapped_column(String(32))
    fir_year: Mapped[int] = mapped_column(Integer)
    police_station_code: Mapped[str] = mapped_column(ForeignKey("units.code"))
    district_code: Mapped[str] = mapped_column(ForeignKey("districts.code"))
    unit_code: Mapped[str] = mapped_column(ForeignKey("units.code"), index=True)
    fir_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    info_received_at: Mapped[datetime | None] = mapped_column(DateTime)
    info_mode: Mapped[str | None] = mapped_column(String(20))
    occurred_from: Mapped[datetime | None] = mapped_column(DateTime)
    occurred_to: Mapped[datetime | None] = mapped_column(DateTime)
    occurrence_place: Mapped[str] = mapped_column(String(400), default="")
    brief_facts: Mapped[str] = mapped_column(Text, default="")
    crime_heads: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(24), default="registered")
    investigating_officer: Mapped[str] = mapped_column(String(160), default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    #: Fields changed in nervecentre (comma-separated): re-imports keep their values.
    edited_fields: Mapped[str] = mapped_column(String(400), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    charges: Mapped[list[Charge]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Charge.id"
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Event.occurred_at"
    )
    route: Mapped[list[RouteStop]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="RouteStop.seq"
    )


class CaseLink(Imported, Base):
    """A directed link between two cases (related, same accused, transferred…)."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("case_id", "other_case_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    other_case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20), default="related")
    note: Mapped[str] = mapped_column(String(400), default="")


class Charge(Imported, Base):
    """A law section applied to a case at one stage, with its equivalent in the other code."""

    __tablename__ = "charges"
    __table_args__ = (Index("ix_charges_section_key", "section_key", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    law: Mapped[str] = mapped_column(String(8))
    section: Mapped[str] = mapped_column(String(16))
    subsection: Mapped[str] = mapped_column(String(16), default="")
    section_key: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(16), default="fir")
    equivalent: Mapped[str] = mapped_column(String(80), default="")

    case: Mapped[Case] = relationship(back_populates="charges")


class Event(Imported, Base):
    """Something that happened in a case at a date and time of day: arrest, rescue, hearing…"""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    place: Mapped[str] = mapped_column(String(400), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="events")
    participants: Mapped[list[EventParticipant]] = relationship(cascade="all, delete-orphan")


class EventParticipant(Base):
    """A person taking part in an event (the arrested, the rescued, the judge…)."""

    __tablename__ = "event_participants"
    __table_args__ = (UniqueConstraint("event_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)


class RouteStop(Imported, Base):
    """One place on a trafficking route: source, transit or destination, in order."""

    __tablename__ = "route_stops"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(12))
    place: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(8), default="")
    country: Mapped[str] = mapped_column(String(2), default="IN")

    case: Mapped[Case] = relationship(back_populates="route")
