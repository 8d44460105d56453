"""Decision tables that say why: which rule matched, on which input values.

SpiffWorkflow's DMN engine (``DMNEngine.decide``) checks every rule against the task's data and merges the
outputs of the matching one(s) into the task; it keeps nothing about the match. :class:`ExplainingDMNEngine`
evaluates the table exactly as SpiffWorkflow does and, in the same pass, notes the input values and the
matched rules on the task object (not in its data, nor in the serialized workflow). ``Instance.run`` puts
:func:`explanation` into the ``decision_evaluated`` event, so the hash-chained log states for every
evaluation which rule decided and on what — the auditor reads it in words (``engine.decisionwords``).

Every spec restored through our serializer (``engine.bpmn.setup``) gets this engine.
"""
from __future__ import annotations

import json

from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.spiff.serializer.task_spec import BusinessRuleTaskConverter

_NOTE = "_zhifa_decision"       # attribute on the SpiffWorkflow Task object while it runs


def json_value(value):
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


class ExplainingDMNEngine(DMNEngine):
    def decide(self, task):
        inputs = [_input_value(task, column) for column in self.decision_table.inputs]
        rules = super().decide(task)
        setattr(task, _NOTE, (inputs, rules))
        return rules


class ExplainingBusinessRuleTaskConverter(BusinessRuleTaskConverter):
    def from_dict(self, dct):
        spec = super().from_dict(dct)
        spec.dmnEngine.__class__ = ExplainingDMNEngine
        return spec


def _input_value(task, column) -> dict:
    entry = {"label": column.label or column.name or column.expression or "", "expression": column.expression}
    try:
        entry["value"] = json_value(task.workflow.script_engine.evaluate(task, column.expression)) \
            if column.expression else None
    except Exception:  # noqa: BLE001 — an input that cannot be read is reported, the table decides as it will
        entry["value"], entry["unreadable"] = None, True
    return entry


def explanation(task) -> dict:
    """What the decision table of a completed business rule task matched on (empty if it was not recorded)."""
    noted = getattr(task, _NOTE, None)
    engine = getattr(task.task_spec, "dmnEngine", None)
    if noted is None or engine is None:
        return {}
    inputs, rules = noted
    table = engine.decision_table
    if table.hit_policy != "COLLECT":
        rules = rules[:1]       # FIRST / UNIQUE / anything else: SpiffWorkflow uses the first match
    return {
        "hit_policy": table.hit_policy,
        "inputs": inputs,
        "rules": [_rule(rule) for rule in rules],
        "outputs": {(o.name or o.label): (o.label or o.name) for o in table.outputs},
    }


def _rule(rule) -> dict:
    when = []
    for entry in rule.inputEntries:
        tests = [t for t in entry.lhs if t is not None and str(t).strip() not in ("", "-")]
        if tests:
            column = entry.input
            when.append({"label": column.label or column.name or column.expression or "",
                         "expression": column.expression, "test": str(tests[0]).strip()})
    return {"number": rule.row_number, "id": rule.id, "description": (rule.description or "").strip(),
            "when": when}
