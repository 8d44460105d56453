"""China's working-day calendar: weekends, public holidays and 调休 make-up days, plus administrator data.

Sources, in order: the ``calendar_days`` overrides table, then the ``chinesecalendar`` package, then the
fixed-date statutory holidays (全国年节及纪念日放假办法 Art. 2: 元旦 1-1, 劳动节 5-1, 国庆节 10-1…10-3), which
are never working days in any year, then Monday–Friday. A year counts as *configured* when the package knows
it or an administrator has marked it complete (``calendar_years``) after entering the State Council notice;
overrides alone do not make a year configured. For a year not configured the policy decides: ``error``
raises :class:`CalendarUnknown`; ``weekends`` counts as above, logs a warning once and marks the result
*estimated* (clocks carry the flag, the API and the UI show it).

Period arithmetic (APL Art. 85, SAMR Art. 80): the start day is not counted.
- ``N wd``: the N-th working day after the start day.
- ``N d``: start day + N; when that last day is not a working day (weekend or holiday) the period ends
  on the next working day (期间届满的最后一日是节假日的，以节假日后的第一日为期间届满的日期).

Counting is arithmetic per year: each year is held as its exceptions to the Monday–Friday rule (weekdays
off, weekend days worked), so counting working days over a range costs a few bisections per year touched,
never a walk over the days.
"""
from __future__ import annotations

import logging
import re
from bisect import bisect_right
from datetime import date, datetime, time, timedelta, timezone

import chinese_calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.deadlines.config import FALLBACK_ERROR, DeadlineSettings, settings as current_settings
from engine.errors import Conflict, ValidationFailed
from engine.models import CalendarDay, CalendarYear

log = logging.getLogger(__name__)

WORKING_DAYS = "wd"
NATURAL_DAYS = "d"
_LIMIT = re.compile(r"^\s*(\d{1,4})\s*(wd|d)\s*$")
# 全国年节及纪念日放假办法 Art. 2 (2024 revision): fixed-date holidays of every year.
FIXED_HOLIDAYS = ((1, 1), (5, 1), (10, 1), (10, 2), (10, 3))
FIXED_HOLIDAY_ARTICLE = "全国年节及纪念日放假办法第二条"


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


def is_fixed_holiday(day: date) -> bool:
    return (day.month, day.day) in FIXED_HOLIDAYS


def _package_index() -> dict[int, dict[date, bool]]:
    """Per year, the package's exceptions to Monday–Friday: {day: workday}."""
    index: dict[int, dict[date, bool]] = {}
    for day in chinese_calendar.holidays:
        if day.weekday() < 5:
            index.setdefault(day.year, {})[day] = False
    for day in chinese_calendar.workdays:
        if day.weekday() >= 5:
            index.setdefault(day.year, {})[day] = True
    return index


_PACKAGE = _package_index()
_PACKAGE_YEARS = frozenset(_PACKAGE)


def _weekdays_upto(day: date) -> int:
    """Monday–Friday days from a fixed origin up to and including ``day`` (pure arithmetic)."""
    n = day.toordinal()  # ordinal 1 (0001-01-01) is a Monday
    weeks, rest = divmod(n, 7)
    return weeks * 5 + min(rest, 5)


class _Year:
    """One year's exceptions to Monday–Friday, sorted, for counting by bisection."""

    __slots__ = ("off", "on", "exceptions")

    def __init__(self, exceptions: dict[date, bool]):
        self.exceptions = exceptions
        self.off = sorted(d for d, work in exceptions.items() if not work and d.weekday() < 5)
        self.on = sorted(d for d, work in exceptions.items() if work and d.weekday() >= 5)

    def count(self, after: date, until: date) -> int:
        """Working days d with after < d ≤ until, both inside this year (or after = Dec 31 before)."""
        plain = _weekdays_upto(until) - _weekdays_upto(after)
        return plain - (bisect_right(self.off, until) - bisect_right(self.off, after)) \
            + (bisect_right(self.on, until) - bisect_right(self.on, after))


