"""Tables of the case-study library: documents, their case links, sections and MO tags."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nervecentre.store.base import Base, utcnow


class LibraryDocument(Base):
    """A judgment, charge-sheet, case study or SOP: its text, metadata and stored file.

    The file's bytes live in the content-addressed store under ``sha256`` (stored once);
    ``text`` is what extraction read, and what full-text search indexes.
    """

    __tablename__ = "library_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(120))
    filename: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(1000), default="")
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="document")
    court: Mapped[str] = mapped_column(String(200), default="")
    decided_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(20), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Codes of the states and districts the text names (for "similar": the route).
    places: Mapped[str] = mapped_column(String(400), default="")
    pages: Mapped[int] = mapped_column(Integer, default=0)
    # How the text was read: 'text', 'ocr', or why not ("not OCR'd: Tesseract not installed").
    extraction: Mapped[str] = mapped_column(String(120), default="text")
    text: Mapped[str] = mapped_column(Text, default="")
    # Restricted: an unlinked restricted document is seen only with case.view_all.
    # Indexed: the ids of unrestricted documents are read from the index, not the texts.
    restricted: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), index=True
    )
    added_by: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    links: Mapped[list[LibraryLink]] = relationship(
        cascade="all, delete-orphan", order_by="LibraryLink.case_id"
    )
    sections: Mapped[list[LibrarySection]] = relationship(
        cascade="all, delete-orphan", order_by="LibrarySection.section_key"
    )
    tags: Mapped[list[LibraryTag]] = relationship(
        cascade="all, delete-orphan", order_by="LibraryTag.tag"
    )


class LibraryLink(Base):
    """A document linked to a registry case: who may see the case may see the document."""

    __tablename__ = "library_links"
    __table_args__ = (UniqueConstraint("document_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("library_documents.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)


class LibrarySection(Base):
    """A section of law a document cites, by its key ('IPC 370')."""

    __tablename__ = "library_sections"
    __table_args__ = (UniqueConstraint("document_id", "section_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("library_documents.id", ondelete="CASCADE"))
    section_key: Mapped[str] = mapped_column(String(32), index=True)


class LibraryTag(Base):
    """A modus operandi tag of the declared vocabulary found in a document."""

    __tablename__ = "library_tags"
    __table_args__ = (UniqueConstraint("document_id", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("library_documents.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(40), index=True)
