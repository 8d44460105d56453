"""China's working-day calendar: weekends, public holidays and 调休 make-up days, plus administrator overrides.

Sources, in order: the ``calendar_days`` overrides table, then the ``chinesecalendar`` package. A year
that neither knows (no package data and not a single override) follows the configured policy:
``error`` raises :class:`CalendarUnknown`; ``weekends`` counts Monday–Friday, logs a warning and marks
the result as *estimated* (clocks carry the flag, the API shows it). A year with at least one override
is treated as configured: its other days follow the Monday–Friday rule, without a warning — so an
administrator enters only the State Council notice's holidays and make-up days for a new year.

Period arithmetic (APL Art. 85, SAMR Art. 80): the start day is not counted.
- ``N wd``: the N-th working day after the start day.
- ``N d``: start day + N; when that last day is not a working day (weekend or holiday) the period ends
  on the next working day (the common rule for periods: 期间届满的最后一日是节假日的，以节假日后的第一日为
  期间届满的日期).
"""
from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timedelta, timezone

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.deadlines.config import FALLBACK_ERROR, DeadlineSettings, settings as current_settings
from engine.errors import Conflict, ValidationFailed
from engine.models import CalendarDay

log = logging.getLogger(__name__)

WORKING_DAYS = "wd"
NATURAL_DAYS = "d"
_LIMIT = re.compile(r"^\s*(\d{1,4})\s*(wd|d)\s*$")


class CalendarUnknown(Conflict):
    """A deadline needs a year the calendar has no data for, and the policy is ``error``."""

    code = "calendar-unknown"


def parse_limit(text: str) -> tuple[int, str]:
    """``"15wd"`` → (15, "wd"); ``"90d"`` → (90, "d"). Raises ValueError on anything else."""
    match = _LIMIT.match(text or "")
    if not match:
        raise ValueError(f"deadline {text!r} is not '<N>wd' (working days) or '<N>d' (natural days)")
    return int(match.group(1)), match.group(2)


def local_date(at: datetime, cfg: DeadlineSettings | None = None) -> date:
    return at.astimezone((cfg or current_settings()).tz).date()


def local_today(cfg: DeadlineSettings | None = None) -> date:
    return local_date(clock.now(), cfg)


def day_end(day: date, cfg: DeadlineSettings | None = None) -> datetime:
    """The instant a period ending on ``day`` is over: local midnight after it, in UTC (as stored)."""
    return datetime.combine(day + timedelta(days=1), time(0), (cfg or current_settings()).tz).astimezone(timezone.utc)


def _package_years() -> set[int]:
    return {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}


_PACKAGE_YEARS = _package_years()


class Calendar:
    """A snapshot of the calendar for one command or sweep (overrides are read once)."""

    def __init__(self, overrides: dict[date, bool], cfg: DeadlineSettings | None = None):
        self.overrides = overrides
        self.cfg = cfg or current_settings()
        self.override_years = {d.year for d in overrides}
        self.estimated_years: set[int] = set()

    @classmethod
    def load(cls, session: Session, cfg: DeadlineSettings | None = None) -> "Calendar":
        rows = session.execute(select(CalendarDay.day, CalendarDay.workday)).all()
        return cls({day: bool(workday) for day, workday in rows}, cfg)

    def knows(self, year: int) -> bool:
        return year in _PACKAGE_YEARS or year in self.override_years

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in _PACKAGE_YEARS:
            return chinese_calendar.is_workday(day)
        if day.year in self.override_years:
            return day.weekday() < 5
        if self.cfg.calendar_fallback == FALLBACK_ERROR:
            raise CalendarUnknown(
                f"no working-day calendar for {day.year}: enter that year's holidays and make-up working days "
                f"as calendar overrides, or set ZHIFA_CALENDAR_FALLBACK=weekends", year=day.year)
        if day.year not in self.estimated_years:
            log.warning("no working-day calendar for %s: counting Monday-Friday only (estimated); enter the "
                        "year's holidays as calendar overrides", day.year)
            self.estimated_years.add(day.year)
        return day.weekday() < 5

    # -- arithmetic

    def add_workdays(self, start: date, n: int) -> date:
        day, counted = start, 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
        return day

    def add_days(self, start: date, n: int) -> date:
        day = start + timedelta(days=n)
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add(self, start: date, n: int, unit: str) -> date:
        return self.add_workdays(start, n) if unit == WORKING_DAYS else self.add_days(start, n)

    def workdays_between(self, after: date, until: date) -> int:
        """Working days d with after < d ≤ until (negative when until < after)."""
        if until < after:
            return -self.workdays_between(until, after)
        return sum(1 for i in range(1, (until - after).days + 1) if self.is_workday(after + timedelta(days=i)))

    def units_in(self, first: date, end: date, unit: str) -> int:
        """Days of [first, end) in the clock's unit (working days or natural days): a pause's length."""
        if end <= first:
            return 0
        if unit == NATURAL_DAYS:
            return (end - first).days
        return sum(1 for i in range((end - first).days) if self.is_workday(first + timedelta(days=i)))


# -- administrators' overrides

def list_overrides(session: Session, year: int | None = None) -> list[CalendarDay]:
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    return list(session.scalars(query))


def set_override(session: Session, day: date, workday: bool, note: str | None = None,
                 user_id: int | None = None) -> CalendarDay:
    """Declare ``day`` a working day (调休) or a holiday. Running clocks are recomputed by the caller
    (:func:`engine.deadlines.clocks.recompute_running`)."""
    if not isinstance(day, date) or not isinstance(workday, bool):
        raise ValidationFailed("invalid calendar day", {"day": ["expected a date and workday true/false"]})
    row = session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day)
        session.add(row)
    row.workday, row.note, row.updated_by, row.updated_at = workday, note, user_id, clock.now()
    return row


def remove_override(session: Session, day: date) -> bool:
    row = session.get(CalendarDay, day)
    if row is None:
        return False
    session.delete(row)
    return True
