"""The ordinary procedure tried as a legal reviewer would: each statutory rule is broken on purpose and refused
with the article named, nothing stored (issue 10). Both databases."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine import clock
from engine.errors import Forbidden, ValidationFailed
from tests.engine.helpers import complete
from tests.processes import PERSON, CaseRun
from tests.processes.test_ordinary import (DELIBERATION, HEARING, INTAKE, NOTICE, PROPOSAL, SERVICE, STATEMENT,
                                           approval, decision, execution, filed, investigation, report, review,
                                           with_roles)


def refused(run, spec, username, data) -> dict:
    version, before = run.case.version, run.open_specs()
    with pytest.raises(ValidationFailed) as err:
        run.do(spec, username, data)
    assert run.case.version == version and run.open_specs() == before  # nothing stored
    return err.value.errors


def on(month, day):
    clock.freeze(datetime(2026, month, day, 2, 0, tzinfo=timezone.utc))


def test_limitation_art_36_refuses_filing_a_violation_found_too_late(sessions, actor, deployed):
    run = CaseRun(sessions, actor, "ordinary_procedure", "chengnan", "cn_officer1", INTAKE)
    errors = refused(run, "Task_FilingProposal", "cn_officer1", dict(PROPOSAL, violation_on="2020-05-01"))
    assert "行政处罚法第三十六条" in errors["violation_on"][0]
    # 5 years for life/health/financial safety with harmful consequences
    run.do("Task_FilingProposal", "cn_officer1", dict(PROPOSAL, violation_on="2022-05-01", safety_related=True))
    run.path.clear()
    other = CaseRun(sessions, actor, "ordinary_procedure", "chengnan", "cn_officer1", INTAKE)
    # a continuing violation counts from its end
    errors = refused(other, "Task_FilingProposal", "cn_officer1",
                     dict(PROPOSAL, violation_on="2020-05-01", violation_continuing=True))
    assert "violation_ended_on" in errors
    other.do("Task_FilingProposal", "cn_officer1",
             dict(PROPOSAL, violation_on="2020-05-01", violation_continuing=True, violation_ended_on="2025-06-01"))
    errors = refused(other, "Task_FilingApproval", "cn_leader", dict(approval(), approved_on="2026-03-01"))
    assert "早于发现线索日期" in errors["approved_on"][0]


def test_a_raised_fine_after_case_review_goes_to_legal_review_art_58(sessions, actor, deployed):
    run = filed(sessions, actor)
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=2000))
    run.do("Task_CaseReview", "cn_reviewer", review("correct", corrected=20000))
    assert run.decisions("BRT_ReviewRecheck")[-1]["legal_review_required"] is True
    assert run.open_specs() == ["Task_LegalReview"]
    run.do("Task_LegalReview", "legal1", review())
    assert run.open_specs() == ["Task_Notice"] and run.data["notified_fine"] == 20000


def test_investigators_include_the_proposer_and_the_report_writer_art_58(sessions, actor, deployed):
    run = CaseRun(sessions, actor, "ordinary_procedure", "chengnan", "cn_officer3", INTAKE, party=PERSON)
    run.do("Task_FilingProposal", "cn_officer3", PROPOSAL)
    run.do("Task_FilingApproval", "cn_leader", approval())
    run.do("Task_Investigation", "cn_officer1", investigation("cn_officer2"))
    task = run.task("Task_InvestigationReport")
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=2000))
    review_task = run.task("Task_CaseReview")
    with pytest.raises(Forbidden, match="investigator"):  # proposed 立案 → no 案件审核
        complete(sessions, with_roles(actor, "cn_officer3", ("chengnan", "case_reviewer")), review_task.id, review())
    assert task is not None


def test_statement_and_hearing_windows_art_64_and_62(sessions, actor, deployed):
    on(3, 5)
    run = filed(sessions, actor)
    on(3, 20)
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=8000))
    run.do("Task_LegalReview", "legal1", review())
    errors = refused(run, "Task_Notice", "cn_officer1", dict(NOTICE, notice_served_on="2026-03-20",
                                                            rights_informed=False))
    assert "行政处罚法第四十四条" in errors["rights_informed"][0]
    errors = refused(run, "Task_Notice", "cn_officer1", NOTICE)  # Mar 23 is after today (Mar 20)
    assert "不能晚于今天" in errors["notice_served_on"][0]
    on(3, 23)
    run.do("Task_Notice", "cn_officer1", NOTICE)
    on(3, 26)  # day 3 of 5 working days
    errors = refused(run, "Task_HearingRequest", "cn_officer1", {"hearing_requested": False})
    assert "第六十四条" in errors["hearing_waived"][0]
    errors = refused(run, "Task_HearingRequest", "cn_officer1", {"hearing_requested": True})
    assert "request_received_on" in errors
    on(5, 28)  # a request two months late
    errors = refused(run, "Task_HearingRequest", "cn_officer1",
                     {"hearing_requested": True, "request_received_on": "2026-05-25"})
    assert "第六十四条" in errors["late_reason"][0]
    on(3, 26)
    run.do("Task_HearingRequest", "cn_officer1", {"hearing_requested": True, "request_received_on": "2026-03-25"})
    errors = refused(run, "Task_Statement", "cn_officer1", dict(STATEMENT, statement_closed_on="2026-03-26"))
    assert "第六十二条" in errors["rights_waived"][0]
    run.do("Task_Statement", "cn_officer1", dict(STATEMENT, statement_closed_on="2026-03-26", rights_waived=True))
    on(4, 10)
    errors = refused(run, "Task_Hearing", "hearing1", dict(HEARING, hearing_notice_on="2026-04-01",
                                                           record_signed=False))
    assert "第六十四条第二项" in errors["hearing_notice_on"][0]
    assert "第六十四条第八项" in errors["signature_refused"][0]
    run.do("Task_Hearing", "hearing1", dict(HEARING, record_signed=False, signature_refused="当事人拒绝签字，两名执法人员在场见证"))
    run.do("Task_HearingReview", "legal2", dict(review(), reviewed_on="2026-04-10"))
    errors = refused(run, "Task_Deliberation", "cn_head", dict(DELIBERATION, participant_users="cn_head"))
    assert "第五十七条" in errors["participant_users"][0]
    errors = refused(run, "Task_Deliberation", "cn_head", dict(DELIBERATION, participant_users="cn_head,cn_officer1"))
    assert "participant_users" in errors
    run.do("Task_Deliberation", "cn_head", dict(DELIBERATION, deliberation_conclusion="no_penalty"))
    errors = refused(run, "Task_Decision", "cn_head", decision(fine=8000))  # the conclusion was "no penalty"
    assert "第五十七条" in errors["deviation_reason"][0]
    errors = refused(run, "Task_Decision", "cn_head", dict(decision(fine=8000), decided_on="2026-03-22",
                                                           deviation_reason="复核后认定"))
    assert "决定日期早于事先告知送达日期（行政处罚法第六十二条）" in errors["decided_on"]
    errors = refused(run, "Task_Decision", "cn_head", dict(decision(fine=8000), decided_on="2026-04-11",
                                                           deviation_reason="复核后认定"))
    assert "不能晚于今天" in errors["decided_on"][0]
    run.do("Task_Decision", "cn_head", dict(decision(fine=8000), deviation_reason="经复核，违法事实清楚"))
    errors = refused(run, "Task_Service", "cn_officer1", dict(SERVICE, served_on="2026-04-09"))
    assert "第六十一条" in errors["served_on"][0]


def test_the_case_clock_stops_at_the_system_date_not_a_back_dated_decision_art_60(sessions, actor, deployed):
    from sqlalchemy import select
    from engine.models import Clock
    on(3, 5)
    run = filed(sessions, actor)
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=2000))
    run.do("Task_CaseReview", "cn_reviewer", dict(review(), reviewed_on="2026-03-05"))
    run.do("Task_Notice", "cn_officer1", dict(NOTICE, notice_served_on="2026-03-05"))
    on(6, 20)  # 90 days from Mar 4 ended Tue Jun 2
    run.do("Task_Statement", "cn_officer1", dict(STATEMENT, statement_closed_on="2026-03-12"))
    run.do("Task_Decision", "cn_head", dict(decision(fine=2000), decided_on="2026-05-20"))  # typed before the limit
    with sessions() as session:
        case_clock = session.scalar(select(Clock).where(Clock.case_id == run.case_id, Clock.kind == "case"))
    assert case_clock.state == "overdue"


def test_paying_less_than_due_or_on_the_moved_last_day(sessions, actor, deployed):
    run = filed(sessions, actor)
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=2000))
    run.do("Task_CaseReview", "cn_reviewer", review())
    run.do("Task_Notice", "cn_officer1", NOTICE)
    run.do("Task_Statement", "cn_officer1", STATEMENT)
    run.do("Task_Decision", "cn_head", decision(fine=2000))
    run.do("Task_Service", "cn_officer1", SERVICE)  # Fri Apr 10: 15 days → Sat Apr 25 → Mon Apr 27
    errors = refused(run, "Task_Execution", "cn_officer1", execution("paid", "2026-04-29", paid=2000))
    assert "第七十二条" in errors["paid_amount"][0]
    errors = refused(run, "Task_Execution", "cn_officer1", execution("paid", "2026-04-27", paid=1999.999))
    assert "paid_amount" in errors
    run.do("Task_Execution", "cn_officer1", execution("paid", "2026-04-27", paid=2000))
    assert run.data["payment_due_on"] == "2026-04-27" and run.data["late_surcharge"] == 0


def test_public_notice_service_is_deemed_served_thirty_days_after_publication(sessions, actor, deployed):
    run = filed(sessions, actor)
    run.do("Task_InvestigationReport", "cn_officer1", report(fine=2000))
    run.do("Task_CaseReview", "cn_reviewer", review())
    run.do("Task_Notice", "cn_officer1", NOTICE)
    run.do("Task_Statement", "cn_officer1", STATEMENT)
    run.do("Task_Decision", "cn_head", decision(fine=2000))
    public = dict(SERVICE, service_method="public_notice", published_on="2026-04-15")
    errors = refused(run, "Task_Service", "cn_officer1", dict(public, served_on="2026-04-15"))
    assert "三十日" in errors["published_on"][0]
    run.do("Task_Service", "cn_officer1", dict(public, served_on="2026-05-15"))
    from sqlalchemy import select
    from engine.models import Clock
    with sessions() as session:
        pay = session.scalar(select(Clock).where(Clock.case_id == run.case_id, Clock.spec == "Task_Execution"))
    assert (str(pay.started_on), str(pay.due_on)) == ("2026-05-15", "2026-06-01")  # May 30 is a Saturday


def test_the_decision_period_extends_once_by_30_days_then_only_by_collective_deliberation(sessions, actor, deployed):
    """SAMR Art. 64: +30 days with a head's approval; beyond that the heads deliberate collectively."""
    from sqlalchemy import select

    from engine.db import transaction
    from engine.deadlines import supervision
    from engine.models import Clock
    run = filed(sessions, actor)

    def case_clock():
        with sessions() as session:
            return session.scalar(select(Clock).where(Clock.case_id == run.case_id, Clock.kind == "case"))

    def extend(who, days, deliberation=None):
        with transaction(sessions) as session:
            supervision.extend(session, actor(who), case_clock().id, days, "案情复杂", deliberation)

    due = case_clock().due_on
    with pytest.raises(Forbidden):
        extend("cn_leader", 30)
    with pytest.raises(ValidationFailed) as err:  # more than 30 days at once
        extend("cn_deputy", 31)
    assert "市场监督管理行政处罚程序规定第六十四条" in err.value.errors["deliberation"][0]
    extend("cn_deputy", 30)
    assert case_clock().extension_days == 30 and case_clock().due_on > due
    for again in ((365, None), (365, ["cn_head"]), (365, ["cn_head", "cn_officer1"])):
        with pytest.raises(ValidationFailed):  # a second extension: one head or a non-head is not enough
            extend("cn_deputy", *again)
    assert case_clock().extension_days == 30
    extend("cn_head", 60, ["cn_head", "cn_deputy"])
    assert case_clock().extension_days == 90