class Calendar:
    """A snapshot of the calendar for one command or sweep (administrator data is read once)."""

    def __init__(self, overrides: dict[date, bool], cfg: DeadlineSettings | None = None,
                 complete_years: set[int] | frozenset[int] = frozenset()):
        self.overrides = overrides
        self.cfg = cfg or current_settings()
        self.complete_years = frozenset(complete_years)
        self.override_years = {d.year for d in overrides}
        self.estimated_years: set[int] = set()
        self._years: dict[int, _Year] = {}

    @classmethod
    def load(cls, session: Session, cfg: DeadlineSettings | None = None) -> "Calendar":
        rows = session.execute(select(CalendarDay.day, CalendarDay.workday)).all()
        years = session.scalars(select(CalendarYear.year).where(CalendarYear.complete.is_(True))).all()
        return cls({day: bool(workday) for day, workday in rows}, cfg, set(years))

    def knows(self, year: int) -> bool:
        """Configured: the package knows the year, or an administrator marked it complete."""
        return year in _PACKAGE_YEARS or year in self.complete_years

    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is not None:
            return found
        if not self.knows(year):
            if self.cfg.calendar_fallback == FALLBACK_ERROR:
                raise CalendarUnknown(
                    f"{year} 年的工作日历尚未录入完整：请管理员录入当年国务院办公厅放假通知并标记完成 "
                    f"(no complete working-day calendar for {year}; enter the State Council notice and mark the "
                    f"year complete, or set ZHIFA_CALENDAR_FALLBACK=weekends)", year=year)
            if year not in self.estimated_years:
                log.warning("no complete working-day calendar for %s: counting Monday-Friday, fixed-date holidays "
                            "and overrides only (estimated); enter the year and mark it complete", year)
                self.estimated_years.add(year)
        exceptions = dict(_PACKAGE.get(year, {}))
        for month, dom in FIXED_HOLIDAYS:
            exceptions[date(year, month, dom)] = False
        exceptions.update({d: w for d, w in self.overrides.items() if d.year == year and not (w and is_fixed_holiday(d))})
        found = self._years[year] = _Year(exceptions)
        return found

    def is_workday(self, day: date) -> bool:
        exc = self._year(day.year).exceptions
        return exc[day] if day in exc else day.weekday() < 5

    # -- arithmetic (per year, never per day over a long range)

    def _segment(self, cursor: date) -> tuple[_Year, date]:
        """The year that the days after ``cursor`` belong to, and its last day."""
        if cursor >= date.max:
            raise ValidationFailed("期间超出日历范围 (period beyond the calendar)", {"": ["日期超出范围 (date out of range)"]})
        year = (cursor + timedelta(days=1)).year
        return self._year(year), date(year, 12, 31)

    def workdays_between(self, after: date, until: date) -> int:
        """Working days d with after < d ≤ until (negative when until < after)."""
        if until < after:
            return -self.workdays_between(until, after)
        total, cursor = 0, after
        while cursor < until:
            year, year_end = self._segment(cursor)
            stop = min(until, year_end)
            total += year.count(cursor, stop)
            cursor = stop
        return total

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (the start day is not counted)."""
        if n <= 0:
            return start
        cursor = start
        while True:
            year, year_end = self._segment(cursor)
            left = year.count(cursor, year_end)
            if left >= n:
                break
            n, cursor = n - left, year_end
        lo, hi = 1, (year_end - cursor).days  # first offset whose count reaches n, by bisection
        while lo < hi:
            mid = (lo + hi) // 2
            if year.count(cursor, cursor + timedelta(days=mid)) >= n:
                hi = mid
            else:
                lo = mid + 1
        return cursor + timedelta(days=lo)

    def add_days(self, start: date, n: int) -> date:
        day = start + timedelta(days=n)
        while not self.is_workday(day):  # at most a holiday's length (about ten days)
            day += timedelta(days=1)
        return day

    def add(self, start: date, n: int, unit: str) -> date:
        return self.add_workdays(start, n) if unit == WORKING_DAYS else self.add_days(start, n)

    def units_in(self, first: date, end: date, unit: str) -> int:
        """Days of [first, end) in the clock's unit (working days or natural days): a pause's length."""
        if end <= first:
            return 0
        if unit == NATURAL_DAYS:
            return (end - first).days
        return self.workdays_between(first - timedelta(days=1), end - timedelta(days=1))


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
        raise ValidationFailed("invalid calendar day", {"day": ["expected a date and workday true/false"]},
                               zh="日历日期无效", errors_zh={"day": ["应为日期，及是否工作日（true/false）"]})
    if workday and is_fixed_holiday(day):
        msg = f"{day.month}月{day.day}日是法定节假日，任何年份都不能设为工作日（{FIXED_HOLIDAY_ARTICLE}）"
        en = f"{day.isoformat()} is a statutory holiday in every year and cannot become a working day"
        raise ValidationFailed(en, {"workday": [en]}, zh=msg, errors_zh={"workday": [msg]})
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


# -- years marked complete

def list_years(session: Session) -> list[dict]:
    """Every year the calendar can count: package years and administrators' years, with their state."""
    rows = {r.year: r for r in session.scalars(select(CalendarYear))}
    counts: dict[int, int] = {}
    for day in session.scalars(select(CalendarDay.day)):
        counts[day.year] = counts.get(day.year, 0) + 1
    out = []
    for year in sorted(set(_PACKAGE_YEARS) | set(rows) | set(counts)):
        row = rows.get(year)
        source = "package" if year in _PACKAGE_YEARS else "administrator"
        out.append({"year": year, "source": source, "overrides": counts.get(year, 0),
                    "complete": year in _PACKAGE_YEARS or bool(row and row.complete),
                    "note": row.note if row else None, "updated_at": row.updated_at if row else None})
    return out


def mark_year(session: Session, year: int, complete: bool, note: str | None = None,
              user_id: int | None = None) -> CalendarYear:
    """Mark a year's calendar complete (the State Council notice is entered) or not; the caller recomputes."""
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ValidationFailed("年份无效 (invalid year)", {"year": ["应为 2000–2100 (expected 2000–2100)"]})
    if not isinstance(complete, bool):
        raise ValidationFailed("invalid flag", {"complete": ["应为 true 或 false (expected true/false)"]},
                               zh="“是否完整”应为 true 或 false")
    row = session.get(CalendarYear, year)
    if row is None:
        row = CalendarYear(year=year)
        session.add(row)
    row.complete, row.note, row.updated_by, row.updated_at = complete, note, user_id, clock.now()
    return row
