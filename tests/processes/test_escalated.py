"""提级办案 (escalated_procedure) end to end.

Township officer requests → squad leader endorses → bureau head decides. Approved: the chosen direct squad
runs the ordinary procedure (call activity) with the bureau deciding, while the township hands over its
evidence and assists in parallel. Not endorsed / refused: the township runs the ordinary procedure itself.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import events
from engine.errors import Forbidden, NotFound, ValidationFailed, WorkflowFailed
from engine.models import Case
from engine.statuses import CaseState, EventType
from tests.engine.helpers import complete, get_case, open_tasks, start

PARTY = {"kind": "organisation", "name": "江城建材有限公司", "id_number": "91330102MA2H4K7L3F",
         "address": "城南街道工业路8号", "phone": "0571-88886666"}
REQUEST = {"source": "patrol", "cause": "涉嫌无证跨区域倾倒建筑垃圾", "facts": "巡查发现大量建筑垃圾倾倒在河道旁，来源涉及两个街道",
           "lead_found_on": "2026-03-02", "place": "城南街道沿江路", "escalation_reasons": ["cross_area", "complex"],
           "escalation_explanation": "涉及城南、城北两个街道，需县局统一调查", "evidence_gathered": "现场照片12张、询问笔录1份"}
DAY = "2026-03-04"


def request(sessions, actor) -> int:
    return start(sessions, actor("cn_officer1"), "escalated_procedure", "chengnan", dict(REQUEST), party=PARTY)


def the_task(sessions, case_id, spec):
    found = [t for t in open_tasks(sessions, case_id) if t.task_spec == spec]
    assert len(found) == 1, [(t.task_spec, t.unit_id) for t in open_tasks(sessions, case_id)]
    return found[0]


def do(sessions, actor, case_id, spec, who, data):
    return complete(sessions, actor(who), the_task(sessions, case_id, spec).id, data)


def endorse(sessions, actor, case_id, endorsement="agree"):
    return do(sessions, actor, case_id, "Task_endorse", "cn_leader",
              {"endorsement": endorsement, "endorse_opinion": "意见", "endorsed_on": DAY})


def decide(sessions, actor, case_id, decision, squad=None):
    data = {"escalation_decision": decision, "escalation_opinion": "局长意见", "escalation_decided_on": DAY}
    if squad is not None:
        data["direct_squad"] = squad
    return do(sessions, actor, case_id, "Task_decide", "bureau_head", data)


def units(tasks) -> list[tuple[str, str, str]]:
    return sorted((t.task_spec, t.unit_id, t.role) for t in tasks)


def history(sessions, case_id):
    with sessions() as session:
        assert events.verify(session, case_id) is None
        return events.history(session, case_id)


def gateway_taken(evs, gateway):
    return [e.data["taken"] for e in evs if e.type == EventType.GATEWAY_DECIDED and e.task_spec == gateway]


# The ordinary procedure as the direct squad runs it, decided by the county bureau (penalty paid, closed).
def squad_ordinary_path(squad="bureau_squad1"):
    return [
        ("Task_FilingProposal", squad, "sq1_officer1", {
            "filing_recommendation": "file", "officer_opinion": "建议立案", "certificate_no": "ZF0001",
            "legal_basis": "城市市容和环境卫生管理条例", "violation_on": "2026-02-25"}),
        ("Task_FilingApproval", squad, "sq1_leader", {
            "filing_decision": "approve", "approval_opinion": "同意立案", "approved_on": "2026-03-05"}),
        ("Task_Investigation", squad, "sq1_officer1", {
            "co_officer": "sq1_officer2", "investigated_on": "2026-03-06", "inspection_record": "现场检查",
            "inquiry_record": "询问"}),
        ("Task_InvestigationReport", squad, "sq1_officer1", {
            "facts_found": "查明跨区域倾倒", "evidence_summary": "照片、笔录（含镇街移交证据）", "violation_nature": "违法倾倒",
            "proposed_outcome": "penalise", "legal_basis": "条例第X条",
            "fine_amount": 20000}),
        ("Task_LegalReview", "bureau_legal", "legal1", {
            "review_outcome": "agree", "review_opinion": "同意", "reviewed_on": "2026-03-10"}),
        ("Task_Notice", squad, "sq1_officer1", {
            "notice_served_on": "2026-03-11", "notice_method": "direct",
            "rights_informed": True}),
        ("Task_Statement", squad, "sq1_officer1", {"statement_adopted": "none", "statement_closed_on": "2026-03-18"}),
        ("Task_Decision", "bureau", "bureau_head", {
            "decision_outcome": "penalise", "decided_fine": 20000,
            "decision_basis": "条例第X条", "decided_on": "2026-03-19"}),
        ("Task_Service", squad, "sq1_officer1", {
            "served_on": "2026-03-20", "service_method": "direct", "receipt_number": "送达回证1号"}),
        ("Task_Execution", squad, "sq1_officer1", {"execution_result": "paid", "settled_on": "2026-03-25",
                                                               "paid_amount": 20000}),
        ("Task_ClosureReport", squad, "sq1_officer1", {
            "closure_reason": "executed", "closure_summary": "罚款已缴纳", "reported_on": "2026-03-26"}),
        ("Task_ClosureApproval", "bureau", "bureau_head", {
            "closure_decision": "approve", "closure_opinion": "同意结案", "closure_approved_on": "2026-03-27"}),
    ]


# ---------------------------------------------------------------------------------------------- tests

def test_request_goes_to_the_squad_leader_then_the_bureau_head(sessions, actor, deployed):
    case_id = request(sessions, actor)
    case = get_case(sessions, case_id)
    assert case.unit_id == "chengnan" and case.number.startswith("城南街道综执罚〔")
    assert case.data["township_unit"] == "chengnan" and case.data["escalation_status"] == "requested"
    assert case.data["direct_squad_options"] == [{"label": "bureau_squad1", "value": "bureau_squad1"},
                                                 {"label": "bureau_squad2", "value": "bureau_squad2"}]
    assert units(open_tasks(sessions, case_id)) == [("Task_endorse", "chengnan", "squad_leader")]
    with pytest.raises(Forbidden):  # the officer who asked cannot endorse their own request
        endorse_as(sessions, actor, case_id, "cn_officer1")
    nxt = endorse(sessions, actor, case_id)
    assert units(nxt) == [("Task_decide", "bureau", "agency_head")]
    assert nxt[0].context["escalation_reasons"] == ["cross_area", "complex"]
    with pytest.raises(Forbidden):  # the township head is not the bureau head
        complete(sessions, actor("cn_head"), nxt[0].id, {"escalation_decision": "refuse", "escalation_opinion": "x",
                                                        "escalation_decided_on": DAY})


def endorse_as(sessions, actor, case_id, who):
    return do(sessions, actor, case_id, "Task_endorse", who,
              {"endorsement": "agree", "endorse_opinion": "意见", "endorsed_on": DAY})


def _case_clock(sessions, case_id):
    from sqlalchemy import select
    from engine.models import Clock
    with sessions() as session:
        return session.scalar(select(Clock).where(Clock.case_id == case_id, Clock.kind == "case"))


def test_approved_escalation_runs_ordinary_in_the_squad_while_the_township_assists(sessions, actor, deployed):
    case_id = request(sessions, actor)
    endorse(sessions, actor, case_id)
    nxt = decide(sessions, actor, case_id, "approve", "bureau_squad1")
    assert units(nxt) == [("Task_FilingProposal", "bureau_squad1", "officer"),
                          ("Task_handover", "chengnan", "officer")]
    case = get_case(sessions, case_id)
    assert case.unit_id == "chengnan"  # the case keeps its number and home; its work moves to the squad
    assert case.data["escalation_status"] == "escalated" and case.data["deciding_unit"] == "bureau"
    assert case.data["township_unit"] == "chengnan"

    filing = the_task(sessions, case_id, "Task_FilingProposal")
    with pytest.raises(Forbidden):  # a township officer cannot work the squad's tasks
        complete(sessions, actor("cn_officer1"), filing.id, squad_ordinary_path()[0][3])
    handover = the_task(sessions, case_id, "Task_handover")
    # the squad's task is on another unit's case (the squad's case list finds it by that: engine/caselist)
    assert (filing.other_unit, handover.other_unit) == (True, False)
    with pytest.raises(Forbidden):  # nor the squad the township's assistance
        complete(sessions, actor("sq1_officer1"), handover.id, {})

    # township: hand over the evidence (still valid, ZJ Art. 18), then assist with two officers
    nxt = do(sessions, actor, case_id, "Task_handover", "cn_officer1", {
        "handover_evidence": "现场照片12张、询问笔录1份", "handover_receiver": "沈洁", "handover_on": DAY})
    assert ("Task_assist", "chengnan", "officer") in units(nxt)
    with pytest.raises(ValidationFailed):  # the second officer must be a township officer too
        do(sessions, actor, case_id, "Task_assist", "cn_officer1", {
            "co_officer": "sq1_officer1", "assistance_record": "协助", "assisted_on": DAY})
    do(sessions, actor, case_id, "Task_assist", "cn_officer2", {
        "co_officer": "cn_officer3", "assistance_record": "协助询问城北来源车辆", "assisted_on": "2026-03-06"})
    # the township's branch now waits at the join for the squad; what it recorded stays in the case data
    data = get_case(sessions, case_id).data
    assert (data["handover_evidence"], data["assistance_record"]) == ("现场照片12张、询问笔录1份", "协助询问城北来源车辆")
    assert data["handling_unit"] == "bureau_squad1"

    # squad: the whole ordinary procedure, with the bureau's legal section and head deciding
    seen = []
    for spec, unit, who, data in squad_ordinary_path():
        task = the_task(sessions, case_id, spec)
        assert (task.unit_id, task.process_key) == (unit, "escalated_procedure"), spec
        seen.append((spec, task.unit_id))
        complete(sessions, actor(who), task.id, data)
        if spec == "Task_FilingApproval":  # the 90-day clock runs for the escalated case too (APL Art. 60)
            case_clock = _case_clock(sessions, case_id)
            assert (case_clock.spec, case_clock.limit_days, case_clock.unit, str(case_clock.started_on)) == \
                ("escalated_procedure", 90, "d", "2026-03-05")
            assert case_clock.state == "running"
    assert _case_clock(sessions, case_id).state in ("met", "overdue")  # stopped by the decision
    assert ("Task_Decision", "bureau") in seen and ("Task_ClosureApproval", "bureau") in seen
    case = get_case(sessions, case_id)
    assert case.state == CaseState.COMPLETED
    assert case.data["case_outcome"] == "closed" and case.data["handling_unit"] == "bureau_squad1"
    assert case.data["handover_evidence"] == "现场照片12张、询问笔录1份"  # the township's branch joined back
    evs = history(sessions, case_id)
    assert gateway_taken(evs, "Gw_endorse") == [["Task_decide"]]
    assert gateway_taken(evs, "Gw_decide") == [["Script_transfer"]]
    done = [e.task_spec for e in evs if e.type == EventType.TASK_COMPLETED]
    assert done[:3] == ["Task_endorse", "Task_decide", "Task_handover"] and done[-1] == "Task_ClosureApproval"
    assert evs[-1].type == EventType.CASE_ENDED


def test_approval_needs_a_direct_squad(sessions, actor, deployed):
    case_id = request(sessions, actor)
    endorse(sessions, actor, case_id)
    before = get_case(sessions, case_id).version
    with pytest.raises(WorkflowFailed, match="直属中队"):
        decide(sessions, actor, case_id, "approve")
    with pytest.raises(WorkflowFailed, match="直属中队"):
        decide(sessions, actor, case_id, "approve", "chengbei")
    assert get_case(sessions, case_id).version == before
    assert units(decide(sessions, actor, case_id, "approve", "bureau_squad2"))[0] == (
        "Task_FilingProposal", "bureau_squad2", "officer")


@pytest.mark.parametrize("refused_by", ["squad_leader", "bureau_head"])
def test_not_escalated_the_township_handles_it_itself(sessions, actor, deployed, refused_by):
    case_id = request(sessions, actor)
    if refused_by == "squad_leader":
        nxt = endorse(sessions, actor, case_id, "disagree")
        status, gateway, taken = "not_endorsed", "Gw_endorse", ["Script_not_endorsed"]
    else:
        endorse(sessions, actor, case_id)
        nxt = decide(sessions, actor, case_id, "refuse")
        status, gateway, taken = "refused", "Gw_decide", ["Script_refused"]
    assert units(nxt) == [("Task_FilingProposal", "chengnan", "officer")]
    case = get_case(sessions, case_id)
    assert case.data["escalation_status"] == status
    assert (case.data["handling_unit"], case.data["deciding_unit"]) == ("chengnan", "chengnan")
    with pytest.raises(NotFound):  # the squad never sees a case that was not escalated
        complete(sessions, actor("sq1_officer1"), nxt[0].id, {})
    nxt = do(sessions, actor, case_id, "Task_FilingProposal", "cn_officer1", {
        "filing_recommendation": "not_file", "officer_opinion": "情节轻微已改正", "certificate_no": "ZF0002",
        "legal_basis": "行政处罚法第33条", "violation_on": "2026-02-25"})
    assert units(nxt) == [("Task_FilingApproval", "chengnan", "squad_leader")]
    assert do(sessions, actor, case_id, "Task_FilingApproval", "cn_leader", {
        "filing_decision": "reject", "not_opened_reason": "minor_corrected", "approval_opinion": "不予立案",
        "approved_on": "2026-03-05"}) == []
    case = get_case(sessions, case_id)
    assert case.state == CaseState.COMPLETED and case.data["case_outcome"] == "not_opened"
    evs = history(sessions, case_id)
    assert gateway_taken(evs, gateway) == [taken]
    assert not any(e.task_spec in ("Task_handover", "Task_assist") for e in evs)


def test_only_a_township_officer_can_request_escalation(sessions, actor, deployed):
    with pytest.raises(WorkflowFailed, match="镇街"):  # a direct squad does not escalate to itself
        start(sessions, actor("sq1_officer1"), "escalated_procedure", "bureau_squad1", dict(REQUEST), party=PARTY)
    with pytest.raises(Forbidden):  # startRoles = officer
        start(sessions, actor("cn_leader"), "escalated_procedure", "chengnan", dict(REQUEST), party=PARTY)
    with pytest.raises(ValidationFailed) as err:  # the ZJ Art. 17 reasons are required and enumerated
        start(sessions, actor("cn_officer1"), "escalated_procedure", "chengnan",
              dict(REQUEST, escalation_reasons=["too_busy"]), party=PARTY)
    assert "escalation_reasons.0" in err.value.errors or "escalation_reasons" in err.value.errors
    assert get_case_count(sessions) == 0


def get_case_count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Case))
