"""Statutory deadline clocks on cases and tasks (红黄绿灯督办).

A clock counts ``limit_days`` working days (``unit="wd"``) or natural days (``unit="d"``) after
``started_on`` (the start day is not counted). Pauses (中止, hearing, public notice, lab testing) and
approved extensions push ``due_on`` back. ``yellow_on`` is the first local date on which the clock turns
yellow, so sweeps find colour changes with an index scan instead of computing every clock.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JsonType


class Clock(Base):
    __tablename__ = "clocks"
    __table_args__ = (
        Index("ix_clocks_state_yellow", "state", "colour", "yellow_on"),
        Index("ix_clocks_state_due", "state", "due_on"),
        Index("ix_clocks_state_escalation", "state", "next_escalation_on"),
        Index("ix_clocks_unit_state", "unit_id", "state"),
        # 履职评估: clocks closed in a period per unit (on-time rate per kind, red lights), covering
        Index("ix_clocks_unit_closed", "unit_id", "closed_at",
              postgresql_include=["kind", "label", "state", "due_on", "due_at"],
              postgresql_where=text("closed_at IS NOT NULL"), sqlite_where=text("closed_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))          # case | task
    spec: Mapped[str] = mapped_column(String(100))        # BPMN task id, or the process key for case clocks
    label: Mapped[str] = mapped_column(String(200))       # e.g. 陈述申辩期, 作出处罚决定
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"))  # the unit answerable for the deadline
    role: Mapped[str | None] = mapped_column(String(32))  # the task's role (task clocks)
    limit_days: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(2))          # wd | d
    started_on: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    extension_days: Mapped[int] = mapped_column(Integer, default=0)   # approved by hand (API)
    process_extension_days: Mapped[int] = mapped_column(Integer, default=0)  # approved in the process
    paused_units: Mapped[int] = mapped_column(Integer, default=0)     # days of finished pauses (clock unit)
    # [{"from": "2026-10-09", "to": "2026-10-20" | null, "reason": "...", "by": user id | null}]
    pauses: Mapped[list] = mapped_column(JsonType, default=list)
    due_on: Mapped[date] = mapped_column(Date)            # last day of the period (local date)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # instant it becomes overdue
    yellow_on: Mapped[date] = mapped_column(Date)
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)  # weekend-only fallback was used
    state: Mapped[str] = mapped_column(String(16))        # running | paused | met | overdue | stopped
    colour: Mapped[str] = mapped_column(String(8))        # green | yellow | red
    colour_changes: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    next_escalation_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
