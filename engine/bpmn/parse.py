"""Parsing BPMN/DMN sources into stored specs, and restoring them: deploy-time checks included."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.bpmn.setup import serializer as _serializer
from engine.errors import InvalidProcess
from engine.scripting import ScriptRejected


@dataclass
class ParsedProcess:
    key: str
    name: str
    file_name: str
    bpmn_xml: str
    spec_json: str
    content_hash: str
    properties: dict = field(default_factory=dict)


def _invalid(exc: Exception, default_file: str | None = None) -> InvalidProcess:
    if isinstance(exc, ValidationException):
        msg = str(exc).split("\n")[0]
        return InvalidProcess(msg, file=exc.file_name or default_file, element=exc.id or None, zh=f"流程文件无法解析：{msg}")
    return InvalidProcess(str(exc), file=default_file, zh=f"流程文件无法解析：{exc}")


def parse_sources(bpmn_files: dict[str, bytes], dmn_files: dict[str, bytes] | None = None,
                  lane_map: dict[str, str] | None = None) -> list[ParsedProcess]:
    """Validate and parse every executable process. Raises :class:`InvalidProcess` on the first problem.

    ``lane_map`` renames lanes to roles (foreign diagrams: "Clerk" → officer) in the stored spec.
    """
    parser = SpiffBpmnParser()
    for name, content in (dmn_files or {}).items():
        try:
            parser.add_dmn_str(content, filename=name)
        except Exception as exc:  # lxml, validation, anything: report it against the file
            raise _invalid(exc, name) from None
    process_files: dict[str, str] = {}
    for name, content in bpmn_files.items():
        try:
            before = set(parser.get_process_ids())
            parser.add_bpmn_str(content, filename=name)
        except Exception as exc:
            raise _invalid(exc, name) from None
        added = set(parser.get_process_ids()) - before
        if not added:
            raise InvalidProcess("文件中没有 BPMN 流程（须为含 <process> 的 BPMN 2.0 定义）；no BPMN process in the file",
                                 file=name)
        for pid in added:
            process_files[pid] = name
    parsed = []
    for pid, fname in sorted(process_files.items()):
        proc_parser = parser.get_process_parser(pid)
        if not proc_parser.node.get("isExecutable", "false").lower() == "true":
            continue
        try:
            spec = parser.get_spec(pid)
            subs = parser.get_subprocess_specs(pid)
            for task_spec in [*spec.task_specs.values(), *(t for s in subs.values() for t in s.task_specs.values())]:
                _check_task_spec(task_spec)
                if lane_map and getattr(task_spec, "lane", None) in lane_map:
                    task_spec.lane = lane_map[task_spec.lane]
        except InvalidProcess as exc:
            exc.file = exc.file or fname
            raise
        except Exception as exc:
            raise _invalid(exc, fname) from None
        spec_json = json.dumps({
            "spec": _serializer.to_dict(spec),
            "subprocess_specs": {k: _serializer.to_dict(v) for k, v in sorted(subs.items())},
        }, sort_keys=True, ensure_ascii=False)
        xml = bpmn_files[fname].decode("utf-8")
        digest = hashlib.sha256(xml.encode("utf-8") + b"\0" + spec_json.encode("utf-8")).hexdigest()
        props = _process_properties(proc_parser.node)
        if not props.get("caseDeadline"):  # the case clock of a called process runs for the calling case
            # (properties the calling process declares itself, e.g. its own label, win)
            for sub_id in sorted(subs):
                try:
                    called = _process_properties(parser.get_process_parser(sub_id).node)
                except Exception:  # noqa: BLE001  (an embedded subprocess has no process parser)
                    continue
                if called.get("caseDeadline"):
                    for key, value in called.items():
                        if key.startswith(("caseDeadline", "period")):
                            props.setdefault(key, value)
                    break
        parsed.append(ParsedProcess(
            key=pid, name=proc_parser.get_name() or pid, file_name=fname, bpmn_xml=xml, spec_json=spec_json,
            content_hash=digest, properties=props))
    return parsed


def _check_task_spec(task_spec) -> None:
    """Reject scripts and conditions that the restricted environment would refuse, at deploy time."""
    from engine.scripting import check_source

    bpmn_id = getattr(task_spec, "bpmn_id", None)
    try:
        for attr in ("script", "prescript", "postscript"):
            source = getattr(task_spec, attr, None)
            if source:
                check_source(source, "exec")
        for cond, _target in getattr(task_spec, "cond_task_specs", []) or []:
            if cond is not None and getattr(cond, "args", None):
                check_source(cond.args[0], "eval")
        for expression in _decision_expressions(getattr(task_spec, "dmnEngine", None)):
            check_source(expression, "eval")
    except ScriptRejected as exc:
        raise InvalidProcess(str(exc), element=bpmn_id, zh=f"脚本或表达式被安全沙箱拒绝：{exc}") from None


def _decision_expressions(dmn_engine):
    """Every Python expression a decision table will evaluate, as SpiffWorkflow's DMN engine forms them."""
    table = getattr(dmn_engine, "decision_table", None)
    if table is None:
        return
    for column in table.inputs:
        if column.expression:
            yield column.expression
    for rule in table.rules:
        for entry in rule.inputEntries:
            for text in entry.lhs:
                if text and text.strip() and text.strip() != "-":
                    yield _dmn_match(text)
        for entry in rule.outputEntries:
            if getattr(entry, "text", None):
                yield entry.text


def _dmn_match(text: str) -> str:
    text = text.replace("?", "dmninputexpr")
    try:
        compile(text, "<dmn>", "eval")
        return text
    except SyntaxError:  # a unary test such as ">= 5000" is read with the input on the left
        return "dmninputexpr " + text


def timer_value_error(kind: str, value) -> str | None:
    """Why a timer expression's value is no valid ISO 8601 timeDate/timeDuration/timeCycle (None: it is)."""
    parse = {"timeDuration": TimerEventDefinition.parse_iso_duration,
             "timeCycle": TimerEventDefinition.parse_iso_recurring_interval}.get(kind, TimerEventDefinition.get_datetime)
    try:
        parse(value if isinstance(value, str) else None)
    except Exception as exc:
        return f"{value!r} is not a valid ISO 8601 {kind}: {exc}"
    return None


def _process_properties(node) -> dict:
    """spiffworkflow:properties on the <process> element (e.g. statutory limits of the whole case)."""
    props = {}
    for prop in node.iterfind(".//{*}extensionElements/{*}properties/{*}property"):
        if prop.getparent().getparent().getparent() is node:
            props[prop.get("name")] = prop.get("value")
    return props


@dataclass
class Specs:
    spec: object
    subprocess_specs: dict


@lru_cache(maxsize=256)
def load_specs(version_id: int, spec_json: str) -> Specs:
    """Restore (and cache per process version) the parsed spec of a version."""
    raw = json.loads(spec_json)
    return Specs(
        spec=_serializer.from_dict(raw["spec"]),
        subprocess_specs={k: _serializer.from_dict(v) for k, v in raw["subprocess_specs"].items()},
    )


def spec_facts(specs: Specs) -> tuple[bool, bool]:
    """(has a timer event, has a user task with a ``deadline`` property), over the process and what it calls.

    Known from the deployed spec alone, so a step of a version without either skips the timer and task-clock work.
    """
    timers = deadlines = False
    for spec in (specs.spec, *specs.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            if isinstance(getattr(task_spec, "event_definition", None), TimerEventDefinition):
                timers = True
            if ((getattr(task_spec, "extensions", None) or {}).get("properties") or {}).get("deadline"):
                deadlines = True
    return timers, deadlines
