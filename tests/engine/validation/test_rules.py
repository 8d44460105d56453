"""Each validation rule on a small diagram written for it: every problem at once, with file, element, name and
a Chinese message first; the shipped procedures validate with no errors."""
from __future__ import annotations

import pytest

from engine.config import ROOT
from engine.sources import Sources, from_directories
from engine.validation import validate
from tests.engine.validation.diagrams import FORM, process, user_task

ROLES = {"officer", "squad_leader", "agency_head"}


def run(bpmn: dict, dmn: dict | None = None, forms: dict | None = None, roles=ROLES, lane_map=None):
    return validate(Sources(bpmn=bpmn, dmn=dmn or {}, forms=forms or {}, lane_map=lane_map or {}), roles=roles)


def codes(report, severity="error") -> list[tuple]:
    return sorted(((p.code, p.file, p.element) for p in report.problems if p.severity == severity), key=str)


def test_shipped_procedures_have_no_errors_and_parse():
    report = validate(from_directories(ROOT / "processes", ROOT / "forms"), roles=None)
    assert report.errors == []
    assert {p.key for p in report.parsed} >= {"escalated_procedure", "joint_inspection", "ordinary_procedure",
                                              "simple_procedure"}
    # every property the shipped procedures declare is one the platform reads (period clocks, rules, extensions)
    assert [(p.element, p.en) for p in report.problems if p.code == "unknown-property"] == []
    # party_kind is the engine's (from the registered party), not an input nobody provides
    assert [(p.file, p.en) for p in report.problems if p.code == "decision-input-unprovided"] == []


def test_clean_diagram_passes():
    report = run({"ok.bpmn": process("ok", [user_task(formKey="f")])}, forms={"f": FORM % "f"})
    assert report.problems == [] and [p.key for p in report.parsed] == ["ok"]


def test_readable_parse_error_names_line():
    report = run({"broken.bpmn": "<bpmn:definitions xmlns:bpmn='x'>\n<oops>\n"})
    [problem] = report.errors
    assert problem.code == "xml-syntax" and problem.file == "broken.bpmn"
    assert problem.zh.startswith("XML 格式错误（第 ") and "line" in problem.en


def test_not_bpmn_and_dmn_alone_are_errors():
    assert codes(run({"a.bpmn": "<a/>"})) == [("not-bpmn", "a.bpmn", None)]
    dmn = (ROOT / "processes" / "grading.dmn").read_text("utf-8")
    report = run({}, dmn={"grading.dmn": dmn})
    assert ("no-process", None, None) in codes(report)


def test_non_executable_process_is_an_error():
    report = run({"ne.bpmn": process("ne", [user_task()], executable=False)})
    assert codes(report) == [("not-executable", "ne.bpmn", "ne")]
    assert report.errors[0].name == "测试 ne"


def test_self_call_and_two_process_cycle_are_each_reported():
    selfcall = process("a", ['<bpmn:callActivity id="Call_self" name="自己调自己" calledElement="a" />'])
    report = run({"a.bpmn": selfcall})
    assert codes(report) == [("call-cycle", "a.bpmn", "Call_self")]
    assert "a → a" in report.errors[0].zh and report.errors[0].name == "自己调自己"
    a = process("pa", ['<bpmn:callActivity id="Call_b" calledElement="pb" />'])
    b = process("pb", ['<bpmn:callActivity id="Call_a" calledElement="pa" />'], executable=False)
    report = run({"pa.bpmn": a, "pb.bpmn": b})
    assert codes(report) == [("call-cycle", "pa.bpmn", "Call_b"), ("call-cycle", "pb.bpmn", "Call_a")]
    assert all("pa → pb → pa" in p.zh for p in report.errors)


def test_call_activity_with_missing_target():
    report = run({"c.bpmn": process("c", ['<bpmn:callActivity id="Call_x" name="调用" calledElement="nowhere" />'])})
    assert codes(report) == [("call-missing-target", "c.bpmn", "Call_x")]


def test_user_task_without_lane_or_role_and_unknown_role():
    report = run({"n.bpmn": process("n", [user_task("T1")], lane=None)})
    assert codes(report) == [("no-role", "n.bpmn", "T1")]
    report = run({"r.bpmn": process("r", [user_task("T1"), user_task("T2", role="clerk")], lane="Boss")})
    assert codes(report) == [("unknown-role", "r.bpmn", "T1"), ("unknown-role", "r.bpmn", "T2")]
    assert "Boss" not in report.errors[1].zh and "clerk" in report.errors[1].zh


def test_lane_map_turns_foreign_lanes_into_roles():
    xml = process("f", [user_task("T1")], lane="Clerk")
    assert codes(run({"f.bpmn": xml})) == [("unknown-role", "f.bpmn", "T1")]
    report = run({"f.bpmn": xml}, lane_map={"Clerk": "officer"})
    assert report.errors == []
    assert codes(run({"f.bpmn": xml}, lane_map={"Clerk": "janitor"}))[0][0] == "unknown-role"


def test_form_key_without_form_in_bundle():
    report = run({"m.bpmn": process("m", [user_task("T1", formKey="nope")], process_props={"startForm": "gone"})})
    assert codes(report) == [("missing-form", "m.bpmn", "T1"), ("missing-form", "m.bpmn", "m")]


def test_deadline_syntax_and_flags():
    report = run({"d.bpmn": process("d", [user_task("T1", deadline="5 days", deadlineLabel="期限"),
                                          user_task("T2", twoOfficers="yes")])})
    assert codes(report) == [("deadline-syntax", "d.bpmn", "T1"), ("flag-value", "d.bpmn", "T2")]
    assert "5wd" in report.errors[0].zh


