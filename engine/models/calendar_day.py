"""The working-day calendar's administrator data: day overrides and the years marked complete."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base


class CalendarDay(Base):
    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool] = mapped_column(Boolean)        # True: 调休 make-up working day; False: holiday
    note: Mapped[str | None] = mapped_column(String(200))  # e.g. 国务院办公厅通知 2027 春节
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CalendarYear(Base):
    """A year whose State Council holiday notice an administrator has entered completely.

    Until a year not known to the ``chinesecalendar`` package is marked complete, clocks that reach into it
    are flagged *estimated* (or refused under ``ZHIFA_CALENDAR_FALLBACK=error``), however many overrides it has.
    """
    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    complete: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(200))  # e.g. 国办发明电〔2026〕X号
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
