"""Moving running cases to a new version: dry-run verdicts, moves, clocks, revert, replay and tamper checks."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from engine import integrity, migration
from engine.config import ROOT
from engine.db import transaction
from engine.deploy import deploy_sources
from engine.errors import Conflict, Forbidden, ValidationFailed
from engine.models import Case, CaseEvent, Clock, HumanTask
from engine.org import SYSTEM
from engine.sources import from_directories
from engine.statuses import EventType
from tests.engine.helpers import complete, get_case, only_task, open_tasks, start
from tests.processes import PERSON

INTAKE = {"source": "patrol", "cause": "未经许可占道经营", "facts": "巡查发现当事人在人行道上摆摊经营",
          "lead_found_on": "2026-03-02", "place": "城南街道人民路"}
PROPOSAL = {"filing_recommendation": "file", "officer_opinion": "违法事实基本清楚，建议立案",
            "certificate_no": "ZF12345678", "legal_basis": "《城市市容和环境卫生管理条例》第十四条",
            "violation_on": "2026-02-27"}
APPROVAL = {"filing_decision": "approve", "approval_opinion": "同意", "approved_on": "2026-03-04"}
FILING_APPROVAL_DEADLINE = ('<spiffworkflow:property name="formKey" value="filing_approval" />\n'
                            '          <spiffworkflow:property name="deadline" value="15wd" />')


def deploy_edited(sessions, edit, note="v2") -> None:
    """Deploy processes/ with ``edit(file name, xml) → xml`` applied: the next version of what changed."""
    sources = from_directories(ROOT / "processes", ROOT / "forms")
    sources.bpmn = {name: edit(name, xml) for name, xml in sources.bpmn.items()}
    with transaction(sessions) as session:
        deploy_sources(session, sources, deployed_by="designer", note=note)


def longer_approval(name, xml):
    if name != "ordinary.bpmn":
        return xml
    assert FILING_APPROVAL_DEADLINE in xml
    return xml.replace(FILING_APPROVAL_DEADLINE, FILING_APPROVAL_DEADLINE.replace("15wd", "20wd"))


def renamed_investigation(name, xml):
    return xml.replace("Task_Investigation\"", "Task_Inquiry\"").replace(">Task_Investigation<", ">Task_Inquiry<") \
        .replace("_Task_Investigation", "_Task_Inquiry").replace("Task_Investigation_", "Task_Inquiry_") \
        if name == "ordinary.bpmn" else xml


def plan(sessions, mapping=None, follow=True, key="ordinary_procedure", to=2):
    with transaction(sessions) as session:
        return migration.create_plan(session, SYSTEM, key, 1, to, mapping or {}, follow, "更正立案审批期限",
                                     by_name="designer").id


def verdicts(sessions, plan_id) -> dict[int, migration.CaseVerdict]:
    with sessions() as session:
        return {v.case_id: v for v in migration.dry_run(session, session.get(migration.plan.MigrationPlan, plan_id))}


def run(sessions, plan_id, case_ids=None):
    return {o.case_id: o for o in migration.run_plan(sessions, SYSTEM, plan_id, case_ids)}


def verdict_of(sessions, case_id):
    with sessions() as session:
        return integrity.verify_case(session, session.get(Case, case_id))


def at_approval(sessions, actor) -> int:
    case_id = start(sessions, actor("cn_officer1"), "ordinary_procedure", "chengnan", INTAKE, party=PERSON)
    complete(sessions, actor("cn_officer1"), only_task(sessions, case_id).id, PROPOSAL)
    return case_id


def approval_clock(sessions, case_id) -> Clock:
    with sessions() as session:
        return session.scalar(select(Clock).where(Clock.case_id == case_id, Clock.spec == "Task_FilingApproval"))


def test_corrected_deadline_moves_the_waiting_case_and_its_clock(sessions, actor, deployed):
    case_id = at_approval(sessions, actor)
    task = only_task(sessions, case_id, "Task_FilingApproval")
    with transaction(sessions) as session:   # claimed before the move: the claim stays
        from engine import tasks
        tasks.claim(session, actor("cn_leader"), task.id)
    old_due = approval_clock(sessions, case_id).due_on
    deploy_edited(sessions, longer_approval)
    plan_id = plan(sessions)
    found = verdicts(sessions, plan_id)[case_id]
    assert found.level == migration.SAFE
    assert any("立案审批" in r["zh"] and "办理期限" in r["zh"] for r in found.reasons), found.reasons

    outcome = run(sessions, plan_id)[case_id]
    assert outcome.outcome == migration.MIGRATED, outcome.reasons
    moved = only_task(sessions, case_id, "Task_FilingApproval")
    assert moved.id == task.id and moved.state == "claimed" and moved.assignee_id == actor("cn_leader").user_id
    clk = approval_clock(sessions, case_id)
    assert (clk.limit_days, clk.unit) == (20, "wd") and clk.due_on > old_due and moved.due_at == clk.due_at
    case = get_case(sessions, case_id)
    with sessions() as session:
        kinds = [e.type for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id))]
        migrated = session.scalar(select(CaseEvent).where(CaseEvent.type == EventType.CASE_MIGRATED))
    assert EventType.CASE_MIGRATED in kinds and EventType.CLOCK_CORRECTED in kinds
    assert migrated.data["from_version"] == 1 and migrated.data["to_version"] == 2
    assert migrated.data["reason"] == "更正立案审批期限" and migrated.process_version_id == case.process_version_id
    assert verdict_of(sessions, case_id).intact
    # the case goes on, on version 2, and still replays
    complete(sessions, actor("cn_leader"), moved.id, APPROVAL)
    assert only_task(sessions, case_id).task_spec == "Task_Investigation"
    assert verdict_of(sessions, case_id).intact


def test_revert_puts_the_case_back_while_nothing_happened(sessions, actor, deployed):
    case_id = at_approval(sessions, actor)
    before = get_case(sessions, case_id)
    old_clock = approval_clock(sessions, case_id)
    deploy_edited(sessions, longer_approval)
    outcome = run(sessions, plan(sessions))[case_id]
    with transaction(sessions) as session:
        with pytest.raises(Forbidden):
            migration.revert_case(session, actor("cn_officer1"), outcome.migration_id)
    with transaction(sessions) as session:
        migration.revert_case(session, actor("designer"), outcome.migration_id)
    case = get_case(sessions, case_id)
    assert case.process_version_id == before.process_version_id and case.workflow_state == before.workflow_state
    clk = approval_clock(sessions, case_id)
    assert (clk.limit_days, clk.due_on) == (old_clock.limit_days, old_clock.due_on)
    assert verdict_of(sessions, case_id).intact
    with transaction(sessions) as session, pytest.raises(Conflict, match="already reverted"):
        migration.revert_case(session, SYSTEM, outcome.migration_id)
    complete(sessions, actor("cn_leader"), only_task(sessions, case_id).id, APPROVAL)
    assert verdict_of(sessions, case_id).intact
    # moved again, then worked on: no revert any more
    again = run(sessions, plan(sessions))[case_id]
    assert again.outcome == migration.MIGRATED
    complete(sessions, actor("cn_officer1"), only_task(sessions, case_id).id, {
        "co_officer": "cn_officer2", "investigated_on": "2026-03-05", "inspection_record": "现场检查笔录",
        "inquiry_record": "询问笔录", "evidence_list": "照片3张", "evidence_preservation": False, "sampling": False,
        "seizure": False, "rectification_order": True})
    with transaction(sessions) as session, pytest.raises(Conflict, match="moved on"):
        migration.revert_case(session, SYSTEM, again.migration_id)
    assert verdict_of(sessions, case_id).intact


def test_renamed_element_needs_a_mapping_and_moves_with_it(sessions, actor, deployed):
    waiting = at_approval(sessions, actor)
    complete(sessions, actor("cn_leader"), only_task(sessions, waiting).id, APPROVAL)   # now at Task_Investigation
    deploy_edited(sessions, renamed_investigation)
    unmapped = verdicts(sessions, plan(sessions))[waiting]
    assert unmapped.level == migration.NEEDS_MAPPING, unmapped.reasons
    assert "调查取证" in unmapped.reasons[0]["zh"]
    refused = run(sessions, plan(sessions))[waiting]
    assert refused.outcome == migration.REFUSED and get_case(sessions, waiting).process_version_id == \
        get_case(sessions, waiting).process_version_id
    mapped_plan = plan(sessions, {"Task_Investigation": "Task_Inquiry"})
    assert verdicts(sessions, mapped_plan)[waiting].level == migration.SAFE
    task = only_task(sessions, waiting)
    assert run(sessions, mapped_plan)[waiting].outcome == migration.MIGRATED
    moved = only_task(sessions, waiting)
    assert (moved.id, moved.task_spec) == (task.id, "Task_Inquiry")
    assert verdict_of(sessions, waiting).intact
    with transaction(sessions) as session, pytest.raises(ValidationFailed, match="unknown elements"):
        migration.create_plan(session, SYSTEM, "ordinary_procedure", 1, 2, {"Task_Nope": "Task_Inquiry"}, True, "x")


def test_case_past_a_removed_element_is_refused_with_the_reason(sessions, actor, deployed):
    past = at_approval(sessions, actor)
    complete(sessions, actor("cn_leader"), only_task(sessions, past).id, APPROVAL)
    complete(sessions, actor("cn_officer1"), only_task(sessions, past).id, {
        "co_officer": "cn_officer2", "investigated_on": "2026-03-05", "inspection_record": "现场检查笔录",
        "inquiry_record": "询问笔录", "evidence_list": "照片3张", "evidence_preservation": False, "sampling": False,
        "seizure": False, "rectification_order": True})
    deploy_edited(sessions, renamed_investigation)   # Task_Investigation is gone from version 2
    plan_id = plan(sessions)
    found = verdicts(sessions, plan_id)[past]
    assert found.level in (migration.UNSAFE, migration.NEEDS_MAPPING)
    assert any("调查取证" in r["zh"] for r in found.reasons), found.reasons
    outcome = run(sessions, plan_id)[past]
    assert outcome.outcome == migration.REFUSED and "调查取证" in outcome.reasons[0]["zh"]
    assert get_case(sessions, past).process_version_id == verdicts_version(sessions, past)


def verdicts_version(sessions, case_id) -> int:
    with sessions() as session:
        return session.scalar(select(CaseEvent.process_version_id).where(CaseEvent.case_id == case_id,
                                                                         CaseEvent.seq == 1))


def test_tampering_is_still_detected_on_a_moved_case(sessions, actor, deployed):
    case_id = at_approval(sessions, actor)
    deploy_edited(sessions, longer_approval)
    assert run(sessions, plan(sessions))[case_id].outcome == migration.MIGRATED
    with transaction(sessions) as session:
        ev = session.scalar(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                    CaseEvent.type == EventType.CASE_MIGRATED))
        session.execute(update(CaseEvent).where(CaseEvent.id == ev.id).values(data=dict(ev.data, to_version_id=1)))
        seq = ev.seq
    found = verdict_of(sessions, case_id)
    assert found.verdict == integrity.ALTERED and found.step == seq


def test_only_designers_and_administrators_plan_moves(sessions, actor, deployed):
    deploy_edited(sessions, longer_approval)
    with transaction(sessions) as session, pytest.raises(Forbidden):
        migration.create_plan(session, actor("cn_officer1"), "ordinary_procedure", 1, 2, {}, True, "x")
    with transaction(sessions) as session:
        assert migration.create_plan(session, actor("designer"), "ordinary_procedure", 1, 2, {}, True, "x").id
