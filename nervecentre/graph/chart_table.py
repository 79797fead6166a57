"""The table of saved link charts (:mod:`nervecentre.graph.charts` keeps and reopens them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nervecentre.store.base import Base, utcnow

MAX_NAME = 200


class SavedChart(Base):
    """One chart saved to a case: its name, who saved it and its layout (JSON, ids only)."""

    __tablename__ = "saved_charts"
    __table_args__ = (Index("ix_saved_charts_case", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    state: Mapped[str] = mapped_column(Text)
    nodes: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