def timer(expr: str, kind="timeDuration") -> str:
    return (f'<bpmn:intermediateCatchEvent id="Timer_1" name="等待"><bpmn:timerEventDefinition>'
            f'<bpmn:{kind}>{expr}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>')


@pytest.mark.parametrize("expr, kind, code", [
    ("PT1H", "timeDuration", "timer-unquoted"),
    ('"one hour"', "timeDuration", "timer-value"),
    ('"2026-13-45"', "timeDate", "timer-value"),
    ("wait_for", "timeDuration", "timer-variable"),
    ('"P" +', "timeDuration", "timer-expression"),
])
def test_timer_expressions_that_do_not_evaluate(expr, kind, code):
    report = run({"t.bpmn": process("t", [timer(expr, kind)])})
    assert codes(report) == [(code, "t.bpmn", "Timer_1")]


def test_good_timer_expressions_pass():
    assert run({"t.bpmn": process("t", [timer('"PT1H"')])}).errors == []
    assert run({"t.bpmn": process("t", [timer('"P" + str(days) + "D"'), user_task(formKey="f")])},
               forms={"f": '{"components": [{"type": "number", "key": "days"}]}'}).errors == []


def test_scripts_and_conditions_the_sandbox_refuses():
    script = '<bpmn:scriptTask id="S1" name="计算"><bpmn:script>import os</bpmn:script></bpmn:scriptTask>'
    pre = ('<bpmn:userTask id="T1"><bpmn:extensionElements><spiffworkflow:preScript>x = ().__class__'
           '</spiffworkflow:preScript></bpmn:extensionElements></bpmn:userTask>')
    report = run({"s.bpmn": process("s", [script, pre, user_task("T2", unit="org.__dict__")])})
    assert codes(report) == [("script-refused", "s.bpmn", "S1"), ("script-refused", "s.bpmn", "T1"),
                             ("script-refused", "s.bpmn", "T2")]


@pytest.mark.parametrize("node, code", [
    ('<bpmn:serviceTask id="X" name="调接口" />', "unsupported-element"),
    ('<bpmn:manualTask id="X" />', "unsupported-element"),
    ('<bpmn:receiveTask id="X" />', "unsupported-element"),
    ('<bpmn:intermediateCatchEvent id="X"><bpmn:messageEventDefinition messageRef="M" /></bpmn:intermediateCatchEvent>',
     "undeliverable-message"),
    ('<bpmn:intermediateCatchEvent id="X"><bpmn:signalEventDefinition signalRef="S" /></bpmn:intermediateCatchEvent>',
     "undeliverable-signal"),
])
def test_elements_the_platform_cannot_run_are_refused_with_advice(node, code):
    report = run({"u.bpmn": process("u", [node])})
    assert codes(report) == [(code, "u.bpmn", "X")]
    assert "改用" in report.errors[0].zh


def test_missing_layout_is_a_warning_only():
    report = run({"nodi.bpmn": process("nodi", [user_task()], di=False)})
    assert report.errors == [] and codes(report, "warning") == [("missing-di", "nodi.bpmn", None)]
    assert [p.key for p in report.parsed] == ["nodi"]


def test_decision_inputs_no_step_provides_are_warnings():
    brt = ('<bpmn:businessRuleTask id="B1" name="判定"><bpmn:extensionElements><spiffworkflow:calledDecisionId>'
           'dec</spiffworkflow:calledDecisionId></bpmn:extensionElements></bpmn:businessRuleTask>')
    dmn = ('<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="D" name="d" namespace="x">'
           '<decision id="dec" name="判定表"><decisionTable id="DT" hitPolicy="FIRST">'
           '<input id="In_a" label="金额"><inputExpression id="IE1" typeRef="number"><text>amount</text></inputExpression></input>'
           '<input id="In_b" label="类别"><inputExpression id="IE2" typeRef="string"><text>kind</text></inputExpression></input>'
           '<output id="Out" name="level" typeRef="string" /><rule id="R1"><inputEntry id="E1"><text>&gt; 1</text></inputEntry>'
           '<inputEntry id="E2"><text>-</text></inputEntry><outputEntry id="O1"><text>"high"</text></outputEntry></rule>'
           '</decisionTable></decision></definitions>')
    report = run({"b.bpmn": process("b", [user_task(formKey="f"), brt])}, dmn={"d.dmn": dmn},
                 forms={"f": '{"components": [{"type": "number", "key": "amount"}]}'})
    assert report.errors == []
    assert codes(report, "warning") == [("decision-input-unprovided", "d.dmn", "In_b")]
    missing = run({"b.bpmn": process("b", [brt.replace(">dec<", ">other<")])}, dmn={"d.dmn": dmn})
    assert ("decision-missing", "b.bpmn", "B1") in codes(missing)


def test_every_problem_is_reported_at_once():
    nodes = [user_task("T1", deadline="soon"), '<bpmn:serviceTask id="X" />',
             '<bpmn:callActivity id="Call_self" calledElement="all" />', user_task("T2", formKey="none")]
    report = run({"all.bpmn": process("all", nodes, di=False)})
    assert {p.code for p in report.errors} == {"deadline-syntax", "unsupported-element", "call-cycle", "missing-form"}
    assert {p.code for p in report.warnings} >= {"missing-di", "deadline-label"}
    assert all(p.zh and p.en and p.message.startswith(p.zh) for p in report.problems)
