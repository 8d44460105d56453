"""The engine's persistence: start, complete, compare-and-set, restart, loop guard, event chain."""
from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from sqlalchemy import func, select

from engine import bpmn, events
from engine.config import ROOT
from engine.db import transaction
from engine.deploy import deploy
from engine.errors import Conflict, Forbidden, WorkflowFailed
from engine.models import Case, CaseEvent, HumanTask
from engine.statuses import CaseState, EventType
from tests.conftest import DATA
from tests.engine.helpers import complete, get_case, only_task, open_tasks, start


@pytest.fixture
def loop_deployed(sessions):
    with transaction(sessions) as session:
        deploy(session, {"loop.bpmn": (DATA / "loop.bpmn").read_bytes()})


def test_start_creates_ready_task_events_and_state(sessions, actor, loop_deployed):
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "loop_test", "chengnan", {"done": False})
    case = get_case(sessions, case_id)
    assert case.state == CaseState.RUNNING and case.version == 1
    assert case.number.startswith("城南街道综执罚〔") and case.number.endswith("〕1号")
    state = json.loads(case.workflow_state)
    assert "spec" not in state and "subprocess_specs" not in state  # specs live once per version
    task = only_task(sessions, case_id)
    assert (task.task_spec, task.role, task.unit_id, task.state) == ("Task_work", "officer", "chengnan", "ready")
    with sessions() as session:
        types = [e.type for e in events.history(session, case_id)]
    assert types == [EventType.CASE_STARTED, EventType.TASK_READY]


def test_complete_advances_and_ends(sessions, actor, loop_deployed):
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "loop_test", "chengnan", {"done": False})
    nxt = complete(sessions, officer, only_task(sessions, case_id).id, {"done": False})
    assert len(nxt) == 1 and nxt[0].task_spec == "Task_work"
    assert get_case(sessions, case_id).data["count"] == 1
    assert complete(sessions, officer, nxt[0].id, {"done": True}) == []
    case = get_case(sessions, case_id)
    assert case.state == CaseState.COMPLETED and case.closed_at is not None and case.data["count"] == 2
    with sessions() as session:
        assert events.verify(session, case_id) is None
        evs = events.history(session, case_id)
    assert evs[-1].type == EventType.CASE_ENDED
    assert [e.data["data"] for e in evs if e.type == EventType.TASK_COMPLETED] == [{"done": False}, {"done": True}]
    assert any(e.type == EventType.GATEWAY_DECIDED and e.data["taken"] == ["EndEvent_1"] for e in evs)


def test_other_township_cannot_complete(sessions, actor, loop_deployed):
    case_id = start(sessions, actor("cn_officer1"), "loop_test", "chengnan", {"done": False})
    task = only_task(sessions, case_id)
    from engine.errors import NotFound
    with pytest.raises(NotFound):
        complete(sessions, actor("cb_officer1"), task.id, {"done": True})
    with pytest.raises(Forbidden):  # same unit, wrong role
        complete(sessions, actor("cn_reviewer"), task.id, {"done": True})
    assert get_case(sessions, case_id).version == 1


def test_concurrent_completion_exactly_one_wins(sessions, actor, loop_deployed):
    a, b = actor("cn_officer1"), actor("cn_officer2")
    case_id = start(sessions, a, "loop_test", "chengnan", {"done": False})
    task_id = only_task(sessions, case_id).id
    barrier = threading.Barrier(2)
    outcomes = []

    def worker(who):
        barrier.wait()
        try:
            complete(sessions, who, task_id, {"done": True})
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(f"conflict: {exc}")

    threads = [threading.Thread(target=worker, args=(w,)) for w in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "ok"]
    with sessions() as session:
        n = session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == case_id, CaseEvent.type == EventType.TASK_COMPLETED))
        assert n == 1
        assert session.get(Case, case_id).state == CaseState.COMPLETED


def test_stale_write_is_refused_and_nothing_half_done(sessions, actor, loop_deployed):
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "loop_test", "chengnan", {"done": False})
    task_id = only_task(sessions, case_id).id
    with pytest.raises(Conflict):
        complete_expecting(sessions, officer, task_id, version=7)
    assert only_task(sessions, case_id).id == task_id
    assert get_case(sessions, case_id).version == 1


def complete_expecting(sessions, who, task_id, version):
    from engine import tasks
    with transaction(sessions) as session:
        tasks.complete(session, who, task_id, {"done": True}, expected_case_version=version)


def test_double_completion_is_a_conflict(sessions, actor, loop_deployed):
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "loop_test", "chengnan", {"done": False})
    task_id = only_task(sessions, case_id).id
    complete(sessions, officer, task_id, {"done": True})
    with pytest.raises(Conflict):
        complete(sessions, officer, task_id, {"done": True})


