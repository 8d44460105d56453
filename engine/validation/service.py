"""Running every check over a set of sources, then (if none failed) the SpiffWorkflow parser."""
from __future__ import annotations

import json

from engine import bpmn
from engine.errors import InvalidProcess
from engine.forms import json_schema
from engine.sources import Sources
from engine.validation import calls, decisions, documents, expressions, processes
from engine.validation.problems import Report


class Validated(Report):
    """A report plus what the checks found: the index, the parsed forms and (when valid) the parsed processes."""

    index: documents.Index
    forms: dict
    parsed: list


def _forms(sources: Sources, report: Report) -> dict[str, dict]:
    parsed = {}
    for key, text in sorted(sources.forms.items()):
        file = f"{key}.form"
        try:
            form = json.loads(text)
        except ValueError as exc:
            report.error("form-json", file, None, None, f"表单不是有效的 JSON：{exc}", f"the form is not valid JSON: {exc}")
            continue
        if not isinstance(form, dict) or not isinstance(form.get("components"), list):
            report.error("form-components", file, None, None, "表单没有组件列表（components）", "the form has no components")
            continue
        try:
            json_schema(form)
        except InvalidProcess as exc:
            report.error("form-invalid", file, None, None, f"表单无法使用：{exc.detail}", f"the form cannot be used: {exc.detail}")
            continue
        parsed[key] = form
    return parsed


def validate(sources: Sources, roles: set[str] | None = None, parse: bool = True) -> Validated:
    """Check ``sources`` as one deployment. ``roles``: the roles somebody in the organisation holds (None: skip)."""
    report = Validated()
    index = documents.read(sources.bpmn, sources.dmn, report)
    report.index, report.parsed = index, []
    if not sources.bpmn:
        report.error("no-process", None, None, None, "没有流程文件（.bpmn）：决策表和表单只能随流程一起部署",
                     "no BPMN file: decision tables and forms are deployed with the procedure that uses them")
    graph = calls.call_graph(index)
    called = {t for p in index.executable() for t, _n in graph.get(p.id, [])}
    procs_ids: list[str] = []
    for proc in index.executable():
        for pid in calls.reachable(index, proc.id):
            if pid not in procs_ids:
                procs_ids.append(pid)
    called |= set(procs_ids) - {p.id for p in index.executable()}
    procs = [index.processes[pid] for pid in procs_ids]
    processes.check_files(index, report, called)
    report.forms = _forms(sources, report)
    calls.check(index, report)
    lane_map = dict(sources.lane_map or {})
    for lane, role in lane_map.items():
        if roles and role not in roles:
            report.error("unknown-role", None, None, lane, f"泳道 {lane} 映射到的角色 {role} 在组织中无人担任",
                         f"lane {lane!r} is mapped to {role!r}, which nobody in the organisation holds")
    for proc in procs:
        processes.check_process(proc, index, report, sources.forms, roles, lane_map)
        expressions.check_scripts(proc, report)
    provided = expressions.provided_variables(procs, report.forms, decisions.outputs(index))
    for proc in procs:
        expressions.check_timers(proc, report, provided)
    expressions.check_events(procs, report)
    decisions.check(index, procs, report, provided)
    processes.check_layout(index, report, {p.file for p in procs})
    if parse and report.ok and procs:
        _spiff_parse(sources, index, report, lane_map)
    return report


def _spiff_parse(sources: Sources, index: documents.Index, report: Validated, lane_map: dict) -> None:
    try:
        report.parsed = bpmn.parse_sources({k: v.encode("utf-8") for k, v in sources.bpmn.items()},
                                           {k: v.encode("utf-8") for k, v in sources.dmn.items()}, lane_map=lane_map)
    except InvalidProcess as exc:
        name = None
        if exc.element:
            for root in [*index.roots.values(), *index.dmn_roots.values()]:
                found = root.xpath("//*[@id=$id]", id=exc.element)
                if found:
                    name = found[0].get("name") or found[0].get("label")
                    break
        report.error("parse", exc.file, exc.element, name, f"流程无法解析：{exc.detail}",
                     f"the process cannot be parsed: {exc.detail}")
