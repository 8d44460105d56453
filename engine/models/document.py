"""Numbered enforcement documents (执法文书): one row per issued document, its PDF stored as an attachment."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class Document(Base):
    """Issued once, never regenerated: a correction is a new document (new number) with ``replaces_id``."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("unit_id", "year", "kind", "seq", name="uq_documents_unit_year_kind_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(48))     # decision_letter, prior_notice …
    title: Mapped[str] = mapped_column(String(100))   # 行政处罚决定书
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(120))  # 城南街道综执罚决字〔2026〕第12号
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DocumentCounter(Base):
    """Last number used per unit, year and document kind; bumped under a row lock (gap-free)."""

    __tablename__ = "document_counters"

    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(48), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
