"""Working-day arithmetic on China's real calendar (2026 National Day and its 调休), overrides, unknown years."""
from __future__ import annotations

import logging
from datetime import date

import pytest

from engine.deadlines.calendar import Calendar, CalendarUnknown, parse_limit
from engine.deadlines.config import DeadlineSettings

STRICT = DeadlineSettings(calendar_fallback="error")
LENIENT = DeadlineSettings(calendar_fallback="weekends")


def cal(overrides=None, cfg=STRICT) -> Calendar:
    return Calendar(dict(overrides or {}), cfg)


def test_2026_national_day_holidays_and_make_up_days_per_package():
    c = cal()
    assert [c.is_workday(date(2026, 10, d)) for d in range(1, 8)] == [False] * 7  # Oct 1–7 holidays
    assert c.is_workday(date(2026, 10, 8)) and c.is_workday(date(2026, 10, 9))
    assert c.is_workday(date(2026, 9, 20))    # Sunday, make-up working day
    assert c.is_workday(date(2026, 10, 10))   # Saturday, make-up working day
    assert not c.is_workday(date(2026, 10, 11))


def test_working_days_across_national_day_start_day_not_counted():
    c = cal()
    # Tue 29 Sep + 5 wd: Sep 30, (Oct 1–7 off), Oct 8, Oct 9, Sat Oct 10 (调休), (Sun 11 off), Mon Oct 12
    assert c.add_workdays(date(2026, 9, 29), 5) == date(2026, 10, 12)
    # a plain Mon–Fri count would have said Oct 6 — in the middle of the holiday
    assert c.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 8)   # start day never counts
    assert c.add_workdays(date(2026, 10, 7), 3) == date(2026, 10, 10)  # the Saturday make-up day counts
    assert c.add_workdays(date(2026, 9, 18), 1) == date(2026, 9, 20)   # Sunday make-up day counts
    assert c.add_workdays(date(2026, 9, 25), 15) == date(2026, 10, 22)  # 3 before, 12 after the holiday
    assert c.workdays_between(date(2026, 9, 29), date(2026, 10, 12)) == 5
    assert c.workdays_between(date(2026, 10, 12), date(2026, 9, 29)) == -5


def test_natural_days_roll_over_a_holiday_to_the_next_working_day():
    c = cal()
    assert c.add_days(date(2026, 9, 24), 7) == date(2026, 10, 8)     # Oct 1 is a holiday → Oct 8
    assert c.add_days(date(2026, 10, 5), 5) == date(2026, 10, 10)    # make-up Saturday is a working day
    assert c.add_days(date(2026, 11, 2), 5) == date(2026, 11, 9)     # Sat Nov 7 → Mon Nov 9
    assert c.add_days(date(2026, 11, 2), 3) == date(2026, 11, 5)     # a working day stays


def test_unknown_year_is_an_error_in_strict_mode():
    with pytest.raises(CalendarUnknown, match="2030"):
        cal().add_workdays(date(2030, 3, 1), 5)


def test_unknown_year_weekend_fallback_is_logged_and_marked(caplog):
    c = cal(cfg=LENIENT)
    with caplog.at_level(logging.WARNING, logger="engine.deadlines.calendar"):
        assert c.add_workdays(date(2030, 3, 1), 5) == date(2030, 3, 8)  # Fri + 5 Mon–Fri
    assert c.estimated_years == {2030} and not c.knows(2030)
    assert any("2030" in r.getMessage() and "Monday-Friday" in r.getMessage() for r in caplog.records)


