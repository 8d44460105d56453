"""监管一件事 (joint_inspection) end to end: plan → per-agency inspection → merge → per-finding outcome.

Every gateway branch is driven: no problem → publish; order to correct → re-check (corrected / not corrected →
referral); suspected violation → one ordinary case per violation for the competent agency (child cases).
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import cases, events
from engine.db import transaction
from engine.errors import Forbidden, NotFound, ValidationFailed, WorkflowFailed
from engine.models import Case, Clock, HumanTask, User
from engine.statuses import CaseState, EventType
from tests.engine.helpers import complete, get_case, open_tasks, start

PARTY = {"kind": "organisation", "name": "城南好味餐饮有限公司", "id_number": "91330102MA2H4K7L3F",
         "address": "城南街道解放路1号", "phone": "13800000000"}
SHORT = {"agency_market": "market", "agency_eco": "eco", "agency_fire": "fire", "agency_safety": "safety",
         "agency_health": "health"}
ITEMS = {"agency_market": "食品经营许可、进货查验", "agency_eco": "油烟净化设施", "agency_fire": "消防通道、灭火器"}


def plan(*agencies: str, **extra) -> dict:
    data = {"entity_name": PARTY["name"], "entity_address": PARTY["address"], "visit_date": "2026-03-02",
            "visit_address": "城南街道解放路1号", "risk_level": "medium",
            "partners": [{"agency": a, "items": ITEMS[a]} for a in agencies]}
    data.update(extra)
    return data


def start_inspection(sessions, actor, *agencies, **kw) -> int:
    return start(sessions, actor("cn_officer1"), "joint_inspection", "chengnan", plan(*agencies),
                 party=kw.get("party", PARTY))


def task_for(sessions, case_id, spec, unit) -> HumanTask:
    found = [t for t in open_tasks(sessions, case_id) if t.task_spec == spec and t.unit_id == unit]
    assert len(found) == 1, [(t.task_spec, t.unit_id) for t in open_tasks(sessions, case_id)]
    return found[0]


def inspect(sessions, actor, case_id, agency, result="no_problem", **fields) -> list[HumanTask]:
    short = SHORT[agency]
    data = {"co_officer": f"{short}_inspector2", "inspection_record": f"{agency} 现场检查记录", "result": result}
    data.update(fields)
    task = task_for(sessions, case_id, "Task_inspect", agency)
    return complete(sessions, actor(f"{short}_inspector1"), task.id, data)


def merge(sessions, actor, case_id) -> list[HumanTask]:
    task = task_for(sessions, case_id, "Task_merge", "chengnan")
    return complete(sessions, actor("cn_officer1"), task.id, {"merge_summary": "各部门结果已汇总", "party_confirmed": True})


def recheck(sessions, actor, case_id, agency, corrected: str) -> list[HumanTask]:
    short = SHORT[agency]
    task = task_for(sessions, case_id, "Task_recheck", agency)
    return complete(sessions, actor(f"{short}_inspector2"), task.id,
                    {"co_officer": f"{short}_inspector1", "corrected": corrected, "recheck_record": "复查记录"})


def publish(sessions, actor, case_id) -> list[HumanTask]:
    task = task_for(sessions, case_id, "Task_publish", "chengnan")
    return complete(sessions, actor("cn_officer2"), task.id, {"publish_channel": "gsxt", "publish_date": "2026-03-05"})


def user_ids(sessions, *names) -> list[int]:
    with sessions() as session:
        rows = dict(session.execute(select(User.username, User.id).where(User.username.in_(names))).all())
    return [rows[n] for n in names]


def children(sessions, case_id) -> list[Case]:
    with sessions() as session:
        return list(session.scalars(select(Case).where(Case.parent_case_id == case_id).order_by(Case.id)))


def history(sessions, case_id):
    with sessions() as session:
        assert events.verify(session, case_id) is None
        return events.history(session, case_id)


def gateway_taken(evs, gateway) -> list[list[str]]:
    return [e.data["taken"] for e in evs if e.type == EventType.GATEWAY_DECIDED and e.task_spec == gateway]


def specs(tasks) -> list[tuple[str, str]]:
    return sorted((t.task_spec, t.unit_id) for t in tasks)


# ---------------------------------------------------------------------------------------------- tests

def test_plan_opens_one_inspection_per_agency_in_its_own_unit(sessions, actor, deployed):
    case_id = start_inspection(sessions, actor, "agency_market", "agency_eco", "agency_fire")
    tasks = open_tasks(sessions, case_id)
    assert specs(tasks) == [("Task_inspect", "agency_eco"), ("Task_inspect", "agency_fire"),
                            ("Task_inspect", "agency_market")]
    assert {t.role for t in tasks} == {"inspector"}
    for t in tasks:  # each agency sees its own items in the task row
        assert t.context["assignment"] == {"agency": t.unit_id, "items": ITEMS[t.unit_id]}
        assert t.form_key == "ji_inspect"
    case = get_case(sessions, case_id)
    assert case.unit_id == "chengnan" and case.data["lead_unit"] == "chengnan"
    core = [e.type for e in history(sessions, case_id) if e.type in (EventType.CASE_STARTED, EventType.TASK_READY)]
    assert core == [EventType.CASE_STARTED] + [EventType.TASK_READY] * 3

    fire_task = task_for(sessions, case_id, "Task_inspect", "agency_fire")
    with pytest.raises(Forbidden):  # an inspector of another agency
        complete(sessions, actor("market_inspector1"), fire_task.id,
                 {"co_officer": "market_inspector2", "inspection_record": "x", "result": "no_problem"})
    with pytest.raises(ValidationFailed) as err:  # second officer must belong to the same agency
        complete(sessions, actor("fire_inspector1"), fire_task.id,
                 {"co_officer": "market_inspector2", "inspection_record": "x", "result": "no_problem"})
    assert "co_officer" in err.value.errors
    with pytest.raises(ValidationFailed):  # and be someone else
        complete(sessions, actor("fire_inspector1"), fire_task.id,
                 {"co_officer": "fire_inspector1", "inspection_record": "x", "result": "no_problem"})
    assert get_case(sessions, case_id).version == 1


def test_findings_are_keyed_by_agency_not_by_completion_order(sessions, actor, deployed):
    agencies = ("agency_market", "agency_eco", "agency_fire")
    case_id = start_inspection(sessions, actor, *agencies)
    for agency in reversed(agencies):  # finish in the opposite order of the plan
        nxt = inspect(sessions, actor, case_id, agency, inspection_record=f"{agency} 的检查记录")
    assert specs(nxt) == [("Task_merge", "chengnan")]
    findings = get_case(sessions, case_id).data["findings"]
    assert set(findings) == set(agencies)
    for agency in agencies:
        assert findings[agency]["agency"] == agency
        assert findings[agency]["record"] == f"{agency} 的检查记录"
        assert findings[agency]["items"] == ITEMS[agency]
        assert findings[agency]["investigators"] == user_ids(sessions, f"{SHORT[agency]}_inspector1",
                                                             f"{SHORT[agency]}_inspector2")
    assert nxt[0].context["findings"] == findings  # the merge task shows the combined checklist


def test_all_clear_is_published_and_closed_without_cases(sessions, actor, deployed):
    case_id = start_inspection(sessions, actor, "agency_market", "agency_fire")
    inspect(sessions, actor, case_id, "agency_market")
    inspect(sessions, actor, case_id, "agency_fire")
    nxt = merge(sessions, actor, case_id)
    assert specs(nxt) == [("Task_publish", "chengnan")]
    assert nxt[0].context["passed"] == ["agency_fire", "agency_market"]
    assert publish(sessions, actor, case_id) == []
    case = get_case(sessions, case_id)
    assert case.state == CaseState.COMPLETED
    assert case.data["inspection_result"] == {"passed": ["agency_fire", "agency_market"], "rechecked": [],
                                              "uncorrected": [], "violations": 0}
    assert children(sessions, case_id) == []
    evs = history(sessions, case_id)
    assert gateway_taken(evs, "Gw_outcome") == [["Task_publish"]]
    assert evs[-1].type == EventType.CASE_ENDED


def test_mixed_outcomes_publish_recheck_and_one_case_per_violation(sessions, actor, deployed):
    case_id = start_inspection(sessions, actor, "agency_market", "agency_eco", "agency_fire")
    number = get_case(sessions, case_id).number
    inspect(sessions, actor, case_id, "agency_market")
    inspect(sessions, actor, case_id, "agency_fire", result="correct", correction_order="清理消防通道堆放物",
            correction_deadline="2026-03-16")
    inspect(sessions, actor, case_id, "agency_eco", result="violation", violations=[
        {"facts": "油烟未经净化直接排放", "legal_basis": "大气污染防治法第118条", "competent_agency": ""},
        {"facts": "后厨卫生许可过期仍在经营", "legal_basis": "", "competent_agency": "agency_health"},
    ])
    assert children(sessions, case_id) == []  # nothing is spawned before the lead unit merges the checklist
    nxt = merge(sessions, actor, case_id)
    assert specs(nxt) == [("Task_publish", "chengnan"), ("Task_recheck", "agency_fire")]
    recheck_task = task_for(sessions, case_id, "Task_recheck", "agency_fire")
    assert recheck_task.context["recheck"]["deadline"] == "2026-03-16"
    with sessions() as session:  # the clocks declared on the tasks (deadline properties)
        clocks = {c.spec: c for c in session.scalars(select(Clock).where(Clock.case_id == case_id))}
    assert (clocks["Task_recheck"].unit_id, clocks["Task_recheck"].limit_days, clocks["Task_recheck"].unit) == (
        "agency_fire", 5, "wd")
    assert clocks["Task_recheck"].started_on.isoformat() == "2026-03-16"  # runs from the correction deadline
    assert (clocks["Task_publish"].unit_id, clocks["Task_publish"].limit_days) == ("chengnan", 20)

    kids = children(sessions, case_id)
    assert [(k.unit_id, k.process_key, k.state) for k in kids] == [
        ("agency_eco", "ordinary_procedure", CaseState.RUNNING), ("agency_health", "ordinary_procedure",
                                                                 CaseState.RUNNING)]
    with sessions() as session:
        party_ids = {session.get(Case, k.id).parties[0].party_id for k in kids}
        parent_party = session.get(Case, case_id).parties[0].party_id
    assert party_ids == {parent_party}  # the same 当事人 record, not a copy
    eco, health = kids
    assert eco.title.startswith(PARTY["name"]) and "油烟" in eco.title
    assert eco.data["source"] == "joint_inspection" and eco.data["referred_from"] == number
    assert eco.data["facts"] == "油烟未经净化直接排放" and eco.data["lead_found_on"] == "2026-03-02"
    assert eco.data["party"]["id_number"] == PARTY["id_number"] and eco.data["handling_unit"] == "agency_eco"
    assert health.data["facts"] == "后厨卫生许可过期仍在经营"
    first = open_tasks(sessions, eco.id)
    assert [(t.task_spec, t.unit_id, t.role) for t in first] == [("Task_FilingProposal", "agency_eco", "officer")]

    publish(sessions, actor, case_id)
    assert get_case(sessions, case_id).data["publish_channel"] == "gsxt"  # parked at the join, still visible
    assert recheck(sessions, actor, case_id, "agency_fire", "yes") == []
    case = get_case(sessions, case_id)
    assert case.state == CaseState.COMPLETED
    assert case.data["inspection_result"] == {"passed": ["agency_market"], "rechecked": ["agency_fire"],
                                              "uncorrected": [], "violations": 2}
    assert case.data["recheck_results"]["agency_fire"]["corrected"] is True
    # later steps re-ran spawn_children with the same spawn_cases: still exactly one case per violation
    assert [k.id for k in children(sessions, case_id)] == [eco.id, health.id]
    with transaction(sessions) as session:
        assert cases.spawn_children(session, session.get(Case, case_id), case.data) == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case).where(Case.parent_case_id == case_id)) == 2
    evs = history(sessions, case_id)
    assert gateway_taken(evs, "Gw_outcome") == [["Task_publish", "Gw_join", "Sub_recheck"]]
    assert gateway_taken(evs, "Gw_recheck") == [["Gw_join"]]


def test_uncorrected_defect_is_referred(sessions, actor, deployed):
    case_id = start_inspection(sessions, actor, "agency_fire")
    inspect(sessions, actor, case_id, "agency_fire", result="correct", correction_order="更换过期灭火器",
            correction_deadline="2026-03-09")
    nxt = merge(sessions, actor, case_id)
    assert specs(nxt) == [("Task_recheck", "agency_fire")]  # nothing passed: no publication
    nxt = recheck(sessions, actor, case_id, "agency_fire", "no")
    assert specs(nxt) == [("Task_refer", "chengnan")]
    assert nxt[0].context["uncorrected"] == ["agency_fire"]
    assert complete(sessions, actor("cn_officer1"), nxt[0].id,
                    {"referral_note": "逾期未整改，移交消防救援大队依法处理", "referred_on": "2026-03-12"}) == []
    case = get_case(sessions, case_id)
    assert case.state == CaseState.COMPLETED and case.data["inspection_result"]["uncorrected"] == ["agency_fire"]
    evs = history(sessions, case_id)
    assert gateway_taken(evs, "Gw_outcome") == [["Sub_recheck"]]
    assert gateway_taken(evs, "Gw_recheck") == [["Task_refer"]]
    assert children(sessions, case_id) == []


def test_inconsistent_findings_are_refused_and_nothing_changes(sessions, actor, deployed):
    case_id = start_inspection(sessions, actor, "agency_eco")
    before = get_case(sessions, case_id).version
    with pytest.raises(WorkflowFailed, match="违法行为"):
        inspect(sessions, actor, case_id, "agency_eco", result="violation")
    with pytest.raises(WorkflowFailed, match="整改"):
        inspect(sessions, actor, case_id, "agency_eco", result="correct", correction_order="整改")
    assert get_case(sessions, case_id).version == before
    assert specs(open_tasks(sessions, case_id)) == [("Task_inspect", "agency_eco")]


def test_bad_plans_are_refused_and_nothing_is_stored(sessions, actor, deployed):
    officer = actor("cn_officer1")
    with pytest.raises(ValidationFailed):  # not one of the form's agencies
        start(sessions, officer, "joint_inspection", "chengnan",
              dict(plan(), partners=[{"agency": "chengbei", "items": "x"}]), party=PARTY)
    with pytest.raises(WorkflowFailed, match="参检部门"):
        start(sessions, officer, "joint_inspection", "chengnan", plan(), party=PARTY)
    with pytest.raises(WorkflowFailed, match="重复"):
        start(sessions, officer, "joint_inspection", "chengnan", plan("agency_fire", "agency_fire"), party=PARTY)
    with pytest.raises(WorkflowFailed, match="当事人"):
        start(sessions, officer, "joint_inspection", "chengnan", plan("agency_fire"))
    with pytest.raises(Forbidden):  # a case reviewer may not start one (startRoles officer,squad_leader)
        start(sessions, actor("cn_reviewer"), "joint_inspection", "chengnan", plan("agency_fire"), party=PARTY)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
    # a squad leader may lead one
    assert start(sessions, actor("cn_leader"), "joint_inspection", "chengnan", plan("agency_fire"), party=PARTY)


def test_violation_only_closes_the_inspection_and_hands_over_to_the_agency(sessions, actor, deployed):
    case_id = start_inspection(sessions, actor, "agency_market")
    inspect(sessions, actor, case_id, "agency_market", result="violation",
            violations=[{"facts": "销售超过保质期的食品", "legal_basis": "食品安全法第34条"}])
    assert merge(sessions, actor, case_id) == []  # the inspection itself is done; the case lives on as a child
    case = get_case(sessions, case_id)
    assert case.state == CaseState.COMPLETED and case.data["inspection_result"]["violations"] == 1
    (child,) = children(sessions, case_id)
    assert (child.unit_id, child.parent_case_id) == ("agency_market", case_id)
    assert child.number.startswith("县市监罚〔")
    assert gateway_taken(history(sessions, case_id), "Gw_outcome") == [["Gw_join"]]
    market_tasks = open_tasks(sessions, child.id)
    assert [(t.task_spec, t.unit_id) for t in market_tasks] == [("Task_FilingProposal", "agency_market")]
    with pytest.raises(NotFound):  # the agency's case is out of the lead township's scope
        complete(sessions, actor("cn_officer1"), market_tasks[0].id, {})
