"""The decision tables in processes/*.dmn, row by row, evaluated by the engine.

A one-step probe process (start → business rule task → end) is deployed together with the real DMN
files; each case evaluates the table once on its start data and ends, leaving the result in its data.
"""
from __future__ import annotations

import pytest

from engine.config import ROOT
from engine.db import transaction
from engine.deploy import deploy, read_directory
from tests.engine.helpers import get_case, start
from tests.processes import ORGANISATION, PERSON

DECISIONS = ("case_grading", "hearing_eligibility", "review_trigger", "simple_caps")

PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs_{d}" targetNamespace="http://zhifa.example/test">
  <bpmn:process id="probe_{d}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:sequenceFlow id="f1" sourceRef="StartEvent_1" targetRef="Decide" />
    <bpmn:businessRuleTask id="Decide" name="decide">
      <bpmn:extensionElements><spiffworkflow:calledDecisionId>{d}</spiffworkflow:calledDecisionId></bpmn:extensionElements>
    </bpmn:businessRuleTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Decide" targetRef="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def probes(sessions):
    bpmn, dmn = read_directory(ROOT / "processes")
    probes = {f"probe_{d}.bpmn": PROBE.format(d=d).encode() for d in DECISIONS}
    with transaction(sessions) as session:  # with the real processes: a case with a party ends by recolouring
        deploy(session, dict(bpmn, **probes), dmn)  # its entity (entity_colour)


@pytest.fixture
def decide(sessions, actor, probes):
    officer = actor("cn_officer1")

    def _decide(decision: str, **inputs) -> dict:
        # the party's kind is the registered party's (engine variable), never a start-form field
        kind = inputs.pop("party_kind", None)
        party = {"person": PERSON, "organisation": ORGANISATION}.get(kind)
        case = get_case(sessions, start(sessions, officer, f"probe_{decision}", "chengnan", inputs, party=party))
        assert case.state == "completed"
        return case.data
    return _decide


def grade(decide, crime=False, delegated=True, difficult=False, procedure="ordinary", review=False):
    return decide("case_grading", suspected_crime=crime, delegated_to_township=delegated,
                  difficult_case=difficult, procedure_kind=procedure, legal_review_required=review)["case_level"]


def test_grading_table_rows_of_the_domain(decide):
    # row 1: suspected crime → county bureau, transfer to judicial organs (first hit, whatever else holds)
    assert grade(decide, crime=True) == "county_transfer"
    assert grade(decide, crime=True, delegated=False, difficult=True, procedure="simple") == "county_transfer"
    # row 2: matter not delegated to townships → county bureau
    assert grade(decide, delegated=False) == "county"
    assert grade(decide, delegated=False, difficult=True, procedure="simple") == "county"
    # row 3: delegated but difficult / special / cross-area → escalated to the county bureau
    assert grade(decide, difficult=True) == "county_escalated"
    assert grade(decide, difficult=True, procedure="simple") == "county_escalated"
    # row 4: simple procedure → township closes
    assert grade(decide, procedure="simple") == "township_simple"
    assert grade(decide, procedure="simple", review=True) == "township_simple"
    # row 5: ordinary procedure with a review trigger → township handles, bureau reviews
    assert grade(decide, review=True) == "township_bureau_review"
    # row 6: ordinary procedure without → township closes with internal case review
    assert grade(decide) == "township_internal_review"


def test_grading_records_a_chinese_label_and_the_decision_event(sessions, decide):
    data = decide("case_grading", suspected_crime=False, delegated_to_township=True, difficult_case=False,
                  procedure_kind="ordinary", legal_review_required=True)
    assert data["case_level_label"] == "镇街办、执法局审"
    from engine import events
    with sessions() as session:
        evs = events.history(session, data["case_id"])
    decided = [e for e in evs if e.type == "decision_evaluated"]
    assert len(decided) == 1 and decided[0].data["result"]["case_level"] == "township_bureau_review"
    # the log says which rule decided, with its conditions as the table writes them, and on which values
    recorded = decided[0].data
    assert [r["number"] for r in recorded["rules"]] == [5]
    assert recorded["rules"][0]["description"] == "普通程序且触发法制审核：镇街办、执法局审"
    assert {c["label"]: c["test"] for c in recorded["rules"][0]["when"]} == {
        "涉嫌犯罪": "False", "属下放乡镇事项": "True", "疑难/专业/跨区域": "False", "程序": '"ordinary"',
        "需法制审核": "True"}
    assert {i["label"]: i["value"] for i in recorded["inputs"]} == {
        "涉嫌犯罪": False, "属下放乡镇事项": True, "疑难/专业/跨区域": False, "程序": "ordinary", "需法制审核": True}
    from engine.decisionwords import describe
    said = describe(recorded, value_words=lambda key, value: {"ordinary": "普通程序"}.get(value))
    assert said.rules == ["第 5 条规则：涉嫌犯罪 = 否 且 属下放乡镇事项 = 是 且 疑难/专业/跨区域 = 否 且 程序 = 普通程序 "
                          "且 需法制审核 = 是 → 普通程序且触发法制审核：镇街办、执法局审"]
    assert "需法制审核 = 是" in said.inputs and said.result == "办案层级名称 = 镇街办、执法局审"
    assert describe({"result": {"case_level": "county"}}).recorded is False   # an event from before: result only


