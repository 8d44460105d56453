"""The ordinary procedure (普通程序) end to end through the engine: every gateway branch, on both databases.

Runs (gateway branches they take):
- not opened ............ 是否立案 → 不予立案
- township, case review . 办案层级 → 案件审核; no notice of hearing rights; no deliberation; penalise; paid late
- township, legal review  办案层级 → 法制审核; corrected fine; hearing requested and held; deliberation;
                          decided fine above the notified one → back to the decision; enforcement; closure returned
- review loop ........... 补充调查 → investigation again; proposed no penalty skips the notice; deciding to
                          penalise anyway forces the notice first (APL Art. 62)
- handed to the county .. not a township matter → the township case ends, a direct squad case starts
- direct squad .......... suspected crime → legal review, deliberation, transfer to judicial organs
- partner agency ........ hearing-eligible but not requested; violation not established
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.db import transaction
from engine.deploy import deploy_directory
from engine.config import ROOT
from engine.errors import Forbidden, ValidationFailed
from engine.models import Case
from engine.org import Actor
from engine.statuses import CaseState
from tests.processes import ORGANISATION, PERSON, CaseRun, diagram_problems, unknown_variables
from tests.engine.helpers import complete, only_task, open_tasks

INTAKE = {"source": "patrol", "cause": "未经许可占道经营", "facts": "巡查发现当事人在人行道上摆摊经营",
          "lead_found_on": "2026-03-02", "place": "城南街道人民路"}
PROPOSAL = {"filing_recommendation": "file", "officer_opinion": "违法事实基本清楚，建议立案",
            "certificate_no": "ZF12345678", "legal_basis": "《城市市容和环境卫生管理条例》第十四条", "violation_on": "2026-02-27"}
NOTICE = {"notice_served_on": "2026-03-23", "notice_method": "direct",
          "rights_informed": True}
STATEMENT = {"statement_made": True, "statement_summary": "当事人称初次经营，请求从轻", "statement_adopted": "rejected",
             "statement_closed_on": "2026-03-30"}
HEARING = {"hearing_notice_on": "2026-03-26", "hearing_held_on": "2026-04-09", "hearing_record": "听证笔录……",
           "record_signed": True, "hearing_opinion": "事实清楚，建议维持"}
DELIBERATION = {"deliberated_on": "2026-04-10", "participants": "主任、分管副主任、中队长、法制员",
                "participant_users": "cn_head, cn_deputy",
                "deliberation_opinion": "同意承办意见", "deliberation_conclusion": "penalise"}
SERVICE = {"served_on": "2026-04-10", "service_method": "direct", "receipt_number": "SD-2026-001"}
CLOSURE_REPORT = {"closure_reason": "executed", "closure_summary": "案件已执行完毕，建议结案", "reported_on": "2026-05-20"}
ENFORCEMENT = {"reminder_served_on": "2026-05-10", "court_applied_on": "2026-06-01", "court": "县人民法院"}
TRANSFER = {"transfer_to": "县公安局", "transfer_letter_number": "县综执移〔2026〕3号", "transferred_on": "2026-04-12"}


def approval(decision="approve"):
    data = {"filing_decision": decision, "approval_opinion": "同意" if decision == "approve" else "不予立案",
            "approved_on": "2026-03-04"}
    if decision != "approve":
        data["not_opened_reason"] = "minor_corrected"
    return data


def investigation(co_officer):
    return {"co_officer": co_officer, "investigated_on": "2026-03-05", "inspection_record": "现场检查笔录：……",
            "inquiry_record": "询问笔录：……", "evidence_list": "照片3张", "evidence_preservation": False,
            "sampling": False, "seizure": False, "rectification_order": True}


def report(fine=2000, outcome="penalise", **flags):
    data = {"facts_found": "当事人在人行道摆摊经营", "evidence_summary": "现场照片、询问笔录",
            "violation_nature": "擅自占用城市道路经营", "proposed_outcome": outcome,
            "legal_basis": "《城市市容和环境卫生管理条例》第三十六条", "fine_amount": fine,
            "confiscation_amount": 0, "licence_revocation": False, "business_closure": False,
            "major_public_interest": False, "complex_case": False, "suspected_crime": False,
            "delegated_to_township": True, "difficult_case": False}
    data.update(flags)
    return data


def review(outcome="agree", corrected=None):
    data = {"review_outcome": outcome, "review_opinion": "审核意见", "reviewed_on": "2026-03-20"}
    if corrected is not None:
        data["corrected_fine"] = corrected
    return data


def decision(outcome="penalise", fine=2000):
    return {"decision_outcome": outcome, "decided_fine": fine,
            "decision_basis": "《城市市容和环境卫生管理条例》第三十六条", "decided_on": "2026-04-10"}


def execution(result, settled_on, paid=None):
    data = {"execution_result": result, "settled_on": settled_on}
    if paid is not None:
        data["paid_amount"] = paid
    return data


def closure(decision="approve"):
    return {"closure_decision": decision, "closure_opinion": "同意" if decision == "approve" else "补充缴款凭证",
            "closure_approved_on": "2026-05-25"}


def uid(actor, name) -> int:
    return actor(name).user_id


def with_roles(actor, name, *roles) -> Actor:
    """The demo user ``name`` also holding ``roles`` — someone who investigated and now reviews."""
    base = actor(name)
    return Actor(base.user_id, base.username, base.roles | frozenset(roles), base.visible_units | {u for u, _ in roles})


def filed(sessions, actor, unit="chengnan", starter="cn_officer1", leader="cn_leader", co="cn_officer2",
          party=PERSON, data=INTAKE) -> CaseRun:
    run = CaseRun(sessions, actor, "ordinary_procedure", unit, starter, data, party=party)
    run.do("Task_FilingProposal", starter, PROPOSAL)
    run.do("Task_FilingApproval", leader, approval())
    run.do("Task_Investigation", starter, investigation(co))
    return run


def test_filing_rejected_ends_not_opened(sessions, actor, deployed):
    run = CaseRun(sessions, actor, "ordinary_procedure", "chengnan", "cn_officer1", INTAKE, party=PERSON)
    proposal = run.task("Task_FilingProposal")
    assert (proposal.role, proposal.unit_id, proposal.form_key) == ("officer", "chengnan", "filing_proposal")
    run.do("Task_FilingProposal", "cn_officer1", PROPOSAL)
    approval_task = run.do("Task_FilingApproval", "cn_leader", approval("reject"))
    assert approval_task.role == "squad_leader"
    case = run.case
    assert case.state == CaseState.COMPLETED and run.open_specs() == []
    assert case.data["case_outcome"] == "not_opened" and "filed_on" not in case.data
    assert run.gateway("Gw_Filing") == [["Script_NotOpened"]]
    assert case.data["deciding_unit"] == "chengnan" and case.data["is_agency_case"] is False


def test_township_case_review_penalty_paid_late(sessions, actor, deployed):
    run = filed(sessions, actor)
    assert run.data["filed_on"] == "2026-03-04"
    assert run.data["investigators"] == [uid(actor, "cn_officer1"), uid(actor, "cn_officer2")]
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=2000))
    assert run.decisions("BRT_Grading")[-1]["case_level"] == "township_internal_review"
    assert run.decisions("BRT_ReviewTrigger")[-1]["legal_review_required"] is False
    review_task = run.task("Task_CaseReview")
    assert (review_task.role, review_task.unit_id) == ("case_reviewer", "chengnan")
    with pytest.raises(Forbidden, match="investigator"):  # an investigator who is also a reviewer
        complete(sessions, with_roles(actor, "cn_officer2", ("chengnan", "case_reviewer")), review_task.id,
                 review())
    run.do("Task_CaseReview", "cn_reviewer", review())
    run.do("Task_Notice", "cn_officer1", NOTICE)
    run.do("Task_Statement", "cn_officer1", STATEMENT)
    decision_task = run.do("Task_Decision", "cn_head", decision(fine=2000))
    assert (decision_task.role, decision_task.unit_id) == ("agency_head", "chengnan")
    run.do("Task_Service", "cn_officer1", SERVICE)
    # served Fri Apr 10: 15 days end Sat Apr 25 → Mon Apr 27 (APL Art. 67); paid Wed Apr 29: 2 days late
    run.do("Task_Execution", "cn_officer1", execution("paid", "2026-04-29", paid=2120))
    run.do("Task_ClosureReport", "cn_officer1", CLOSURE_REPORT)
    run.do("Task_ClosureApproval", "cn_head", closure())

    assert run.path == ["Task_FilingProposal", "Task_FilingApproval", "Task_Investigation",
                        "Task_InvestigationReport", "Task_CaseReview", "Task_Notice", "Task_Statement",
                        "Task_Decision", "Task_Service", "Task_Execution", "Task_ClosureReport",
                        "Task_ClosureApproval"]
    case = run.case
    assert case.state == CaseState.COMPLETED
    data = case.data
    assert data["case_outcome"] == "closed" and data["case_level_label"] == "镇街办结（内部案件审核）"
    assert (data["notified_fine"], data["hearing_eligible"]) == (2000, False)
    assert (data["late_days"], data["late_surcharge"], data["amount_due"]) == (2, 120.0, 2120.0)
    assert run.gateway("Gw_Level") == [["Task_CaseReview"]]
    assert run.gateway("Gw_HearingEligible") == [["Task_Statement"]]
    assert run.gateway("Gw_Hearing") == [["Gw_Deliberation"]]
    assert run.gateway("Gw_Deliberation") == [["Task_Decision"]]
    assert run.gateway("Gw_NotHeavier") == [["Task_Service"]]
    assert run.gateway("Gw_Enforce") == [["Task_ClosureReport"]]
    assert run.gateway("Gw_Closure") == [["Script_Closed"]]
    assert run.events()[-1].type == "case_ended"


def test_legal_review_hearing_deliberation_no_heavier_penalty_enforcement(sessions, actor, deployed):
    run = filed(sessions, actor)
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=8000))
    assert run.decisions("BRT_ReportHearing")[-1]["hearing_eligible"] is True
    assert run.decisions("BRT_Grading")[-1]["case_level"] == "township_bureau_review"
    legal = run.task("Task_LegalReview")
    assert (legal.role, legal.unit_id) == ("legal_reviewer", "bureau_legal")
    with pytest.raises(Forbidden, match="investigator"):
        complete(sessions, with_roles(actor, "cn_officer1", ("bureau_legal", "legal_reviewer")), legal.id,
                 review())
    with pytest.raises(Forbidden):  # a township reviewer is not the county legal section
        complete(sessions, actor("cn_reviewer"), legal.id, review())
    run.do("Task_LegalReview", "legal1", review("correct", corrected=6000))
    assert (run.data["fine_amount"], run.data["notified_fine"]) == (6000, 6000)
    run.do("Task_Notice", "cn_officer1", NOTICE)
    run.do("Task_HearingRequest", "cn_officer1", {"hearing_requested": True, "request_received_on": "2026-03-25"})
    run.do("Task_Statement", "cn_officer1", STATEMENT)
    hearing = run.task("Task_Hearing")
    assert (hearing.role, hearing.unit_id) == ("hearing_officer", "chengnan")
    with pytest.raises(Forbidden, match="investigator"):
        complete(sessions, with_roles(actor, "cn_officer2", ("chengnan", "hearing_officer")), hearing.id, HEARING)
    run.do("Task_Hearing", "hearing1", HEARING)
    post = run.task("Task_HearingReview")  # 法制审核 again after the hearing (APL Art. 58)
    assert (post.role, post.unit_id) == ("legal_reviewer", "bureau_legal")
    run.do("Task_HearingReview", "legal2", dict(review(), reviewed_on="2026-04-09"))
    run.do("Task_Deliberation", "cn_head", DELIBERATION)
    run.do("Task_Decision", "cn_head", decision(fine=7000))  # above the notified 6000: refused, decide again
    assert "不得因当事人陈述申辩加重处罚" in run.data["decision_warning"]
    run.do("Task_Decision", "cn_head", decision(fine=6000))
    run.do("Task_Service", "cn_officer1", SERVICE)
    run.do("Task_Execution", "cn_officer1", execution("enforcement", "2026-06-09"))  # 43 days late: capped at the fine
    assert (run.data["late_days"], run.data["late_surcharge"], run.data["amount_due"]) == (43, 6000, 12000)
    run.do("Task_Enforcement", "cn_officer1", ENFORCEMENT)
    run.do("Task_ClosureReport", "cn_officer1", CLOSURE_REPORT)
    run.do("Task_ClosureApproval", "cn_head", closure("return"))
    run.do("Task_ClosureReport", "cn_officer1", CLOSURE_REPORT)
    run.do("Task_ClosureApproval", "cn_head", closure())

    assert run.path[3:] == ["Task_InvestigationReport", "Task_LegalReview", "Task_Notice", "Task_HearingRequest",
                            "Task_Statement", "Task_Hearing", "Task_HearingReview", "Task_Deliberation", "Task_Decision",
                            "Task_Decision", "Task_Service", "Task_Execution", "Task_Enforcement",
                            "Task_ClosureReport", "Task_ClosureApproval", "Task_ClosureReport",
                            "Task_ClosureApproval"]
    assert run.case.state == CaseState.COMPLETED and run.data["case_outcome"] == "closed"
    assert run.gateway("Gw_Level") == [["Task_LegalReview"]]
    assert run.gateway("Gw_Hearing") == [["Task_Hearing"]]
    assert run.gateway("Gw_NotHeavier") == [["Script_Heavier"], ["Task_Service"]]
    assert run.gateway("Gw_Enforce") == [["Task_Enforcement"]]
    assert run.gateway("Gw_Closure") == [["Task_ClosureReport"], ["Script_Closed"]]


def test_review_sends_back_to_investigation_then_notice_is_forced_before_a_penalty(sessions, actor, deployed):
    run = filed(sessions, actor)
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=3000, complex_case=True))
    assert run.decisions("BRT_ReviewTrigger")[-1]["legal_review_required"] is True
    run.do("Task_LegalReview", "legal1", review("further_investigation"))
    assert run.gateway("Gw_Review") == [["Task_Investigation"]]
    run.do("Task_Investigation", "cn_officer1", investigation("cn_officer3"))
    assert run.data["investigators"] == [uid(actor, n) for n in ("cn_officer1", "cn_officer2", "cn_officer3")]
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=0, outcome="no_penalty"))
    run.do("Task_CaseReview", "cn_reviewer", review())
    assert run.gateway("Gw_NeedNotice") == [["Gw_Deliberation"]]  # no penalty proposed: no prior notice
    run.do("Task_Decision", "cn_head", decision("penalise", 500))  # a penalty needs the notice first
    assert run.gateway("Gw_NotHeavier") == [["Script_NoNotice"]]
    run.do("Task_Notice", "cn_officer1", NOTICE)
    assert run.data["notified_fine"] == 500
    run.do("Task_Statement", "cn_officer1", STATEMENT)
    run.do("Task_Decision", "cn_head", decision("penalise", 500))
    run.do("Task_Service", "cn_officer1", SERVICE)
    run.do("Task_Execution", "cn_officer1", execution("paid", "2026-04-20", paid=500))
    run.do("Task_ClosureReport", "cn_officer1", CLOSURE_REPORT)
    run.do("Task_ClosureApproval", "cn_head", closure())
    assert run.path == ["Task_FilingProposal", "Task_FilingApproval", "Task_Investigation",
                        "Task_InvestigationReport", "Task_LegalReview", "Task_Investigation",
                        "Task_InvestigationReport", "Task_CaseReview", "Task_Decision", "Task_Notice",
                        "Task_Statement", "Task_Decision", "Task_Service", "Task_Execution",
                        "Task_ClosureReport", "Task_ClosureApproval"]
    assert run.gateway("Gw_Review") == [["Task_Investigation"], ["Script_ApplyReview"]]
    assert run.gateway("Gw_NeedNotice") == [["Gw_Deliberation"], ["Task_Notice"]]
    assert run.data["late_surcharge"] == 0 and run.case.state == CaseState.COMPLETED


def test_county_matter_is_handed_to_a_direct_squad(sessions, actor, deployed):
    run = filed(sessions, actor)
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=20000, delegated_to_township=False))
    case = run.case
    assert case.state == CaseState.COMPLETED and case.data["case_outcome"] == "handed_to_county"
    assert run.gateway("Gw_Level") == [["Script_HandOver"]]
    with sessions() as session:
        child = session.scalar(select(Case).where(Case.parent_case_id == run.case_id))
        assert child.unit_id == "bureau_squad1" and child.process_key == "ordinary_procedure"
        assert child.data["source"] == "handover" and child.data["referred_from"] == case.number
        assert child.data["party"]["name"] == PERSON["name"]
    first = only_task(sessions, child.id)
    assert (first.task_spec, first.unit_id) == ("Task_FilingProposal", "bureau_squad1")


def test_direct_squad_case_with_suspected_crime_is_transferred(sessions, actor, deployed):
    run = filed(sessions, actor, unit="bureau_squad1", starter="sq1_officer1", leader="sq1_leader",
                co="sq1_officer2", party=ORGANISATION)
    assert run.data["deciding_unit"] == "bureau"
    run.do("Task_InvestigationReport", "sq1_officer1",
           report(fine=0, outcome="transfer_judicial", suspected_crime=True,
                  delegated_to_township=False))
    assert run.decisions("BRT_Grading")[-1]["case_level"] == "county_transfer"
    run.do("Task_LegalReview", "legal2", review())
    deliberation = run.do("Task_Deliberation", "bureau_head", dict(DELIBERATION, deliberation_conclusion="transfer_judicial",
                                                                  participant_users="bureau_head,bureau_deputy"))
    assert deliberation.unit_id == "bureau"
    run.do("Task_Decision", "bureau_head", decision("transfer_judicial", 0))
    run.do("Task_Transfer", "sq1_officer1", TRANSFER)
    run.do("Task_ClosureReport", "sq1_officer1", dict(CLOSURE_REPORT, closure_reason="transferred"))
    run.do("Task_ClosureApproval", "bureau_head", closure())
    assert run.path[3:] == ["Task_InvestigationReport", "Task_LegalReview", "Task_Deliberation", "Task_Decision",
                            "Task_Transfer", "Task_ClosureReport", "Task_ClosureApproval"]
    assert run.gateway("Gw_Decision") == [["Task_Transfer"]]
    assert run.gateway("Gw_Deliberation") == [["Task_Deliberation"]]
    assert run.case.state == CaseState.COMPLETED and run.data["case_outcome"] == "closed"


def test_partner_agency_case_hearing_not_requested_violation_not_established(sessions, actor, deployed):
    run = filed(sessions, actor, unit="agency_market", starter="market_inspector1", leader="market_leader",
                co="market_inspector2", party=ORGANISATION, data=dict(INTAKE, source="joint_inspection"))
    run.do("Task_InvestigationReport", "market_inspector1",
           report(fine=150000, delegated_to_township=False))
    assert run.decisions("BRT_Grading")[-1]["case_level"] == "county"
    # an Art. 63-type penalty: 法制审核 is required, also for a partner agency's case (APL Art. 58)
    assert run.decisions("BRT_ReviewTrigger")[-1]["legal_review_required"] is True
    run.do("Task_LegalReview", "legal1", review())
    run.do("Task_Notice", "market_inspector1", NOTICE)
    run.do("Task_HearingRequest", "market_inspector1", {"hearing_requested": False})
    run.do("Task_Statement", "market_inspector1", STATEMENT)
    run.do("Task_Deliberation", "market_head", dict(DELIBERATION, deliberation_conclusion="not_established",
                                                    participant_users="market_head,market_deputy"))
    run.do("Task_Decision", "market_head", decision("not_established", 0))
    run.do("Task_Service", "market_inspector1", SERVICE)
    run.do("Task_ClosureReport", "market_inspector1", dict(CLOSURE_REPORT, closure_reason="no_penalty"))
    run.do("Task_ClosureApproval", "market_head", closure())
    assert run.path[3:] == ["Task_InvestigationReport", "Task_LegalReview", "Task_Notice", "Task_HearingRequest",
                            "Task_Statement", "Task_Deliberation", "Task_Decision", "Task_Service",
                            "Task_ClosureReport", "Task_ClosureApproval"]
    assert run.gateway("Gw_HearingEligible") == [["Task_HearingRequest"]]
    assert run.gateway("Gw_Hearing") == [["Gw_Deliberation"]]
    assert run.gateway("Gw_Decision") == [["Task_Service"]]
    assert run.gateway("Gw_Execute") == [["Task_ClosureReport"]]
    assert run.case.state == CaseState.COMPLETED


def test_investigation_needs_a_second_officer_of_the_unit(sessions, actor, deployed):
    run = CaseRun(sessions, actor, "ordinary_procedure", "chengnan", "cn_officer1", INTAKE, party=PERSON)
    run.do("Task_FilingProposal", "cn_officer1", PROPOSAL)
    run.do("Task_FilingApproval", "cn_leader", approval())
    task = run.task("Task_Investigation")
    version = run.case.version
    missing = {k: v for k, v in investigation("x").items() if k != "co_officer"}
    for data, needle in ((missing, ""), (investigation("cn_officer1"), "yourself"),
                         (investigation("cb_officer1"), "not an officer of chengnan")):
        with pytest.raises(ValidationFailed) as err:
            complete(sessions, actor("cn_officer1"), task.id, data)
        assert needle in " ".join(err.value.errors["co_officer"])
    assert run.case.version == version and [t.id for t in open_tasks(sessions, run.case_id)] == [task.id]
    assert run.data["investigators"] == [uid(actor, "cn_officer1")]  # the officer who proposed 立案


def test_start_form_is_validated(sessions, actor, deployed):
    with pytest.raises(ValidationFailed) as err:
        CaseRun(sessions, actor, "ordinary_procedure", "chengnan", "cn_officer1",
                {k: v for k, v in INTAKE.items() if k != "lead_found_on"})
    assert "lead_found_on" in err.value.errors
    with pytest.raises(Forbidden):
        CaseRun(sessions, actor, "ordinary_procedure", "chengnan", "cn_reviewer", INTAKE)


def test_deploying_processes_twice_is_a_noop(sessions, deployed):
    assert {r.key for r in deployed} >= {"ordinary_procedure", "simple_procedure"}
    with transaction(sessions) as session:
        again = deploy_directory(session, ROOT / "processes")
    assert [(r.key, r.version, r.created) for r in again] == [(r.key, r.version, False) for r in deployed]


def test_deployed_properties_carry_the_statutory_clocks(sessions, deployed):
    from engine.deploy import latest
    with sessions() as session:
        props = latest(session, "ordinary_procedure").properties
    assert props["startForm"] == "case_intake" and props["caseDeadline"] == "90d"
    assert (props["caseDeadlineFrom"], props["caseDeadlineUntil"]) == ("filed_on", "decided_on")


def test_diagram_is_complete_for_a_modeler():
    assert diagram_problems("ordinary.bpmn") == []


def test_gateways_and_tables_read_only_variables_that_forms_tables_or_scripts_provide():
    # escalation_status is optional: set by the escalated procedure when it calls this one (read under try)
    assert unknown_variables("ordinary.bpmn") == {"escalation_status"}


def test_statutory_clocks_follow_the_case(sessions, actor, deployed):
    """The limits written on the BPMN start clocks: 立案 from the lead, 90 days from 立案 until the decision,
    the statement period from the notice; the hearing pauses the case clock. Dates typed are never later
    than the (frozen) system date."""
    from datetime import date, datetime, timezone

    from engine import clock
    from engine.models import Clock

    def clocks():
        with sessions() as session:
            return {c.spec: c for c in session.scalars(select(Clock).where(Clock.case_id == run.case_id))}

    def on(day):  # 10:00 Beijing time that day
        clock.freeze(datetime(2026, day[0], day[1], 2, 0, tzinfo=timezone.utc))

    on((3, 5))
    run = filed(sessions, actor)
    found = clocks()
    assert (found["Task_FilingProposal"].limit_days, found["Task_FilingProposal"].unit,
            found["Task_FilingProposal"].started_on) == (15, "wd", date(2026, 3, 2))
    case_clock = found["ordinary_procedure"]
    assert (case_clock.kind, case_clock.limit_days, case_clock.unit) == ("case", 90, "d")
    assert (case_clock.started_on, case_clock.due_on, case_clock.state) == (date(2026, 3, 4), date(2026, 6, 2),
                                                                            "running")
    on((3, 20))
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=8000))
    run.do("Task_LegalReview", "legal1", review())
    on((3, 23))
    run.do("Task_Notice", "cn_officer1", NOTICE)
    on((3, 31))  # the 5 working days after Mon Mar 23 end Mon Mar 30
    run.do("Task_HearingRequest", "cn_officer1", {"hearing_requested": True, "request_received_on": "2026-03-25"})
    run.do("Task_Statement", "cn_officer1", STATEMENT)
    found = clocks()
    assert found["Task_Statement"].started_on == found["Task_HearingRequest"].started_on == date(2026, 3, 23)
    assert (found["Task_HearingRequest"].limit_days, found["Task_HearingRequest"].unit) == (5, "wd")
    assert found["Task_HearingRequest"].due_on == date(2026, 3, 30)
    assert found["ordinary_procedure"].state == "paused"  # the hearing does not count (SAMR Art. 64)
    on((4, 10))
    run.do("Task_Hearing", "hearing1", HEARING)
    run.do("Task_HearingReview", "legal2", dict(review(), reviewed_on="2026-04-10"))
    run.do("Task_Deliberation", "cn_head", DELIBERATION)
    run.do("Task_Decision", "cn_head", decision(fine=8000))
    found = clocks()
    assert found["ordinary_procedure"].state == "met" and found["ordinary_procedure"].due_on > date(2026, 6, 2)
    # 7 working days from the decision (Fri Apr 10): Apr 13–17, 20, 21 (APL Art. 61, 85)
    assert (found["Task_Service"].limit_days, found["Task_Service"].unit) == (7, "wd")
    assert (found["Task_Service"].started_on, found["Task_Service"].due_on) == (date(2026, 4, 10), date(2026, 4, 21))
