"""Scripts, conditions and expressions: what the restricted script environment refuses, and timers that fail.

The check itself is the sandbox's own entry point (:func:`engine.scripting.check_source`), so a script passes
validation exactly when it would be allowed to run.
"""
from __future__ import annotations

import ast
import re

from engine import bpmn, sandbox, scripting
from engine.validation.documents import SPIFF, ProcessInfo, extension_text, local, properties, q
from engine.validation.problems import Report

# Names every script sees (date, Decimal, len, …): never "unprovided".
KNOWN_NAMES = set(getattr(sandbox, "SAFE_GLOBALS", {})) | set(getattr(sandbox, "SAFE_BUILTINS", {}))
ENGINE_VARIABLES = {"handling_unit", "org", "case_number", "case_id", "party", "party_kind", "investigators",
                    "spawn_cases"}  # set by the engine (party_kind from the registered party: engine/cases.py)
TIMER_KINDS = ("timeDuration", "timeDate", "timeCycle")
_ISO_LIKE = re.compile(r"^(P|PT|R\d*)[0-9A-Z]*$")
# Timer expressions are evaluated at deploy time only when they are plain (no arithmetic that could explode).
_PLAIN_NODES = (ast.Expression, ast.Constant, ast.Name, ast.Load, ast.BinOp, ast.Add, ast.JoinedStr,
                ast.FormattedValue)


def sources(proc: ProcessInfo):
    """(element, source, mode, what) for every script and expression in the process."""
    for node in proc.elements():
        kind = local(node)
        if kind == "scriptTask":
            script = node.find(q("script"))
            if script is not None and script.text and script.text.strip():
                yield node, script.text, "exec", "脚本"
        for tag in ("preScript", "postScript"):
            text = extension_text(node, tag)
            if text:
                yield node, text, "exec", "前置脚本" if tag == "preScript" else "后置脚本"
        if kind == "sequenceFlow":
            cond = node.find(q("conditionExpression"))
            if cond is not None and cond.text and cond.text.strip():
                yield node, cond.text.strip(), "eval", "条件"
        if kind == "userTask" and properties(node).get("unit"):
            yield node, properties(node)["unit"], "eval", "办理单位表达式"
        if kind == "multiInstanceLoopCharacteristics":
            owner = node.getparent()
            for tag in ("loopCardinality", "completionCondition"):
                child = node.find(q(tag))
                if child is not None and child.text and child.text.strip():
                    yield owner, child.text.strip(), "eval", "多实例表达式"


def check_scripts(proc: ProcessInfo, report: Report) -> None:
    for node, source, mode, what in sources(proc):
        try:
            scripting.check_source(source, mode)
        except scripting.ScriptRejected as exc:
            report.error("script-refused", proc.file, node.get("id"), node.get("name"),
                         f"{what}不被受限脚本环境接受：{exc}", f"the restricted script environment refuses it: {exc}")


def assigned_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def used_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def form_keys(form: dict) -> set[str]:
    keys: set[str] = set()

    def walk(components):
        for comp in components or []:
            if not isinstance(comp, dict):
                continue
            for attr in ("key", "path"):
                if isinstance(comp.get(attr), str) and comp[attr]:
                    keys.add(comp[attr].split(".")[0])
            walk(comp.get("components"))
    walk(form.get("components") if isinstance(form, dict) else None)
    return keys


def provided_variables(procs: list[ProcessInfo], forms: dict[str, dict], decision_outputs: set[str]) -> set[str]:
    """Every variable some step may set: forms, scripts, multi-instance items, decisions, data objects, engine."""
    names = set(ENGINE_VARIABLES) | set(decision_outputs)
    for form in forms.values():
        names |= form_keys(form)
    for proc in procs:
        for node, source, mode, _what in sources(proc):
            if mode == "exec":
                names |= assigned_names(source)
        for node in proc.elements():
            kind = local(node)
            if kind in ("inputDataItem", "outputDataItem", "dataObject"):
                names.add(node.get("name") or node.get("id"))
            elif kind in ("loopDataOutputRef", "loopDataInputRef") and node.text:
                names.add(node.text.strip())
    return {n for n in names if n}


