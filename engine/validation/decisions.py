"""Decision tables (DMN): referenced tables exist, every table is used, every input is provided by some step."""
from __future__ import annotations

from lxml import etree

from engine import scripting
from engine.validation.documents import Index, ProcessInfo, extension_text, local
from engine.validation.expressions import KNOWN_NAMES, used_names
from engine.validation.problems import Report


def _ns(node) -> str:
    return etree.QName(node).namespace


def outputs(index: Index) -> set[str]:
    names = set()
    for _file, node in index.decisions.values():
        for out in node.iter(f"{{{_ns(node)}}}output"):
            if out.get("name"):
                names.add(out.get("name"))
    return names


def referenced(procs: list[ProcessInfo]) -> list[tuple[ProcessInfo, object, str | None]]:
    found = []
    for proc in procs:
        for node in proc.elements():
            if local(node) == "businessRuleTask":
                found.append((proc, node, (extension_text(node, "calledDecisionId") or "").strip() or None))
    return found


def check(index: Index, procs: list[ProcessInfo], report: Report, provided: set[str]) -> None:
    used, engine_started = set(), {}
    for proc, node, decision in referenced(procs):
        if decision is None:
            report.error("decision-missing", proc.file, node.get("id"), node.get("name"),
                         "业务规则任务没有指定决策表（calledDecisionId）", "the business rule task names no decision table")
        elif decision not in index.decisions:
            report.error("decision-missing", proc.file, node.get("id"), node.get("name"),
                         f"决策表 {decision} 不在本版本中", f"decision table {decision!r} is not in the bundle")
        else:
            used.add(decision)
            # a process only the engine starts (startRoles=system, e.g. entity_colour) gets its inputs from it
            system = proc.properties.get("startRoles", "").strip() == "system"
            engine_started[decision] = engine_started.get(decision, True) and system
    for did, (file, node) in sorted(index.decisions.items()):
        if did not in used:
            report.warning("decision-unused", file, did, node.get("name"), "没有流程使用这个决策表",
                           "no process uses this decision table")
        ns = _ns(node)
        for inp in node.iter(f"{{{ns}}}input"):
            expr = inp.find(f"{{{ns}}}inputExpression/{{{ns}}}text")
            text = (expr.text or "").strip() if expr is not None else ""
            label = inp.get("label") or inp.get("id")
            if not text:
                report.error("decision-input", file, inp.get("id"), label, "决策表输入没有表达式",
                             "the decision table input has no expression")
                continue
            try:
                scripting.check_source(text, "eval")
            except scripting.ScriptRejected as exc:
                report.error("script-refused", file, inp.get("id"), label, f"决策表输入表达式不被受限脚本环境接受：{exc}",
                             f"the restricted script environment refuses the input expression: {exc}")
                continue
            missing = sorted(used_names(text) - provided - KNOWN_NAMES)
            if missing and did in used and not engine_started.get(did):
                report.warning("decision-input-unprovided", file, inp.get("id"), label,
                               f"决策表输入用到的 {', '.join(missing)} 没有任何步骤提供（表单、脚本或其他决策表）",
                               f"the input uses {', '.join(missing)}, which no step provides (form, script or table)")
