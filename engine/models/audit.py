"""Audit records: each case's last integrity verdict (written by the sweep) and the auditors' access log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JsonType


class CaseIntegrity(Base):
    """The last verification of a case: hash chain + replay, combined into one verdict."""

    __tablename__ = "case_integrity"
    __table_args__ = (Index("ix_case_integrity_verdict", "verdict", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    verdict: Mapped[str] = mapped_column(String(16))      # intact | altered | unreplayable
    step: Mapped[int | None] = mapped_column(Integer)     # event seq where the check failed
    reason: Mapped[str | None] = mapped_column(String(32))  # machine code of what differs
    detail: Mapped[dict] = mapped_column(JsonType, default=dict)
    events: Mapped[int] = mapped_column(Integer, default=0)
    chain_head: Mapped[str | None] = mapped_column(String(64))
    case_version: Mapped[int] = mapped_column(Integer, default=0)  # the case's CAS counter when checked
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class AccessLog(Base):
    """Who looked at or exported what, when (auditors' history views and exports)."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_at", "at"), Index("ix_access_log_case", "case_id", "at"))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))       # history | export_pdf | export_zip | replay | events
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    case_number: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[str | None] = mapped_column(Text)
