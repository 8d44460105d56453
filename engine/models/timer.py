"""Waiting BPMN timers with their due time, so a scheduler finds due ones without loading workflows."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_state_due", "state", "due_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the workflow task's id
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_spec: Mapped[str] = mapped_column(String(100))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16))
    fired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