def test_preservation_and_seizure_run_their_own_clocks(sessions, actor, deployed):
    """先行登记保存: decide within 7 working days (APL Art. 56, 85); 查封、扣押: 30 days, +30 (AEL Art. 25)."""
    from sqlalchemy import select

    from engine.models import Clock
    run = CaseRun(sessions, actor, "ordinary_procedure", "chengnan", "cn_officer1", INTAKE, party=PERSON)
    run.do("Task_FilingProposal", "cn_officer1", PROPOSAL)
    run.do("Task_FilingApproval", "cn_leader", approval())
    data = dict(investigation("cn_officer2"), evidence_preservation=True, seizure=True)
    errors = refused(run, "Task_Investigation", "cn_officer1", data)
    assert "第五十六条" in errors["preserved_on"][0] and "第二十五条" in errors["seized_on"][0]
    run.do("Task_Investigation", "cn_officer1", dict(data, preserved_on="2026-09-29", seized_on="2026-09-29"))

    def period(name):
        with sessions() as session:
            return session.scalar(select(Clock).where(Clock.case_id == run.case_id,
                                                      Clock.spec == f"ordinary_procedure:{name}"))
    # Tue Sep 29 + 7 working days across National Day 2026: Sep 30, Oct 8, 9, Sat 10 (调休), 12, 13, 14
    assert (period("preservation").unit, str(period("preservation").due_on)) == ("wd", "2026-10-14")
    assert str(period("seizure").due_on) == "2026-10-29"
    errors = refused(run, "Task_InvestigationReport", "cn_officer1", report(fine=2000))
    assert set(errors) == {"preservation_decided_on", "seizure_decided_on"}
    run.do("Task_InvestigationReport", "cn_officer1", dict(report(fine=2000), preservation_decided_on="2026-10-09",
                                                           seizure_decided_on="2026-10-20", seizure_extension_days=30))
    assert period("preservation").state in ("met", "overdue") and period("seizure").state in ("met", "overdue")
