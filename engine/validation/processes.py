"""Process-level checks: executable processes, user tasks, properties, elements the platform cannot run, layout."""
from __future__ import annotations

from engine.deadlines.calendar import parse_limit
from engine.validation.documents import BPMNDI, Index, ProcessInfo, local, properties, q
from engine.validation.problems import Report

USER_TASK_PROPERTIES = ("formKey", "unit", "role", "deadline", "deadlineLabel", "deadlineFrom", "pausesCaseClock",
                        "twoOfficers", "notInvestigator", "context", "documents", "investigatorStep", "dueDateVar")
# Statutory rules on a task (engine/rules.py): "rule:<name>", "ruleMessage:<name>:<rule>" — families, not names.
RULE_PREFIXES = ("rule:", "ruleMessage:")
PROCESS_PROPERTIES = ("startRoles", "startForm", "caseDeadline", "caseDeadlineLabel", "caseDeadlineFrom",
                      "caseDeadlineUntil", "caseDeadlineExtensionFrom", "caseDeadlineExtension")
# Period clocks (engine/deadlines/periods.py: "period:<name>" and its From/Label/Until/ExtensionFrom) and the start
# form's statutory rules are families of process properties.
PROCESS_PREFIXES = ("period:", "periodFrom:", "periodLabel:", "periodUntil:", "periodExtensionFrom:") + RULE_PREFIXES
FLAGS = ("pausesCaseClock", "twoOfficers", "notInvestigator")
FLOW_NODES = ("userTask", "scriptTask", "businessRuleTask", "serviceTask", "manualTask", "receiveTask", "sendTask",
              "task", "callActivity", "subProcess", "startEvent", "endEvent", "intermediateCatchEvent",
              "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "inclusiveGateway", "parallelGateway",
              "eventBasedGateway", "complexGateway")
UNSUPPORTED = {
    "serviceTask": ("平台不调用外部服务；改用脚本任务（scriptTask）计算，或用户任务由人完成",
                    "the platform calls no external services; use a script task, or a user task done by a person"),
    "manualTask": ("手工任务不会进入任何人的待办；改用用户任务（userTask）",
                   "a manual task reaches nobody's inbox; use a user task"),
    "receiveTask": ("平台无法向案件投递消息，流程会一直停在这里；改用用户任务（由人登记收到）或定时器",
                    "nothing can deliver a message to a case, it would wait forever; use a user task or a timer"),
    "sendTask": ("平台不发送消息；改用脚本任务或用户任务", "the platform sends no messages; use a script or user task"),
    "complexGateway": ("不支持复杂网关；改用排他或包容网关", "complex gateways are not supported; use exclusive/inclusive"),
}


def _name(node) -> str | None:
    return node.get("name") or None


def check_files(index: Index, report: Report, called: set[str]) -> None:
    """A file whose processes are all non-executable (and called by nobody) would deploy nothing, silently."""
    for file in index.roots:
        procs = [p for p in index.processes.values() if p.file == file]
        if not procs:
            report.error("no-process", file, None, None, "文件中没有流程（process）", "the file contains no process")
        elif not any(p.executable or p.id in called for p in procs):
            for p in procs:
                report.error("not-executable", file, p.id, p.name,
                             "流程未标记为可执行（isExecutable=\"true\"），不会被部署",
                             'the process is not executable (isExecutable="true"), nothing would be deployed')
        else:
            for p in procs:
                if not p.executable and p.id not in called:
                    report.warning("not-executable", file, p.id, p.name, "此流程未标记为可执行，不会被部署",
                                   "this process is not executable and will not be deployed")


def check_process(proc: ProcessInfo, index: Index, report: Report, forms: dict, roles: set[str] | None,
                  lane_map: dict[str, str]) -> None:
    props = proc.properties
    for name in props:
        if name not in PROCESS_PROPERTIES and not name.startswith(PROCESS_PREFIXES):
            report.warning("unknown-property", proc.file, proc.id, proc.name, f"平台不读取流程属性 {name}",
                           f"the platform reads no process property {name!r}")
    start_roles = [r.strip() for r in props.get("startRoles", "").split(",") if r.strip()]
    if roles and start_roles and not set(start_roles) & roles:  # e.g. "system": started by the engine only
        report.warning("start-roles", proc.file, proc.id, proc.name,
                       f"组织中没有人担任开始角色 {', '.join(start_roles)}，只能由系统启动",
                       f"nobody holds a start role ({', '.join(start_roles)}): only the engine can start it")
    if props.get("startForm") and props["startForm"] not in forms:
        report.error("missing-form", proc.file, proc.id, proc.name, f"开始表单 {props['startForm']} 不在本版本的表单中",
                     f"start form {props['startForm']!r} is not in the bundle")
    if props.get("caseDeadline"):
        _check_limit(props["caseDeadline"], proc, proc.node, report, "caseDeadline")
    if props.get("caseDeadline") and not props.get("caseDeadlineLabel"):
        report.warning("deadline-label", proc.file, proc.id, proc.name, "办案期限没有名称（caseDeadlineLabel）",
                       "the case deadline has no label (caseDeadlineLabel)")
    for node in proc.elements():
        kind = local(node)
        if kind == "userTask":
            _check_user_task(node, proc, report, forms, roles, lane_map)
        elif kind in UNSUPPORTED:
            zh, en = UNSUPPORTED[kind]
            report.error("unsupported-element", proc.file, node.get("id"), _name(node), zh, en)
        elif kind == "task":
            report.warning("untyped-task", proc.file, node.get("id"), _name(node),
                           "没有类型的任务会直接通过；需要人办理请改为用户任务", "an untyped task passes at once; use a user task")


