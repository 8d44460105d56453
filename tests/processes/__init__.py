"""Drivers shared by the procedure tests: run a case task by task and record the path it takes."""
from __future__ import annotations

from xml.etree import ElementTree

from engine import events
from engine.config import ROOT
from engine.models import Case
from tests.engine.helpers import complete, get_case, open_tasks, start

PERSON = {"kind": "person", "name": "王小明", "id_number": "33010219800101123X", "address": "城南街道人民路8号",
          "phone": "13800000001"}
ORGANISATION = {"kind": "organisation", "name": "城南好味餐饮有限公司", "id_number": "91330102MA2ABCDE1N",
                "address": "城南街道解放路1号", "phone": "13800000002"}


class CaseRun:
    """One case driven through the engine; ``path`` lists the user tasks completed, in order."""

    def __init__(self, sessions, actor, process, unit, starter, data, party=None):
        self.sessions, self.actor = sessions, actor
        self.case_id = start(sessions, actor(starter), process, unit, data, party=party)
        self.path: list[str] = []

    def open_specs(self) -> list[str]:
        return [t.task_spec for t in open_tasks(self.sessions, self.case_id)]

    def task(self, spec: str):
        tasks = open_tasks(self.sessions, self.case_id)
        assert [t.task_spec for t in tasks] == [spec], f"expected only {spec}, open: {[t.task_spec for t in tasks]}"
        return tasks[0]

    def do(self, spec: str, username: str, data: dict):
        """Complete the one open task, which must be ``spec``, as ``username``; returns the task row."""
        task = self.task(spec)
        complete(self.sessions, self.actor(username), task.id, data)
        self.path.append(spec)
        return task

    @property
    def case(self) -> Case:
        return get_case(self.sessions, self.case_id)

    @property
    def data(self) -> dict:
        return self.case.data

    def events(self, kind: str | None = None) -> list:
        with self.sessions() as session:
            return [e for e in events.history(session, self.case_id) if kind is None or e.type == kind]

    def gateway(self, spec: str) -> list[list[str]]:
        """Every decision the gateway ``spec`` took, in order (each a list of taken targets)."""
        return [e.data["taken"] for e in self.events("gateway_decided") if e.task_spec == spec]

    def decisions(self, spec: str) -> list[dict]:
        return [e.data["result"] for e in self.events("decision_evaluated") if e.task_spec == spec]


BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DI = "{http://www.omg.org/spec/DD/20100524/DI}"
FLOW_NODES = ("startEvent", "endEvent", "userTask", "scriptTask", "businessRuleTask", "exclusiveGateway",
              "parallelGateway", "callActivity", "intermediateCatchEvent", "boundaryEvent")


def diagram_problems(file_name: str) -> list[str]:
    """What a modeler would miss: elements without shapes, flows without waypoints, nodes outside lanes."""
    root = ElementTree.parse(ROOT / "processes" / file_name).getroot()
    process = root.find(f"{BPMN}process")
    nodes = [n for kind in FLOW_NODES for n in process.findall(f"{BPMN}{kind}")]
    flows = process.findall(f"{BPMN}sequenceFlow")
    lanes = process.findall(f"{BPMN}laneSet/{BPMN}lane")
    shapes = {s.get("bpmnElement") for s in root.iter(f"{BPMNDI}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{BPMNDI}BPMNEdge")}
    in_lanes = {ref.text for lane in lanes for ref in lane.findall(f"{BPMN}flowNodeRef")}
    problems = [f"no shape for {n.get('id')}" for n in nodes + lanes if n.get("id") not in shapes]
    problems += [f"{n.get('id')} is in no lane" for n in nodes if n.get("id") not in in_lanes]
    problems += [f"no edge with waypoints for {f.get('id')}" for f in flows
                 if f.get("id") not in edges or len(edges[f.get("id")].findall(f"{DI}waypoint")) < 2]
    problems += [f"{n.get('id')} has no Chinese name" for n in nodes
                 if not any("\u4e00" <= ch <= "\u9fff" for ch in n.get("name") or "")]
    for gw in process.findall(f"{BPMN}exclusiveGateway"):
        outgoing = [f for f in flows if f.get("sourceRef") == gw.get("id")]
        if len(outgoing) > 1 and not gw.get("default"):
            problems.append(f"gateway {gw.get('id')} has no default flow")
    return problems


SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
DMN = "{https://www.omg.org/spec/DMN/20191111/MODEL/}"
ENGINE_VARIABLES = {"handling_unit", "org", "case_number", "case_id", "party", "party_kind", "investigators"}


def _names(source: str, mode: str) -> tuple[set[str], set[str]]:
    """(names read, names assigned) by a Python expression or script."""
    import ast
    read, written = set(), set()
    for node in ast.walk(ast.parse(source.strip(), mode=mode)):
        if isinstance(node, ast.Name):
            (written if isinstance(node.ctx, ast.Store) else read).add(node.id)
    return read, written


def unknown_variables(file_name: str) -> set[str]:
    """Variables that conditions, scripts or called decision tables read but nothing provides.

    Providers: the engine, the start form and task forms (field keys), decision table outputs,
    script assignments.
    """
    import builtins
    import json

    root = ElementTree.parse(ROOT / "processes" / file_name).getroot()
    process = root.find(f"{BPMN}process")
    props = {p.get("name"): p.get("value") for p in process.findall(f"{BPMN}extensionElements/{SPIFF}properties/{SPIFF}property")}
    form_keys = [props.get("startForm")] + [p.get("value") for p in process.iter(f"{SPIFF}property")
                                             if p.get("name") == "formKey"]
    provided = set(ENGINE_VARIABLES) | {"dmninputexpr"}
    for key in filter(None, form_keys):
        form = json.loads((ROOT / "forms" / f"{key}.form").read_text("utf-8"))
        provided |= {c["key"] for c in form["components"] if c.get("key")}
    read: set[str] = set()
    decisions = {d.text for d in process.iter(f"{SPIFF}calledDecisionId")}
    for dmn_file in (ROOT / "processes").glob("*.dmn"):
        table = ElementTree.parse(dmn_file).getroot().find(f"{DMN}decision")
        if table.get("id") in decisions:
            provided |= {o.get("name") for o in table.iter(f"{DMN}output")}
            for expr in table.iter(f"{DMN}inputExpression"):
                read |= _names(expr.find(f"{DMN}text").text, "eval")[0]
    provided |= {p.get("value") for p in process.iter(f"{SPIFF}property") if p.get("name") == "dueDateVar"}
    for script in process.iter(f"{BPMN}script"):
        r, w = _names(script.text, "exec")
        read |= r
        provided |= w
    for cond in process.iter(f"{BPMN}conditionExpression"):
        read |= _names(cond.text, "eval")[0]
    for prop in process.iter(f"{SPIFF}property"):
        if prop.get("name") in ("unit", "deadlineFrom", "caseDeadlineFrom", "caseDeadlineUntil"):
            read |= _names(prop.get("value"), "eval")[0]
    safe = {"date", "datetime", "timedelta", "Exception", "ValueError"} | set(dir(builtins))
    return read - provided - safe