def test_a_threshold_rule_reads_as_a_comparison(sessions, decide):
    data = decide("review_trigger", major_public_interest=False, complex_case=False, hearing_eligible=False,
                  party_kind="organisation", fine_amount=60000)
    from engine import events
    from engine.decisionwords import describe
    with sessions() as session:
        (decided,) = [e for e in events.history(session, data["case_id"]) if e.type == "decision_evaluated"]
    said = describe(decided.data)
    assert len(said.rules) == 1 and "罚款金额（元） ≥ 50000" in said.rules[0], said.rules
    assert "罚款金额（元） = 60000" in said.inputs


def hearing(decide, kind="person", fine=0, confiscation=0, revoke=False, close=False):
    return decide("hearing_eligibility", party_kind=kind, fine_amount=fine, confiscation_amount=confiscation,
                  licence_revocation=revoke, business_closure=close)["hearing_eligible"]


def test_hearing_thresholds(decide):
    assert hearing(decide, "person", 5000) is True
    assert hearing(decide, "person", 4999) is False
    assert hearing(decide, "organisation", 100000) is True
    assert hearing(decide, "organisation", 99999) is False
    assert hearing(decide, "organisation", 0, confiscation=100000) is True
    assert hearing(decide, "person", 0, confiscation=5000) is True
    assert hearing(decide, "person", 0, revoke=True) is True
    assert hearing(decide, "organisation", 0, close=True) is True


def review(decide, kind="person", fine=0, public=False, complex_=False, eligible=False):
    return decide("review_trigger", major_public_interest=public, complex_case=complex_, hearing_eligible=eligible,
                  party_kind=kind, fine_amount=fine)["legal_review_required"]


def test_review_trigger(decide):
    assert review(decide, public=True) is True
    assert review(decide, complex_=True) is True
    assert review(decide, eligible=True) is True
    assert review(decide, "person", 5000) is True
    assert review(decide, "person", 4999) is False
    assert review(decide, "organisation", 50000) is True
    assert review(decide, "organisation", 49999) is False


def caps(decide, penalty="fine", kind="person", fine=0):
    data = decide("simple_caps", penalty_kind=penalty, party_kind=kind, fine_amount=fine)
    return data["simple_allowed"], data["cash_allowed"]


def test_simple_procedure_caps(decide):
    assert caps(decide, "warning") == (True, False)
    assert caps(decide, "fine", "person", 100) == (True, True)
    assert caps(decide, "fine", "person", 101) == (True, False)
    assert caps(decide, "fine", "person", 200) == (True, False)
    assert caps(decide, "fine", "person", 201) == (False, False)
    assert caps(decide, "fine", "organisation", 3000) == (True, False)
    assert caps(decide, "fine", "organisation", 3001) == (False, False)


def test_case_file_states_the_matched_rule(sessions, decide):
    """The 卷宗's process record lists the decision with its rule and inputs (and the history's steps do too)."""
    from engine import events, history
    from engine.archive import record
    from engine.models import Case
    data = decide("case_grading", suspected_crime=True, delegated_to_township=True, difficult_case=False,
                  procedure_kind="ordinary", legal_review_required=False)
    with sessions() as session:
        rec = record.load(session, session.get(Case, data["case_id"]))
        steps = history.steps(events.history(session, data["case_id"]))
    (step,) = [s for s in rec.steps if s["title"].startswith("决策表判定")]
    assert step["lines"][1] == "第 1 条规则：涉嫌犯罪 = 是 → 涉嫌犯罪：县执法局办理并移送司法机关", step["lines"]
    assert step["lines"][2].startswith("输入值：涉嫌犯罪 = 是；属下放乡镇事项 = 是")
    assert [s.derived for s in steps if s.type == "decision_evaluated"] == [None]   # recorded, nothing derived


def test_an_event_from_before_rules_were_kept_gets_them_from_the_replay(sessions, decide):
    from types import SimpleNamespace
    from engine import events, history
    from engine.deploy import specs_for
    from engine.models import Case, ProcessVersion
    from engine.replay import replay_log
    data = decide("case_grading", suspected_crime=False, delegated_to_township=False, difficult_case=False,
                  procedure_kind="ordinary", legal_review_required=False)
    with sessions() as session:
        case = session.get(Case, data["case_id"])
        specs = specs_for(session.get(ProcessVersion, case.process_version_id))
        old = [SimpleNamespace(seq=e.seq, type=e.type, at=e.at, actor_id=e.actor_id, task_id=e.task_id,
                               task_spec=e.task_spec, data={"result": e.data["result"]}
                               if e.type == "decision_evaluated" else e.data)
               for e in events.history(session, case.id)]
        result = replay_log(specs, old, case.id, case.data, True)
    (step,) = [s for s in history.steps(old, result.steps) if s.type == "decision_evaluated"]
    assert "rules" not in step.data and [r["number"] for r in step.derived["rules"]] == [2]