def check_timers(proc: ProcessInfo, report: Report, provided: set[str]) -> None:
    for event in proc.node.iter(q("timerEventDefinition")):
        owner = event.getparent()
        for kind in TIMER_KINDS:
            child = event.find(q(kind))
            if child is None:
                continue
            _check_timer(proc, owner, kind, (child.text or "").strip(), report, provided)


def _check_timer(proc, owner, kind, expr, report, provided) -> None:
    tid, name = owner.get("id"), owner.get("name")
    if not expr:
        report.error("timer-empty", proc.file, tid, name, "定时器没有表达式", "the timer has no expression")
        return
    try:
        scripting.check_source(expr, "eval")
        tree = ast.parse(expr, mode="eval")
    except (scripting.ScriptRejected, SyntaxError) as exc:
        hint = f"（如果是 ISO 8601 值，要加引号：\"{expr}\"）" if _ISO_LIKE.match(expr.replace(" ", "")) else ""
        report.error("timer-expression", proc.file, tid, name, f"定时器表达式无法计算：{exc}{hint}",
                     f"the timer expression does not evaluate: {exc}")
        return
    body = getattr(tree, "body", None)
    if isinstance(body, ast.Name) and _ISO_LIKE.match(body.id):
        report.error("timer-unquoted", proc.file, tid, name,
                     f"定时器表达式是 Python 表达式，ISO 8601 值要加引号：\"{expr}\"，不是 {expr}",
                     f"timer expressions are Python: quote the ISO 8601 value, \"{expr}\" rather than {expr}")
        return
    missing = sorted(used_names(expr) - provided - KNOWN_NAMES)
    if missing:
        report.error("timer-variable", proc.file, tid, name,
                     f"定时器表达式用到的变量 {', '.join(missing)} 没有任何步骤提供",
                     f"the timer expression uses {', '.join(missing)}, which no step provides")
        return
    if not all(isinstance(n, _PLAIN_NODES) for n in ast.walk(tree)) or used_names(expr):
        return  # depends on case data or computes: checked when the case reaches it
    try:
        value = scripting.evaluate(expr, {})
    except Exception as exc:
        report.error("timer-expression", proc.file, tid, name, f"定时器表达式无法计算：{exc}",
                     f"the timer expression does not evaluate: {exc}")
        return
    reason = bpmn.timer_value_error(kind, value)
    if reason:
        report.error("timer-value", proc.file, tid, name, f"定时器的值不是有效的 ISO 8601 时间：{reason}",
                     f"the timer value is not valid ISO 8601: {reason}")


def check_events(procs: list[ProcessInfo], report: Report) -> None:
    """Message and signal catch events only work when something in the bundle throws them."""
    thrown: set[tuple[str, str]] = set()
    catches = []
    for proc in procs:
        for node in proc.elements():
            kind = local(node)
            for what in ("message", "signal"):
                definition = node.find(q(f"{what}EventDefinition"))
                if definition is None:
                    continue
                ref = definition.get(f"{what}Ref") or ""
                if kind in ("intermediateThrowEvent", "endEvent"):
                    thrown.add((what, ref))
                else:
                    catches.append((proc, node, what, ref))
    for proc, node, what, ref in catches:
        if (what, ref) in thrown:
            continue
        zh_what = "消息" if what == "message" else "信号"
        report.error(f"undeliverable-{what}", proc.file, node.get("id"), node.get("name"),
                     f"没有任何步骤发出这个{zh_what}，平台也无法从外部投递，流程会一直等待；改用用户任务（由人登记）或定时器",
                     f"nothing in the bundle throws this {what} and the platform cannot deliver it from outside; "
                     f"use a user task or a timer")


__all__ = ["check_scripts", "check_timers", "check_events", "provided_variables", "used_names", "SPIFF"]
