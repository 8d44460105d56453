"""The one module that drives SpiffWorkflow: parse, (de)serialize without specs, run, and report.

Everything else in the engine sees plain data: :class:`ParsedProcess`, :class:`UserTaskView`,
:class:`TimerView` and :class:`StepRecord`, plus :class:`Instance` methods.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from uuid import UUID

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, ExclusiveGateway, InclusiveGateway
from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as _UserTaskMixin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask
from SpiffWorkflow.bpmn.util import task as _bpmn_task_util
from SpiffWorkflow.util import task as _task_util
from SpiffWorkflow.util.task import TaskState

from engine import budget, clock
from engine.errors import InvalidProcess, WorkflowFailed
from engine.scripting import ScriptRejected, make_script_engine

# Trap 1: SpiffWorkflow's task iterator stops silently at tree depth 1000 (~250 loop iterations).
# Lift that cap and guard depth ourselves, loudly (see Instance.run).
_task_util.TaskIterator.__init__.__defaults__ = (None, 10**9, True, None)
_bpmn_task_util.BpmnTaskIterator.__init__.__defaults__ = (None, 10**9, True, False, None)


# Trap 2: timers read the wall clock directly; route them through the injectable clock.
class _ClockDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        current = clock.now()
        return current if tz is None else current.astimezone(tz)


_timer_module.datetime = _ClockDatetime

# Completed tasks kept above the open frontier when the trunk is compacted (see Instance.compact).
TRUNK_KEEP = 3


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its specs; specs are supplied on restore."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpeclessWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_serializer = _make_serializer()
_script_engine = make_script_engine()


# ---------------------------------------------------------------- parsing and specs

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
        return InvalidProcess(msg, file=exc.file_name or default_file, element=exc.id or None)
    return InvalidProcess(str(exc), file=default_file)


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
        raise InvalidProcess(str(exc), element=bpmn_id) from None


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


# ---------------------------------------------------------------- views

@dataclass
class UserTaskView:
    id: str
    spec: str          # BPMN element id
    title: str
    lane: str | None
    properties: dict
    data: dict
    multi_instance_item: object = None


@dataclass
class TimerView:
    id: str
    spec: str
    due_at: datetime


@dataclass
class StepRecord:
    """Something the engine did on its own (gateway decision, decision table, timer) worth logging."""

    kind: str          # "gateway" | "decision" | "timer"
    task_id: str
    spec: str
    data: dict


# ---------------------------------------------------------------- instances

def _json_safe(data: dict) -> dict:
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


class Instance:
    """A running workflow with its specs. Not thread-safe; build one per command."""

    def __init__(self, workflow: BpmnWorkflow, max_depth: int | None = None, compact: bool = True):
        self.wf = workflow
        self.wf.script_engine = _script_engine
        self.max_depth = max_depth
        self.compact_trunk = compact

    @classmethod
    def start(cls, specs: Specs, data: dict, **kw) -> "Instance":
        wf = BpmnWorkflow(specs.spec, specs.subprocess_specs, script_engine=_script_engine)
        start = wf.task_tree
        start.data.update(_json_safe(data))
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(_json_safe(data))
        return cls(wf, **kw)

    @classmethod
    def load(cls, specs: Specs, state: str, **kw) -> "Instance":
        dct = json.loads(state)
        dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
        wf = _serializer.registry.restore(dct, spec=specs.spec, subprocess_specs=specs.subprocess_specs)
        return cls(wf, **kw)

    def dump(self) -> str:
        dct = _serializer.to_dict(self.wf)
        dct[BpmnWorkflowSerializer.VERSION_KEY] = _serializer.VERSION
        return json.dumps(dct, default=str, ensure_ascii=False, separators=(",", ":"))

    # -- running

    def run(self) -> list[StepRecord]:
        """Run engine steps (gateways, scripts, decisions) until only user tasks and waits remain."""
        records: list[StepRecord] = []
        meter = budget.meter()

        def will_complete(task):  # the run budget: steps, call-activity depth, wall time (engine/budget.py)
            spec = task.task_spec
            wf = task.workflow
            depth = getattr(wf, "depth", 0)
            caller = None
            if depth > meter.limits.call_depth:
                caller = _calling_element(wf)
            meter.step(spec.bpmn_id or spec.name, getattr(spec, "bpmn_name", None), depth, caller)

        def did_complete(task):
            spec = task.task_spec
            if _is_timer(task):
                records.append(StepRecord("timer", str(task.id), spec.bpmn_id or spec.name, {}))
            elif isinstance(spec, (ExclusiveGateway, InclusiveGateway)) and len(spec.outputs) > 1:
                chosen = [c.task_spec.bpmn_id or c.task_spec.name for c in task.children
                          if c.state != TaskState.CANCELLED and c.state >= TaskState.WAITING]
                records.append(StepRecord("gateway", str(task.id), spec.bpmn_id or spec.name, {"taken": chosen}))
            elif isinstance(spec, BusinessRuleTask):
                records.append(StepRecord("decision", str(task.id), spec.bpmn_id, {"result": _json_safe(
                    {k: v for k, v in task.data.items() if k not in (task.parent.data if task.parent else {})
                     or task.parent.data.get(k) != v})}))

        try:
            while True:
                self.wf.do_engine_steps(will_complete_task=will_complete, did_complete_task=did_complete)
                # do_engine_steps ends by refreshing timers: one reached on the way may be due already (a
                # past date, a zero duration) and is READY now; run it too, within the budget.
                if not any(not t.task_spec.manual for t in self.wf.get_tasks(state=TaskState.READY)):
                    break
        except (SpiffWorkflowException, ScriptRejected, WorkflowException) as exc:
            raise WorkflowFailed(_describe(exc)) from None
        except RecursionError:
            raise budget.BudgetExceeded(
                "the case's task tree is too deep to evaluate (runaway loop)", element=None, reason="tree_depth",
                detail_zh="案件任务树过深，无法继续运行（流程无限循环）") from None
        if self.compact_trunk:
            self.compact()
        self._guard_depth()
        return records

    def compact(self) -> int:
        """Splice finished stretches out of the task tree; returns how many tasks were dropped.

        A long case (review loops, repeated re-checks) would otherwise carry every finished task forever:
        each step would deserialize, walk and re-serialize the whole history, so cost and stored size would
        grow with the case's age, and SpiffWorkflow's recursive ancestry checks would hit Python's recursion
        limit in a loop that runs beside an open parallel branch. The case event log is the record of what
        happened; the workflow only needs the tasks that can still influence what happens next.

        Only the middle of a *linear run* is removed: completed tasks with exactly one child, chained
        parent → child. The head of each run (whose parent splits or is unfinished) and the last
        ``TRUNK_KEEP`` tasks before anything unfinished stay, so splits, joins (which look at the
        completed task right before them), boundary events and multi-instance parents are untouched.
        """
        dropped = _compact_workflow(self.wf, self.wf)
        for sub in list(self.wf.subprocesses.values()):
            dropped += _compact_workflow(sub, self.wf)
        return dropped

    def _guard_depth(self) -> None:
        meter = budget.meter()
        if self.max_depth is not None:
            meter = budget.Meter(budget.Limits(tree_depth=self.max_depth))
        for task in self.wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED):
            meter.tree_depth(task.depth, task.task_spec.bpmn_id)

    def complete(self, task_id: str, data: dict) -> None:
        task = self._user_task(task_id)
        task.data.update(_json_safe(data))
        try:
            task.run()
        except (SpiffWorkflowException, ScriptRejected) as exc:
            raise WorkflowFailed(_describe(exc)) from None

    def fire_due_timers(self) -> list[StepRecord]:
        """Let every timer whose due time has passed fire, then run engine steps (``run`` records each
        timer that fires, and goes on while timers reached on the way are already due)."""
        self.wf.refresh_timers()
        return self.run()

    def evaluate(self, task_id: str, expression: str):
        task = self.wf.get_task_from_id(UUID(task_id))
        return self.wf.script_engine.evaluate(task, expression)

    # -- reading

    def _user_task(self, task_id: str):
        try:
            task = self.wf.get_task_from_id(UUID(task_id))
        except Exception:
            raise WorkflowFailed(f"task {task_id} is not part of this case") from None
        if task.state != TaskState.READY or not isinstance(task.task_spec, _UserTaskMixin):
            raise WorkflowFailed(f"task {task_id} is not a ready user task")
        return task

    def ready_user_tasks(self) -> list[UserTaskView]:
        views = []
        for task in self.wf.get_tasks(state=TaskState.READY, manual=True):
            spec = task.task_spec
            if not isinstance(spec, _UserTaskMixin):
                continue
            views.append(UserTaskView(
                id=str(task.id), spec=spec.bpmn_id, title=spec.bpmn_name or spec.bpmn_id, lane=spec.lane,
                properties=dict((getattr(spec, "extensions", None) or {}).get("properties", {})),
                data=task.data, multi_instance_item=task.internal_data.get("item",
                                                                      task.internal_data.get("key_or_index"))))
        return views

    def waiting_timers(self) -> list[TimerView]:
        timers = []
        for task in self.wf.get_tasks(state=TaskState.WAITING):
            if not _is_timer(task):
                continue
            value = task._get_internal_data("event_value")
            if value is None:
                continue
            due = _timer_due(value)
            if due is not None:
                timers.append(TimerView(str(task.id), task.task_spec.bpmn_id, due))
        return timers

    @property
    def completed(self) -> bool:
        return self.wf.completed

    @property
    def data(self) -> dict:
        """The process variables as of now (merged along the open branches)."""
        if self.wf.completed:
            merged = dict(self.wf.last_task.data) if self.wf.last_task else {}
            merged.update(self.wf.data)
            return _json_safe(merged)
        merged: dict = dict(self.wf.data)
        open_tasks = list(self.wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED))
        for task in open_tasks:  # branches parked at a join first: branches still running are newer
            if task.state == TaskState.WAITING and isinstance(task.task_spec, UnstructuredJoin):
                merged.update(_parked_branch_data(task))
        for task in open_tasks:
            merged.update(task.data)
        return _json_safe(merged)


def _parked_branch_data(join_task) -> dict:
    """What the branches waiting at a join (parallel/inclusive) that has not fired yet have set.

    SpiffWorkflow copies branch data into a join only when it fires: a branch that arrives early leaves a
    WAITING join task *without* data (and is cancelled when the next branch arrives); its variables live only
    in the completed task before the join until then. Merged here the way the join will merge them.
    """
    spec = join_task.task_spec
    same = [t for t in join_task.workflow.tasks.values() if t.task_spec is spec]
    fired = max((t.last_state_change for t in same if t.state == TaskState.COMPLETED), default=float("-inf"))
    arrived = [t for t in same if t.parent is not None and t.parent.state == TaskState.COMPLETED
               and (t is join_task or (t.state == TaskState.CANCELLED and t.last_state_change > fired))]
    data: dict = {}
    for task in sorted(arrived, key=lambda t: t.last_state_change):
        data.update(task.parent.data)
    return data


def _compact_workflow(wf, top) -> int:
    tasks = wf.tasks

    def linear(task) -> bool:
        return task.state == TaskState.COMPLETED and len(task._children) == 1 and task._parent is not None

    removed = 0
    for task in list(tasks.values()):
        if task.id not in tasks or not linear(task):
            continue
        parent = tasks.get(task._parent)
        if parent is not None and linear(parent):
            continue  # not the head of a run
        run, nxt = [task], tasks.get(task._children[0])
        while nxt is not None and linear(nxt):
            run.append(nxt)
            nxt = tasks.get(nxt._children[0])
        if len(run) <= TRUNK_KEEP + 1:
            continue
        head, middle, first_kept = run[0], run[1:-TRUNK_KEEP], run[-TRUNK_KEEP]
        for gone in middle:
            del tasks[gone.id]
            top.subprocesses.pop(gone.id, None)
            if wf.last_task is not None and wf.last_task.id == gone.id:
                wf.last_task = first_kept
        head._children = [first_kept.id]
        first_kept._parent = head.id
        removed += len(middle)
    return removed


def _calling_element(wf) -> tuple[str | None, str | None]:
    """The call activity that started subworkflow ``wf`` (the element to name when calls nest too deep)."""
    try:
        task = wf.top_workflow.get_task_from_id(wf.parent_task_id)
        return task.task_spec.bpmn_id, getattr(task.task_spec, "bpmn_name", None)
    except Exception:
        return None, None


def _is_timer(task) -> bool:
    spec = task.task_spec
    return isinstance(getattr(spec, "event_definition", None), TimerEventDefinition)


def _timer_due(value) -> datetime | None:
    if isinstance(value, dict):
        value = value.get("next")
    try:
        due = TimerEventDefinition.get_datetime(value)
    except Exception:
        return None
    return due if due.tzinfo else due.replace(tzinfo=timezone.utc)


def _describe(exc: Exception) -> str:
    spec = getattr(exc, "task_spec", None)
    where = f" at {getattr(spec, 'bpmn_id', None) or getattr(spec, 'name', '')}" if spec is not None else ""
    return f"{type(exc).__name__}{where}: {exc}"


__all__ = ["ParsedProcess", "Specs", "Instance", "UserTaskView", "TimerView", "StepRecord", "parse_sources",
           "load_specs", "BoundaryEvent"]
