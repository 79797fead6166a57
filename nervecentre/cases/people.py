"""Tables for people, their roles in cases, and the identifiers that link them.

A victim's name, address and contact are encrypted at rest (see :mod:`nervecentre.security.fields`);
lists and exports show the pseudonymous ``code`` instead.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nervecentre.store.base import Base, Imported, utcnow


class Person(Base):
    """One person *record* as a source described them; entity resolution links records later."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    source_ref: Mapped[str] = mapped_column(String(160), unique=True)
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(200), default="", index=True)
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    address_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    contact_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    address: Mapped[str] = mapped_column(String(400), default="")
    gender: Mapped[str] = mapped_column(String(12), default="unknown")
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    age: Mapped[int | None] = mapped_column(Integer)
    age_band: Mapped[str] = mapped_column(String(8), default="unknown")
    nationality: Mapped[str] = mapped_column(String(2), default="")
    home_state: Mapped[str] = mapped_column(String(8), default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    #: Fields changed in nervecentre (comma-separated): re-imports keep their values.
    edited_fields: Mapped[str] = mapped_column(String(400), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    aliases: Mapped[list[PersonAlias]] = relationship(cascade="all, delete-orphan")
    roles: Mapped[list[CaseRole]] = relationship(back_populates="person")

    @property
    def shown_name(self) -> str:
        """What lists and exports show: the pseudonymous code for protected people."""
        return self.code if self.protected else self.name


class PersonAlias(Imported, Base):
    """Another name a person is known by ('Salim @ Salu')."""

    __tablename__ = "person_aliases"
    __table_args__ = (UniqueConstraint("person_id", "alias"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(200), index=True)


class CaseRole(Imported, Base):
    """A person's part in a case: victim, complainant, accused (and how), witness, buyer."""

    __tablename__ = "case_roles"
    __table_args__ = (
        UniqueConstraint("case_id", "person_id", "role"),
        Index("ix_case_roles_person", "person_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    accused_roles: Mapped[str] = mapped_column(String(120), default="")

    person: Mapped[Person] = relationship(back_populates="roles")


class Identifier(Base):
    """A normalised identifier value (phone, UPI ID, wallet…), stored once per (kind, value)."""

    __tablename__ = "identifiers"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(300))
    display: Mapped[str] = mapped_column(String(300), default="")
    extra: Mapped[str] = mapped_column(String(400), default="")


class IdentifierUse(Imported, Base):
    """An identifier seen in a case, and the person it belonged to when known."""

    __tablename__ = "identifier_uses"
    __table_args__ = (
        UniqueConstraint("identifier_id", "case_id", "person_id"),
        Index("ix_identifier_uses_person", "person_id"),
        Index("ix_identifier_uses_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier_id: Mapped[int] = mapped_column(ForeignKey("identifiers.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    raw: Mapped[str] = mapped_column(String(300), default="")