def _check_role(role: str, proc: ProcessInfo, node, report: Report, roles: set[str] | None) -> None:
    if roles and role not in roles:
        report.error("unknown-role", proc.file, node.get("id"), _name(node) or proc.name,
                     f"组织中没有人担任角色 {role}（可在部署时把泳道映射到已有角色）",
                     f"nobody in the organisation holds the role {role!r} (map the lane to a role when deploying)")


def _check_limit(value: str, proc: ProcessInfo, node, report: Report, prop: str) -> None:
    try:
        parse_limit(value)
    except ValueError:
        report.error("deadline-syntax", proc.file, node.get("id"), _name(node) or proc.name,
                     f"{prop} 的值 “{value}” 不是期限：应为 <天数>wd（工作日）或 <天数>d（自然日），如 5wd、15d",
                     f"{prop} {value!r} is not a period: '<N>wd' (working days) or '<N>d' (natural days), e.g. 5wd")


def _check_user_task(node, proc: ProcessInfo, report: Report, forms: dict, roles, lane_map) -> None:
    props, tid, name = properties(node), node.get("id"), _name(node)
    for prop in props:
        if prop not in USER_TASK_PROPERTIES and not prop.startswith(RULE_PREFIXES):
            report.warning("unknown-property", proc.file, tid, name, f"平台不读取用户任务属性 {prop}",
                           f"the platform reads no user task property {prop!r}")
    lane = proc.lanes.get(tid)
    role = props.get("role") or (lane_map.get(lane, lane) if lane else None)
    if not role:
        report.error("no-role", proc.file, tid, name, "用户任务既不在泳道中也没有 role 属性，无人能办理",
                     "the user task is in no lane and has no role property: nobody could work on it")
    else:
        _check_role(role, proc, node, report, roles)
    key = props.get("formKey")
    if key and key not in forms:
        report.error("missing-form", proc.file, tid, name, f"表单 {key} 不在本版本的表单中",
                     f"form {key!r} is not in the bundle")
    if props.get("deadline"):
        _check_limit(props["deadline"], proc, node, report, "deadline")
        if not props.get("deadlineLabel"):
            report.warning("deadline-label", proc.file, tid, name, "期限没有名称（deadlineLabel），待办中只显示天数",
                           "the deadline has no label (deadlineLabel)")
    elif props.get("deadlineLabel") or props.get("deadlineFrom"):
        report.warning("deadline-missing", proc.file, tid, name, "设置了期限名称或起算变量，但没有期限（deadline）",
                       "deadlineLabel/deadlineFrom without a deadline")
    for flag in FLAGS:
        if flag in props and props[flag] not in ("true", "false"):
            report.error("flag-value", proc.file, tid, name, f"{flag} 只能是 true 或 false（现为 “{props[flag]}”）",
                         f"{flag} must be 'true' or 'false', not {props[flag]!r}")


def check_layout(index: Index, report: Report, files: set[str]) -> None:
    """Missing diagram interchange: the editor, the case page and overlays need a shape per element."""
    for file in sorted(files):
        root = index.roots[file]
        shapes = {s.get("bpmnElement") for s in root.iter(q("BPMNShape", BPMNDI))}
        edges = {e.get("bpmnElement") for e in root.iter(q("BPMNEdge", BPMNDI))}
        procs = [p for p in index.processes.values() if p.file == file]
        if not shapes and not edges:
            report.warning("missing-di", file, None, None, "文件没有图形布局（BPMN DI），编辑器和案件页面无法显示流程图",
                           "the file has no diagram layout (BPMN DI); the editor and case pages cannot draw it")
            continue
        for proc in procs:
            for node in proc.elements():
                kind = local(node)
                if kind in FLOW_NODES and node.get("id") not in shapes:
                    report.warning("missing-di", file, node.get("id"), _name(node), "元素没有图形（BPMN DI），图上看不到它",
                                   "the element has no shape in the diagram (BPMN DI)")
                elif kind == "sequenceFlow" and node.get("id") not in edges:
                    report.warning("missing-di", file, node.get("id"), _name(node), "连线没有图形（BPMN DI）",
                                   "the sequence flow has no edge in the diagram (BPMN DI)")