def test_overrides_alone_leave_a_year_estimated_until_marked_complete():
    overrides = {date(2030, 3, 4): False, date(2030, 3, 9): True, date(2026, 10, 8): False}
    c = cal(overrides, cfg=LENIENT)
    assert not c.knows(2030)  # one override no longer hides the estimate
    # Fri Mar 1 + 5: Mar 4 holiday (override), Mar 5, 6, 7, 8, Sat Mar 9 make-up (override)
    assert c.add_workdays(date(2030, 3, 1), 5) == date(2030, 3, 9)
    assert c.estimated_years == {2030}
    assert c.add_workdays(date(2026, 9, 30), 1) == date(2026, 10, 9)  # override beats chinesecalendar
    with pytest.raises(CalendarUnknown):
        cal(overrides).add_workdays(date(2030, 3, 1), 5)  # strict: still unknown
    done = Calendar(dict(overrides), STRICT, complete_years={2030})
    assert done.knows(2030) and done.add_workdays(date(2030, 3, 1), 5) == date(2030, 3, 9)
    assert done.estimated_years == set()


def test_fixed_date_holidays_are_never_working_days_in_a_year_the_package_does_not_know():
    c = cal(cfg=LENIENT)
    assert not c.is_workday(date(2027, 1, 1))   # Friday, 元旦
    assert not c.is_workday(date(2027, 10, 1)) and not c.is_workday(date(2027, 10, 4)) is False
    assert [c.is_workday(date(2027, 10, d)) for d in (1, 4, 5)] == [False, True, True]  # Fri 1 off; Mon 4 on
    assert not c.is_workday(date(2029, 5, 1))   # Tuesday, 劳动节
    assert c.add_workdays(date(2026, 12, 31), 1) == date(2027, 1, 4)  # not Fri Jan 1
    # an administrator cannot turn them into working days either
    assert not cal({date(2027, 1, 1): True}, LENIENT).is_workday(date(2027, 1, 1))


def test_spring_festival_2026_with_make_up_saturdays():
    c = cal()
    # holidays Sun Feb 15 – Mon Feb 23; Sat Feb 14 and Sat Feb 28 are working days
    assert c.is_workday(date(2026, 2, 14)) and c.is_workday(date(2026, 2, 28))
    assert not any(c.is_workday(date(2026, 2, d)) for d in range(15, 24))
    # notice served Thu Feb 12: 5 wd = Fri 13, Sat 14 (调休), Tue 24, Wed 25, Thu 26
    assert c.add_workdays(date(2026, 2, 12), 5) == date(2026, 2, 26)
    # 7 wd from Fri Feb 13: Sat 14, 24, 25, 26, 27, Sat 28, Mon Mar 2
    assert c.add_workdays(date(2026, 2, 13), 7) == date(2026, 3, 2)
    assert c.workdays_between(date(2026, 2, 12), date(2026, 3, 2)) == 8
    # 15 natural days from Feb 5 end Feb 20, a holiday → the next working day, Tue Feb 24
    assert c.add_days(date(2026, 2, 5), 15) == date(2026, 2, 24)


def test_counting_is_arithmetic_and_matches_a_day_by_day_count():
    import random
    from datetime import timedelta
    c = cal({date(2027, 2, 8): False, date(2027, 2, 6): True}, LENIENT)

    def slow_between(a, b):
        return sum(1 for i in range(1, (b - a).days + 1) if c.is_workday(a + timedelta(days=i)))

    rnd = random.Random(10)
    for _ in range(300):
        a = date(2025, 1, 1) + timedelta(days=rnd.randint(0, 900))
        b = a + timedelta(days=rnd.randint(0, 400))
        n = c.workdays_between(a, b)
        assert n == slow_between(a, b)
        if n:
            assert c.add_workdays(a, n) <= b and c.workdays_between(a, c.add_workdays(a, n)) == n
    # a long range costs a few bisections per year, not a walk over 300,000 days
    assert c.workdays_between(date(2000, 1, 1), date(2800, 1, 1)) > 200_000


@pytest.mark.parametrize("text,expected", [("15wd", (15, "wd")), ("90d", (90, "d")), (" 5 wd ", (5, "wd"))])
def test_parse_limit(text, expected):
    assert parse_limit(text) == expected


@pytest.mark.parametrize("text", ["", "15", "15 days", "wd", "-3d", "1.5d"])
def test_parse_limit_rejects(text):
    with pytest.raises(ValueError):
        parse_limit(text)
