"""Tables of the hash engine: hash sets from authorities, their versions and their entries.

Hashes are kept as lowercase hex text: the same on SQLite and PostgreSQL, readable in any SQL
client, and exactly what analysts paste and what the export formats carry. Binary would save
about 70 bytes an entry (hash plus index), little beside a PhotoDNA signature of ~200 bytes.
PDQ hashes are not indexed in SQL: matching loads them into the in-memory index
(:mod:`nervecentre.hashing.index`), which is exact and far faster than any SQL scheme.
"""

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
)
from sqlalchemy.orm import Mapped, mapped_column

from nervecentre.store.base import Base, utcnow


class HashSet(Base):
    """A named list of known-material hashes and where it came from."""

    __tablename__ = "hash_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    source: Mapped[str] = mapped_column(String(200), default="")
    classification: Mapped[str] = mapped_column(String(60), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class HashSetVersion(Base):
    """One import into a set: the file it came from and what it changed."""

    __tablename__ = "hash_set_versions"
    __table_args__ = (UniqueConstraint("set_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("hash_sets.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    format: Mapped[str] = mapped_column(String(8))
    format_version: Mapped[str] = mapped_column(String(40), default="")
    filename: Mapped[str] = mapped_column(String(400), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    file_size: Mapped[int] = mapped_column(BigInteger, default=0)
    issued_on: Mapped[date | None] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    entries_read: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class HashEntry(Base):
    """One known item of a set; identified by its MediaID/id, else by its strongest hash.

    ``key`` is that identity (``id:<id>`` or ``<algorithm>:<hex>``); ``extra`` keeps the
    entry's other VICS fields verbatim (JSON) so that an export gives back what came in.
    """

    __tablename__ = "hash_entries"
    __table_args__ = (UniqueConstraint("set_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("hash_sets.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    external_id: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[int | None] = mapped_column(Integer)
    md5: Mapped[str | None] = mapped_column(String(32), index=True)
    sha1: Mapped[str | None] = mapped_column(String(40), index=True)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdq: Mapped[str | None] = mapped_column(String(64))
    photodna: Mapped[str | None] = mapped_column(Text)
    precategorized: Mapped[bool | None] = mapped_column(Boolean)
    description: Mapped[str | None] = mapped_column(Text)
    extra: Mapped[str | None] = mapped_column(Text)
    added_version: Mapped[int] = mapped_column(Integer)
    seen_version: Mapped[int] = mapped_column(Integer)
    removed_version: Mapped[int | None] = mapped_column(Integer)
