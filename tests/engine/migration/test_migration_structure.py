"""Moves inside a call activity and a parallel multi-instance, a move racing a completion, kept open tasks."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from engine import migration, tasks
from engine.db import transaction
from engine.errors import EngineError
from engine.models import Case, CaseEvent, Clock, HumanTask, ProcessVersion
from engine.org import SYSTEM
from engine.statuses import EventType
from tests.engine.helpers import complete, get_case, only_task, open_tasks
from tests.engine.migration.test_migration import (APPROVAL, FILING_APPROVAL_DEADLINE, at_approval, deploy_edited,
                                                   longer_approval, plan, run, verdict_of, verdicts)
from tests.processes import test_escalated as esc
from tests.processes import test_joint_inspection as ji

CONTEXT = '<spiffworkflow:property name="context" value="cause,facts,lead_found_on,filing_recommendation" />'
PUBLISH = '<spiffworkflow:property name="deadline" value="20wd" />'
INSPECT = '<spiffworkflow:property name="twoOfficers" value="true" /><spiffworkflow:property name="context" ' \
          'value="assignment,entity_name,visit_date,visit_address" />'


def test_a_case_inside_a_call_activity_moves_with_the_called_procedure(sessions, actor, deployed):
    case_id = esc.request(sessions, actor)
    esc.endorse(sessions, actor, case_id)
    esc.decide(sessions, actor, case_id, "approve", "bureau_squad1")
    step = esc.squad_ordinary_path()[0]
    esc.do(sessions, actor, case_id, step[0], step[2], step[3])    # inside the call: at 立案审批 now
    waiting = esc.the_task(sessions, case_id, "Task_FilingApproval")
    assert verdict_of(sessions, case_id).intact, verdict_of(sessions, case_id)
    # ordinary.bpmn changed (escalated_procedure gets version 2 too): a longer deadline, and a setting the
    # workflow holds (the task's context), so the called workflow itself is moved by SpiffWorkflow's diff
    deploy_edited(sessions, with_context)
    plan_id = plan(sessions, key="escalated_procedure")
    assert verdicts(sessions, plan_id)[case_id].level == migration.SAFE
    assert run(sessions, plan_id)[case_id].outcome == migration.MIGRATED
    with sessions() as session:
        clk = session.scalar(select(Clock).where(Clock.task_id == waiting.id))
    assert (clk.limit_days, clk.unit) == (20, "wd")
    with sessions() as session:
        moved = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                       CaseEvent.type == EventType.CASE_MIGRATED))
    assert moved.data["workflow"] == "moved"
    assert verdict_of(sessions, case_id).intact
    step = esc.squad_ordinary_path()[1]
    esc.do(sessions, actor, case_id, step[0], step[2], step[3])
    assert "Task_Investigation" in [t.task_spec for t in open_tasks(sessions, case_id)]
    assert verdict_of(sessions, case_id).intact


def test_a_parallel_multi_instance_inspection_moves_with_its_items(sessions, actor, deployed):
    case_id = ji.start_inspection(sessions, actor, "agency_market", "agency_eco")
    before = sorted((t.id, t.unit_id, str(t.context.get("item"))) for t in open_tasks(sessions, case_id))
    deploy_edited(sessions, lambda n, x: x.replace(PUBLISH, PUBLISH.replace("20wd", "25wd"))
                  if n == "joint_inspection.bpmn" else x)
    plan_id = plan(sessions, key="joint_inspection")
    assert verdicts(sessions, plan_id)[case_id].level == migration.SAFE
    assert run(sessions, plan_id)[case_id].outcome == migration.MIGRATED
    after = sorted((t.id, t.unit_id, str(t.context.get("item"))) for t in open_tasks(sessions, case_id))
    assert after == before
    assert verdict_of(sessions, case_id).intact
    ji.inspect(sessions, actor, case_id, "agency_market")
    ji.inspect(sessions, actor, case_id, "agency_eco")
    assert [t.task_spec for t in open_tasks(sessions, case_id)] == ["Task_merge"]
    assert verdict_of(sessions, case_id).intact


def test_a_changed_step_inside_the_running_multi_instance_moves_or_is_refused_clearly(sessions, actor, deployed):
    case_id = ji.start_inspection(sessions, actor, "agency_market", "agency_eco")
    ji.inspect(sessions, actor, case_id, "agency_market")      # one instance done, one open
    assert INSPECT in (deployed and _source("joint_inspection.bpmn"))
    deploy_edited(sessions, lambda n, x: x.replace(INSPECT, INSPECT.replace("visit_address", "visit_address,risk_level"))
                  if n == "joint_inspection.bpmn" else x)
    plan_id = plan(sessions, key="joint_inspection")
    found = verdicts(sessions, plan_id)[case_id]
    outcome = run(sessions, plan_id)[case_id]
    print("multi-instance inner step changed:", outcome.outcome, found.level, [r["zh"] for r in found.reasons])
    if outcome.outcome == migration.MIGRATED:
        assert found.level == migration.SAFE
        assert verdict_of(sessions, case_id).intact
        ji.inspect(sessions, actor, case_id, "agency_eco")
        assert [t.task_spec for t in open_tasks(sessions, case_id)] == ["Task_merge"]
    else:
        assert outcome.reasons and all(r["zh"] for r in outcome.reasons)
        assert get_case(sessions, case_id).process_version_id == _version_id(sessions, "joint_inspection", 1)
    assert verdict_of(sessions, case_id).intact


def _source(name):
    from engine.config import ROOT
    return (ROOT / "processes" / name).read_text(encoding="utf-8")


def _version_id(sessions, key, number) -> int:
    with sessions() as session:
        return session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == key,
                                                              ProcessVersion.version == number))


def test_open_tasks_can_keep_their_own_form_and_deadline(sessions, actor, deployed):
    case_id = at_approval(sessions, actor)
    deploy_edited(sessions, longer_approval)
    assert run(sessions, plan(sessions, follow=False))[case_id].outcome == migration.MIGRATED
    task = only_task(sessions, case_id, "Task_FilingApproval")
    assert task.form_version_id == _version_id(sessions, "ordinary_procedure", 1)
    with sessions() as session:
        clk = session.scalar(select(Clock).where(Clock.task_id == task.id))
    assert (clk.limit_days, clk.unit) == (15, "wd")
    complete(sessions, actor("cn_leader"), task.id, APPROVAL)
    assert verdict_of(sessions, case_id).intact


def with_context(name, xml):
    return longer_approval(name, xml).replace(CONTEXT, CONTEXT.replace('" />', ',place" />'))


@pytest.mark.parametrize("edit", [longer_approval, with_context], ids=["deadline-only", "workflow-moved"])
def test_a_move_racing_a_completion_loses_nothing_and_doubles_nothing(sessions, actor, deployed, backend, edit):
    if backend != "postgresql":
        pytest.skip("row locks race for real on PostgreSQL (SQLite serialises whole transactions)")
    cases = [at_approval(sessions, actor) for _ in range(4)]
    deploy_edited(sessions, edit)
    plan_id = plan(sessions)
    leader = actor("cn_leader")
    for case_id in cases:
        task = only_task(sessions, case_id, "Task_FilingApproval")
        barrier, errors = threading.Barrier(2), {}

        def finish():
            barrier.wait()
            try:
                with transaction(sessions) as session:
                    tasks.complete(session, leader, task.id, APPROVAL)
            except EngineError as exc:
                errors["complete"] = exc

        def move():
            barrier.wait()
            try:
                with transaction(sessions) as session:
                    migration.migrate_case(session, SYSTEM, session.get(migration.plan.MigrationPlan, plan_id),
                                           case_id)
            except EngineError as exc:
                errors["move"] = exc

        threads = [threading.Thread(target=finish), threading.Thread(target=move)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert "complete" not in errors or "move" not in errors, errors
        with sessions() as session:
            done = list(session.scalars(select(CaseEvent).where(
                CaseEvent.case_id == case_id, CaseEvent.type == EventType.TASK_COMPLETED,
                CaseEvent.task_spec == "Task_FilingApproval")))
            moved = list(session.scalars(select(CaseEvent).where(
                CaseEvent.case_id == case_id, CaseEvent.type == EventType.CASE_MIGRATED)))
            open_specs = [t.task_spec for t in session.scalars(select(HumanTask).where(
                HumanTask.case_id == case_id, HumanTask.state.in_(("ready", "claimed"))))]
            case = session.get(Case, case_id)
        assert len(done) == (0 if "complete" in errors else 1) and len(moved) == (0 if "move" in errors else 1)
        assert open_specs == (["Task_FilingApproval"] if "complete" in errors else ["Task_Investigation"])
        if moved and done:    # whichever came second saw the other's result
            assert case.process_version_id == moved[0].data["to_version_id"]
        assert verdict_of(sessions, case_id).intact, case_id
