"""BPMN timers fire through the engine when the injectable clock passes their due time."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine import clock, events
from engine.deadlines import sweeps
from engine.models import Timer
from engine.statuses import EventType, TaskState, TimerState
from tests.engine.deadlines.conftest import local, utc
from tests.engine.helpers import get_case, open_tasks, start


def timers_of(sessions, case_id) -> list[Timer]:
    with sessions() as s:
        return list(s.scalars(select(Timer).where(Timer.case_id == case_id)))


def test_boundary_timer_fires_and_takes_its_path(sessions, actor, dl_deployed):
    clock.freeze(local(2026, 11, 2, 9, 0))
    case_id = start(sessions, actor("cn_officer1"), "timer_boundary", "chengnan", {})
    [timer] = timers_of(sessions, case_id)
    assert timer.state == TimerState.WAITING and utc(timer.due_at) == local(2026, 11, 7, 9, 0)  # "P5D"
    waiting_task = open_tasks(sessions, case_id)[0]
    assert waiting_task.task_spec == "Task_wait"

    clock.advance(timedelta(days=5) - timedelta(seconds=1))      # one second early: nothing happens
    assert sweeps.fire_timers(sessions).done == 0
    assert [t.task_spec for t in open_tasks(sessions, case_id)] == ["Task_wait"]

    clock.advance(timedelta(seconds=2))
    result = sweeps.fire_timers(sessions)
    assert (result.done, result.cases, result.failed) == (1, 1, 0)
    assert [t.task_spec for t in open_tasks(sessions, case_id)] == ["Task_late"]   # the timer's path
    with sessions() as s:
        from engine.models import HumanTask
        assert s.get(HumanTask, waiting_task.id).state == TaskState.CANCELLED
        evs = events.history(s, case_id)
        assert events.verify(s, case_id) is None
    assert [e.task_spec for e in evs if e.type == EventType.TIMER_FIRED] == ["Timer_wait"]
    assert timers_of(sessions, case_id)[0].state == TimerState.FIRED

    for _ in range(3):                                           # idempotent: nothing more to fire
        assert sweeps.fire_timers(sessions).done == 0
        assert sweeps.pending(sessions) == 0
    with sessions() as s:
        assert [e.type for e in events.history(s, case_id)].count(EventType.TIMER_FIRED) == 1
    assert get_case(sessions, case_id).state == "running"


def test_intermediate_timer_waits_then_continues(sessions, actor, dl_deployed):
    clock.freeze(local(2026, 11, 2, 9, 0))
    case_id = start(sessions, actor("cn_officer1"), "timer_bulk", "chengnan", {})
    assert open_tasks(sessions, case_id) == []
    assert sweeps.pending(sessions) == 0
    clock.advance(timedelta(hours=1, seconds=1))
    assert sweeps.pending(sessions) == 1
    assert sweeps.run_all(sessions)["timers"].done == 1
    assert [t.task_spec for t in open_tasks(sessions, case_id)] == ["Task_after"]