def test_restart_in_new_process_continues_identically(sessions, actor, loop_deployed, database_url):
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "loop_test", "chengnan", {"done": False})
    complete(sessions, officer, only_task(sessions, case_id).id, {"done": False})
    script = f"""
import json
from engine.db import make_engine, make_session_factory, transaction
from engine.org import load_actor
from engine import tasks
from engine.models import User, HumanTask
from sqlalchemy import select
f = make_session_factory(make_engine({database_url!r}))
with transaction(f) as s:
    uid = s.scalar(select(User.id).where(User.username == 'cn_officer1'))
    t = s.scalar(select(HumanTask).where(HumanTask.case_id == {case_id}, HumanTask.state == 'ready'))
    nxt = tasks.complete(s, load_actor(s, uid), t.id, {{'done': True}})
    print(json.dumps([x.task_spec for x in nxt]))
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
    case = get_case(sessions, case_id)
    assert case.state == CaseState.COMPLETED and case.data["count"] == 2


def test_loop_of_350_iterations_keeps_working(sessions, actor, loop_deployed):
    """SpiffWorkflow 3.2 silently stops finding tasks past tree depth 1000 (~330 rounds of this loop)."""
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "loop_test", "chengnan", {"done": False})
    rounds = 350
    with sessions() as session:
        task_id = session.scalar(select(HumanTask.id).where(HumanTask.case_id == case_id))
    for i in range(rounds):
        nxt = complete(sessions, officer, task_id, {"done": i == rounds - 1})
        if i < rounds - 1:
            assert len(nxt) == 1, f"loop stalled after {i + 1} rounds"
            task_id = nxt[0].id
    case = get_case(sessions, case_id)
    assert case.state == CaseState.COMPLETED and case.data["count"] == rounds


def test_loop_beside_open_parallel_branch_runs_350_rounds(sessions, actor):
    """Without compaction this loop hits the iterator cap, then Python's recursion limit in joins."""
    with transaction(sessions) as session:
        deploy(session, {"parallel_loop.bpmn": (DATA / "parallel_loop.bpmn").read_bytes()})
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "parallel_loop_test", "chengnan", {"done": False})
    other = only_task(sessions, case_id, "Task_other")
    rounds = 350
    for i in range(rounds):
        work = only_task(sessions, case_id, "Task_work")
        complete(sessions, officer, work.id, {"done": i == rounds - 1})
    assert [t.task_spec for t in open_tasks(sessions, case_id)] == ["Task_other"]
    complete(sessions, officer, other.id, {})
    case = get_case(sessions, case_id)
    assert case.state == CaseState.COMPLETED
    assert len(case.workflow_state) < 20000  # finished stretches are compacted, not carried forever


def test_compaction_keeps_stored_state_bounded(sessions, actor, loop_deployed):
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "loop_test", "chengnan", {"done": False})
    sizes = []
    for i in range(60):
        complete(sessions, officer, only_task(sessions, case_id).id, {"done": False})
        sizes.append(len(get_case(sessions, case_id).workflow_state))
    assert sizes[-1] <= sizes[10] * 1.1


def test_loop_guard_fails_loudly(sessions, actor, loop_deployed):
    """A case whose tree grows past the guard fails with a clear error and stores nothing of that step."""
    specs_json = None
    with sessions() as session:
        from engine.deploy import latest
        v = latest(session, "loop_test")
        specs_json = (v.id, v.spec_json)
    inst = bpmn.Instance.start(bpmn.load_specs(*specs_json), {"done": False}, max_depth=30, compact=False)
    inst.run()
    with pytest.raises(WorkflowFailed, match="loop guard"):
        for _ in range(20):
            inst.complete(inst.ready_user_tasks()[0].id, {"done": False})
            inst.run()


def test_tampered_history_is_detected(sessions, actor, loop_deployed):
    officer = actor("cn_officer1")
    case_id = start(sessions, officer, "loop_test", "chengnan", {"done": False})
    complete(sessions, officer, only_task(sessions, case_id).id, {"done": True})
    with transaction(sessions) as session:
        ev = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                    CaseEvent.type == EventType.TASK_COMPLETED))
        ev.data = {"data": {"done": False}}
    with sessions() as session:
        assert events.verify(session, case_id) == ev.seq


def test_case_numbers_are_sequential_without_gaps_under_concurrency(sessions, actor, loop_deployed):
    officer = actor("cn_officer1")
    ids, errors = [], []

    def worker():
        try:
            for _ in range(5):
                ids.append(start(sessions, officer, "loop_test", "chengnan", {"done": False}))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with sessions() as session:
        numbers = session.scalars(select(Case.number).where(Case.id.in_(ids))).all()
    seqs = sorted(int(n.split("〕")[1].rstrip("号")) for n in numbers)
    assert seqs == list(range(1, 21))
