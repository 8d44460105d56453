"""The run budget: runaway diagrams stop with a clear error naming the element, and nothing is stored."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import budget, clock, incidents
from engine.budget import BudgetExceeded
from engine.deadlines import sweeps
from engine.models import Case, CaseEvent, CaseIncident, HumanTask
from tests.conftest import DATA
from tests.engine.helpers import complete, deploy_unchecked, get_case, only_task, start

RUNAWAY = DATA / "runaway"


@pytest.fixture
def runaway(sessions):
    deploy_unchecked(sessions, RUNAWAY, ["self_call.bpmn", "cycle_a.bpmn", "cycle_b.bpmn", "script_loop.bpmn",
                                         "timer_loop.bpmn"])
    return sessions


@pytest.fixture
def limits(monkeypatch):
    def _set(**env):
        for name, value in env.items():
            monkeypatch.setenv(f"ZHIFA_BUDGET_{name.upper()}", str(value))
        budget.reset()
    yield _set
    monkeypatch.undo()
    budget.reset()


def _count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def _start_in_thread(sessions, actor, key):
    """Start a case in a worker thread; the join's timeout is a liveness bound, not a speed target."""
    out = {}

    def run():
        try:
            start(sessions, actor, key, "chengnan", {})
        except BaseException as exc:  # noqa: BLE001
            out["error"] = exc
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the case start never returned"
    return out.get("error")


def test_self_calling_process_stops_at_the_call_activity(runaway, actor):
    err = _start_in_thread(runaway, actor("cn_officer1"), "self_call")
    assert isinstance(err, BudgetExceeded), err
    assert (err.reason, err.element) == ("call_depth", "Call_self")
    assert "Call_self" in err.detail_zh and "再次调用本流程" in err.detail_zh
    assert _count(runaway, Case) == 0 and _count(runaway, CaseEvent) == 0   # rolled back whole


def test_two_process_call_cycle_stops(runaway, actor):
    err = _start_in_thread(runaway, actor("cn_officer1"), "cycle_a")
    assert isinstance(err, BudgetExceeded), err
    assert err.reason == "call_depth" and err.element in ("Call_a", "Call_b")
    assert _count(runaway, Case) == 0


def test_engine_loop_on_completion_stops_and_leaves_the_case_as_it_was(runaway, actor, limits):
    limits(steps=500)
    officer = actor("cn_officer1")
    case_id = start(runaway, officer, "script_loop", "chengnan", {})
    before = get_case(runaway, case_id)
    task = only_task(runaway, case_id, "Task_first")
    with pytest.raises(BudgetExceeded) as info:
        complete(runaway, officer, task.id, {})
    assert info.value.reason == "steps" and info.value.element in ("Script_spin", "Gw")
    after = get_case(runaway, case_id)
    assert (after.version, after.workflow_state) == (before.version, before.workflow_state)
    assert only_task(runaway, case_id, "Task_first").state == "ready"       # still there to try again


def test_wall_time_budget(runaway, actor, limits):
    limits(steps=10**9, seconds=0.5)
    officer = actor("cn_officer1")
    case_id = start(runaway, officer, "script_loop", "chengnan", {})
    with pytest.raises(BudgetExceeded) as info:
        complete(runaway, officer, only_task(runaway, case_id).id, {})
    assert info.value.reason == "seconds"


def test_budget_does_not_touch_ordinary_work(runaway, actor, limits):
    limits(steps=50)  # a real step of a real procedure runs far fewer engine steps than this
    officer = actor("cn_officer1")
    case_id = start(runaway, officer, "script_loop", "chengnan", {})
    assert only_task(runaway, case_id).task_spec == "Task_first"


def test_looping_timer_becomes_an_incident_not_a_crash(runaway, actor, limits):
    limits(steps=300)
    clock.freeze(clock.now())
    case_id = start(runaway, actor("cn_officer1"), "timer_loop", "chengnan", {})
    version = get_case(runaway, case_id).version
    clock.advance(timedelta(days=1, seconds=1))
    assert sweeps.pending(runaway) == 1
    result = sweeps.fire_timers(runaway)
    assert (result.failed, result.done) == (1, 0)
    with runaway() as s:
        [incident] = incidents.for_case(s, case_id)
        assert (incident.kind, incident.source, incident.element) == ("run-budget-exceeded", "scheduler",
                                                                      incident.element)
        assert incident.element in ("Timer_loop", "Gw") and incident.resolved_at is None
    assert get_case(runaway, case_id).version == version                     # the firing was rolled back
    # left out from now on: the next sweeps neither spin again nor record a second incident
    assert sweeps.pending(runaway) == 0
    assert sweeps.fire_timers(runaway).cases == 0
    assert _count(runaway, CaseIncident) == 1
    with runaway() as s:
        assert s.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.case_id == case_id)) == 0
