"""Clocks follow the process: declared in BPMN, started, paused by a hearing, extended, stopped."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine import clock, events
from engine.db import transaction
from engine.deadlines import config, supervision
from engine.deadlines.calendar import _PACKAGE_YEARS as PACKAGE_YEARS, CalendarUnknown, mark_year, set_override
from engine.errors import Conflict, Forbidden, NotFound, ValidationFailed
from engine.models import Clock, HumanTask
from engine.statuses import EventType
from tests.engine.deadlines.conftest import local, utc
from tests.engine.helpers import complete, only_task, start


def clocks_of(sessions, case_id) -> dict[str, Clock]:
    with sessions() as session:
        return {c.spec: c for c in session.scalars(select(Clock).where(Clock.case_id == case_id))}


def event_types(sessions, case_id) -> list[str]:
    with sessions() as session:
        assert events.verify(session, case_id) is None
        return [e.type for e in events.history(session, case_id)]


def filed_case(sessions, actor, filed_on="2026-09-29"):
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "deadline_test", "chengnan", {})
    assert clocks_of(sessions, case_id) == {}  # the case clock waits for filed_on
    complete(sessions, officer, only_task(sessions, case_id, "Task_file").id, {"filed_on": filed_on})
    return case_id, officer


def test_case_and_task_clocks_start_from_bpmn_properties(sessions, actor, dl_deployed):
    clock.freeze(local(2026, 9, 29))
    case_id, _ = filed_case(sessions, actor)
    clocks = clocks_of(sessions, case_id)
    case_clock, task_clock = clocks["deadline_test"], clocks["Task_statement"]
    assert (case_clock.kind, case_clock.label, case_clock.limit_days, case_clock.unit) == ("case", "作出处罚决定", 90, "d")
    assert case_clock.started_on == date(2026, 9, 29) and case_clock.due_on == date(2026, 12, 28)
    assert (task_clock.label, task_clock.unit_id, task_clock.role) == ("陈述申辩期", "chengnan", "officer")
    assert task_clock.due_on == date(2026, 10, 12)       # 5 working days across National Day
    assert task_clock.yellow_on == date(2026, 10, 8)     # ≤ 3 working days left from Oct 8
    assert (task_clock.state, task_clock.colour) == ("running", "green")
    task = only_task(sessions, case_id, "Task_statement")
    assert utc(task.due_at) == utc(task_clock.due_at) == local(2026, 10, 13, 0, 0)
    assert event_types(sessions, case_id).count(EventType.CLOCK_STARTED) == 2


def test_task_clock_met_when_done_in_time_and_hearing_pauses_the_case_clock(sessions, actor, dl_deployed):
    clock.freeze(local(2026, 9, 29))
    case_id, officer = filed_case(sessions, actor)
    clock.freeze(local(2026, 10, 9))
    complete(sessions, officer, only_task(sessions, case_id, "Task_statement").id, {})
    clocks = clocks_of(sessions, case_id)
    assert clocks["Task_statement"].state == "met"
    assert clocks["deadline_test"].state == "paused"            # 听证 does not count
    assert clocks["deadline_test"].pauses[0]["source"] == "task:Task_hearing"
    clock.freeze(local(2026, 10, 19))                            # 10 days of hearing
    complete(sessions, officer, only_task(sessions, case_id, "Task_hearing").id, {"decide_from": "2026-10-19"})
    case_clock = clocks_of(sessions, case_id)["deadline_test"]
    assert case_clock.state == "running" and case_clock.paused_units == 10
    assert case_clock.due_on == date(2027, 1, 7)                 # Dec 28 + 10 paused days
    decide = clocks_of(sessions, case_id)["Task_decide"]
    assert decide.started_on == date(2026, 10, 19) and decide.due_on == date(2026, 10, 26)
    types = event_types(sessions, case_id)
    assert types.count(EventType.CLOCK_PAUSED) == 1 and types.count(EventType.CLOCK_RESUMED) == 1


def test_decision_stops_the_case_clock_late_is_overdue(sessions, actor, dl_deployed):
    clock.freeze(local(2026, 9, 29))
    case_id, officer = filed_case(sessions, actor)
    complete(sessions, officer, only_task(sessions, case_id, "Task_statement").id, {})
    complete(sessions, officer, only_task(sessions, case_id, "Task_hearing").id, {"decide_from": "2026-09-29"})
    clock.freeze(local(2026, 10, 10))
    complete(sessions, officer, only_task(sessions, case_id, "Task_decide").id, {"decided_on": "2026-10-10"})
    clocks = clocks_of(sessions, case_id)
    assert clocks["deadline_test"].state == "met"
    assert clocks["Task_decide"].state == "overdue"              # due Oct 8 (7d rolled past the holiday)
    assert clocks["Task_decide"].due_on == date(2026, 10, 8)


def test_manual_pause_resume_extend_with_permissions(sessions, actor, dl_deployed):
    clock.freeze(local(2026, 9, 29))
    case_id, officer = filed_case(sessions, actor)
    clk = clocks_of(sessions, case_id)["Task_statement"]
    with pytest.raises(Forbidden), transaction(sessions) as s:
        supervision.pause(s, officer, clk.id, "中止调查")
    with pytest.raises(NotFound), transaction(sessions) as s:
        supervision.pause(s, actor("cb_leader"), clk.id, "中止调查")
    with pytest.raises(ValidationFailed), transaction(sessions) as s:
        supervision.pause(s, actor("cn_leader"), clk.id, " ")
    with transaction(sessions) as s:
        supervision.pause(s, actor("cn_leader"), clk.id, "送检（检测期间不计入）")
    with pytest.raises(Conflict), transaction(sessions) as s:
        supervision.pause(s, actor("cn_leader"), clk.id, "again")
    clock.freeze(local(2026, 10, 12))   # paused Sep 29 .. Oct 11: working days Sep 29, Sep 30, Oct 8, 9, 10
    with transaction(sessions) as s:
        supervision.resume(s, actor("cn_leader"), clk.id)
    clk = clocks_of(sessions, case_id)["Task_statement"]
    assert clk.paused_units == 5 and clk.due_on == date(2026, 10, 19)
    with pytest.raises(Forbidden), transaction(sessions) as s:      # extension is the head's approval
        supervision.extend(s, actor("cn_leader"), clk.id, 3, "负责人批准")
    with pytest.raises(ValidationFailed), transaction(sessions) as s:
        supervision.extend(s, actor("cn_head"), clk.id, 0, "负责人批准")
    with transaction(sessions) as s:
        supervision.extend(s, actor("cn_head"), clk.id, 3, "负责人批准延期")
    clk = clocks_of(sessions, case_id)["Task_statement"]
    assert clk.extension_days == 3 and clk.due_on == date(2026, 10, 22)
    assert utc(only_task(sessions, case_id, "Task_statement").due_at) == local(2026, 10, 23, 0, 0)
    with sessions() as s:
        evs = [e for e in events.history(s, case_id) if e.type == EventType.CLOCK_EXTENDED]
    assert len(evs) == 1 and evs[0].data["days"] == 3 and evs[0].actor_id == actor("cn_head").user_id


def test_extension_approved_inside_the_process(sessions, actor, dl_deployed):
    clock.freeze(local(2026, 9, 29))
    case_id, officer = filed_case(sessions, actor)
    complete(sessions, officer, only_task(sessions, case_id, "Task_statement").id, {"extension_days": 30})
    case_clock = clocks_of(sessions, case_id)["deadline_test"]
    assert case_clock.process_extension_days == 30
    assert case_clock.due_on == date(2027, 1, 27)  # 90 + 30 days from Sep 29 (a Wednesday, no holiday)
    assert case_clock.estimated == (date(2027, 1, 1).year not in PACKAGE_YEARS)  # chinesecalendar 1.11: no 2027


def test_strict_calendar_refuses_a_deadline_in_an_unknown_year(sessions, actor, dl_deployed):
    config.configure(config.DeadlineSettings(calendar_fallback="error"))
    clock.freeze(local(2026, 12, 21))
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "deadline_test", "chengnan", {})
    task = only_task(sessions, case_id, "Task_file")
    assert 2099 not in PACKAGE_YEARS
    with pytest.raises(CalendarUnknown, match="2099"):
        complete(sessions, officer, task.id, {"filed_on": "2099-01-05"})
    assert only_task(sessions, case_id, "Task_file").id == task.id and clocks_of(sessions, case_id) == {}
    with transaction(sessions) as s:   # an administrator enters one holiday: the year is still incomplete
        set_override(s, date(2099, 4, 6), False, "清明节")
    with pytest.raises(CalendarUnknown, match="2099"):
        complete(sessions, officer, task.id, {"filed_on": "2099-01-05"})
    with transaction(sessions) as s:   # ... and marks the year complete: now it can be computed
        mark_year(s, 2099, True, "国办发明电〔2098〕1号")
    complete(sessions, officer, task.id, {"filed_on": "2099-01-05"})
    case_clock = clocks_of(sessions, case_id)["deadline_test"]
    # Jan 5 + 90 days = Sun Apr 5 → Mon Apr 6 is the holiday override → Tue Apr 7
    assert case_clock.due_on == date(2099, 4, 7) and not case_clock.estimated


def test_case_clocks_view_for_api(sessions, actor, dl_deployed):
    clock.freeze(local(2026, 9, 29))
    case_id, officer = filed_case(sessions, actor)
    other = actor("cb_officer1")
    with sessions() as s:
        views = supervision.case_clocks(s, officer, case_id)
        task = s.scalar(select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.task_spec == "Task_statement"))
        by_task = supervision.for_tasks(s, [task.id, "nope"])
        with pytest.raises(NotFound):
            supervision.case_clocks(s, other, case_id)
    statement = next(v for v in views if v["spec"] == "Task_statement")
    assert statement["remaining_workdays"] == 5 and statement["colour"] == "green" and statement["limit"] == 5
    assert list(by_task) == [task.id]
