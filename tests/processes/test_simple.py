"""The simple procedure (简易程序 / 当场处罚) end to end: within the caps, cash refused, over the caps.

Over the caps the simple case ends as "converted" and the engine starts an ordinary case for the same
unit and party (``spawn_cases``), carrying the facts, so 立案 runs with its own number and clocks.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import Forbidden, ValidationFailed
from engine.models import Case
from engine.statuses import CaseState
from tests.engine.helpers import only_task
from tests.processes import ORGANISATION, PERSON, CaseRun, diagram_problems, unknown_variables

INTAKE = {"cause": "乱扔垃圾", "place": "城南街道人民路", "lead_found_on": "2026-03-02"}


def record(penalty_kind="fine", fine=50):
    data = {"credentials_shown": True, "rights_informed": True, "facts": "当事人在人行道随意丢弃垃圾",
            "legal_basis": "《城市市容和环境卫生管理条例》", "statement_summary": "当事人承认", "penalty_kind": penalty_kind}
    if fine:
        data["fine_amount"] = fine
    return data


def decision(fine, method="bank"):
    return {"party_name": "王小明", "violation": "随意丢弃垃圾",
            "decision_basis": "《城市市容和环境卫生管理条例》第三十四条", "decided_fine": fine, "payment_method": method,
            "payment_deadline": "2026-03-17", "remedy": "60日内申请行政复议或6个月内提起行政诉讼",
            "agency_name": "城南街道办事处", "decided_on": "2026-03-02", "decided_place": "人民路", "officer_signature": "何平"}


FILING = {"record_number": "城南备〔2026〕1号", "materials_received_on": "2026-03-05"}


def simple(sessions, actor, party=PERSON) -> CaseRun:
    return CaseRun(sessions, actor, "simple_procedure", "chengnan", "cn_officer1", INTAKE, party=party)


def test_warning_is_decided_on_the_spot_and_filed(sessions, actor, deployed):
    run = simple(sessions, actor)
    run.do("Task_OnSiteRecord", "cn_officer1", record("warning", 0))
    assert run.decisions("BRT_SimpleCaps") == [{"simple_allowed": True, "cash_allowed": False}]
    run.do("Task_OnSpotDecision", "cn_officer1", decision(0))
    filing = run.do("Task_Filing", "cn_leader", FILING)
    assert (filing.role, filing.unit_id) == ("squad_leader", "chengnan")
    assert run.path == ["Task_OnSiteRecord", "Task_OnSpotDecision", "Task_Filing"]
    assert run.case.state == CaseState.COMPLETED and run.data["simple_outcome"] == "closed"
    assert run.gateway("Gw_Caps") == [["Task_OnSpotDecision"]]
    assert run.gateway("Gw_Cash") == [["Task_Filing"]]


def test_cash_above_100_is_sent_back_then_paid_at_a_bank(sessions, actor, deployed):
    run = simple(sessions, actor)
    run.do("Task_OnSiteRecord", "cn_officer1", record("fine", 150))
    run.do("Task_OnSpotDecision", "cn_officer1", dict(decision(150, "cash"), cash_collected_on="2026-03-02"))
    assert "不得当场收缴" in run.data["payment_warning"]
    run.do("Task_OnSpotDecision", "cn_officer1", decision(150, "bank"))
    run.do("Task_Filing", "cn_leader", FILING)
    assert run.path == ["Task_OnSiteRecord", "Task_OnSpotDecision", "Task_OnSpotDecision", "Task_Filing"]
    assert run.gateway("Gw_Cash") == [["Script_CashRefused"], ["Task_Filing"]]
    assert run.case.state == CaseState.COMPLETED


def test_organisation_fine_within_caps_with_cash_up_to_100(sessions, actor, deployed):
    run = simple(sessions, actor, party=ORGANISATION)
    run.do("Task_OnSiteRecord", "cn_officer1", record("fine", 80))
    assert run.decisions("BRT_SimpleCaps") == [{"simple_allowed": True, "cash_allowed": True}]
    assert "cash_collected_on" in refused(run, "Task_OnSpotDecision", "cn_officer1", decision(80, "cash"))
    run.do("Task_OnSpotDecision", "cn_officer1", dict(decision(80, "cash"), cash_collected_on="2026-03-02"))
    cash = _period(sessions, run.case_id, "simple_procedure:cash")
    # collected Mon Mar 2: handed in to the agency within 2 working days (APL Art. 71, 85)
    assert (cash.limit_days, cash.unit, str(cash.due_on), cash.state) == (2, "wd", "2026-03-04", "running")
    assert "第七十一条" in refused(run, "Task_Filing", "cn_leader", FILING)["cash_deposited_on"][0]
    run.do("Task_Filing", "cn_leader", dict(FILING, cash_deposited_on="2026-03-03"))
    assert _period(sessions, run.case_id, "simple_procedure:cash").state in ("met", "overdue")
    assert run.gateway("Gw_Cash") == [["Task_Filing"]] and run.case.state == CaseState.COMPLETED


def test_over_the_caps_the_case_becomes_an_ordinary_case(sessions, actor, deployed):
    run = simple(sessions, actor)
    run.do("Task_OnSiteRecord", "cn_officer1", record("fine", 500))
    case = run.case
    assert case.state == CaseState.COMPLETED and case.data["simple_outcome"] == "converted_to_ordinary"
    assert run.gateway("Gw_Caps") == [["Script_Convert"]]
    with sessions() as session:
        child = session.scalar(select(Case).where(Case.parent_case_id == run.case_id))
        assert (child.process_key, child.unit_id, child.state) == ("ordinary_procedure", "chengnan", "running")
        assert child.data["source"] == "simple_conversion" and child.data["referred_from"] == case.number
        assert child.data["facts"] == record()["facts"] and child.data["party"]["name"] == PERSON["name"]
        assert child.number != case.number
    first = only_task(sessions, child.id)
    assert (first.task_spec, first.unit_id, first.role) == ("Task_FilingProposal", "chengnan", "officer")


def test_only_officers_start_and_decisions_respect_the_cap(sessions, actor, deployed):
    with pytest.raises(Forbidden):
        CaseRun(sessions, actor, "simple_procedure", "chengnan", "cn_leader", INTAKE)
    run = simple(sessions, actor, party=ORGANISATION)
    run.do("Task_OnSiteRecord", "cn_officer1", record("fine", 3000))
    with pytest.raises(ValidationFailed) as err:  # the decision form itself refuses more than 3000
        run.do("Task_OnSpotDecision", "cn_officer1", decision(3500))
    assert "decided_fine" in err.value.errors
    assert run.open_specs() == ["Task_OnSpotDecision"]


def _period(sessions, case_id, spec):
    from engine.models import Clock
    with sessions() as session:
        return session.scalar(select(Clock).where(Clock.case_id == case_id, Clock.kind == "period",
                                                  Clock.spec == spec))


def refused(run, spec, username, data) -> dict:
    """Completing ``spec`` with ``data`` is refused: nothing changes; returns the per-field messages."""
    version, before = run.case.version, run.open_specs()
    with pytest.raises(ValidationFailed) as err:
        run.do(spec, username, data)
    assert run.case.version == version and run.open_specs() == before
    return err.value.errors


def test_the_decision_step_keeps_the_simple_procedure_caps_art_51(sessions, actor, deployed):
    run = simple(sessions, actor)
    run.do("Task_OnSiteRecord", "cn_officer1", record("fine", 50))
    errors = refused(run, "Task_OnSpotDecision", "cn_officer1", decision(3000))  # a person: ≤ 200 元
    assert "行政处罚法第五十一条" in errors["decided_fine"][0]
    run.do("Task_OnSpotDecision", "cn_officer1", decision(200))


def test_party_kind_comes_from_the_registered_party_not_the_form(sessions, actor, deployed):
    run = simple(sessions, actor)  # a person, by resident identity number
    assert run.data["party_kind"] == "person"
    errors = refused(run, "Task_OnSiteRecord", "cn_officer1", dict(record("fine", 50), party_kind="organisation"))
    assert "party_kind" in errors  # not a field of the form any more
    run.do("Task_OnSiteRecord", "cn_officer1", record("fine", 50))
    refused(run, "Task_OnSpotDecision", "cn_officer1", decision(3000))
    with pytest.raises(ValidationFailed):  # a case cannot smuggle it in at the start either
        CaseRun(sessions, actor, "simple_procedure", "chengnan", "cn_officer1", dict(INTAKE, party_kind="organisation"),
                party=PERSON)
    unregistered = CaseRun(sessions, actor, "simple_procedure", "chengnan", "cn_officer1", INTAKE)
    errors = refused(unregistered, "Task_OnSiteRecord", "cn_officer1", record("fine", 50))
    assert "第五十一条" in errors["party"][0]


def test_the_on_site_record_refuses_nonsense(sessions, actor, deployed):
    run = simple(sessions, actor)
    errors = refused(run, "Task_OnSiteRecord", "cn_officer1", dict(record(), credentials_shown=False,
                                                                  rights_informed=False))
    assert "第五十二条" in errors["credentials_shown"][0] and "第四十四条" in errors["rights_informed"][0]
    assert "fine_amount" in refused(run, "Task_OnSiteRecord", "cn_officer1", record("fine", 0))
    assert "fine_amount" in refused(run, "Task_OnSiteRecord", "cn_officer1", record("fine", -5))
    assert "两位小数" in refused(run, "Task_OnSiteRecord", "cn_officer1", record("fine", 50.123))["fine_amount"][0] \
        or "2位小数" in refused(run, "Task_OnSiteRecord", "cn_officer1", record("fine", 50.123))["fine_amount"][0]
    run.do("Task_OnSiteRecord", "cn_officer1", record("warning", 0))  # a warning needs no amount
    errors = refused(run, "Task_OnSpotDecision", "cn_officer1", dict(decision(0), decided_on="2099-01-01"))
    assert "不能晚于今天" in errors["decided_on"][0]
    errors = refused(run, "Task_OnSpotDecision", "cn_officer1", dict(decision(0), decided_on="2026-03-01"))
    assert "早于发现日期" in errors["decided_on"][0]
    run.do("Task_OnSpotDecision", "cn_officer1", decision(0))
    errors = refused(run, "Task_Filing", "cn_leader", dict(FILING, materials_received_on="2026-03-01"))
    assert "materials_received_on" in errors


def test_diagram_is_complete_for_a_modeler():
    assert diagram_problems("simple.bpmn") == []


def test_gateways_and_tables_read_only_variables_that_forms_tables_or_scripts_provide():
    assert unknown_variables("simple.bpmn") == set()
