"""A running case's workflow: start, load, dump, run engine steps, complete user tasks, read what is open."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.defaults import ExclusiveGateway, InclusiveGateway
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask as _UserTaskMixin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask
from SpiffWorkflow.util.task import TaskState

from engine import budget
from engine.bpmn import decisions as _decisions
from engine.bpmn.parse import Specs
from engine.bpmn.setup import script_engine as _script_engine, serializer as _serializer
from engine.bpmn.tree import calling_element as _calling_element, compact_workflow as _compact_workflow
from engine.bpmn.tree import parked_branch_data as _parked_branch_data
from engine.errors import WorkflowFailed
from engine.scripting import ScriptRejected


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


def json_safe(data: dict) -> dict:
    """Plain JSON values (dates as text), as stored and as scripts see them."""
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
        start.data.update(json_safe(data))
        for task in wf.get_tasks(state=TaskState.READY):
            task.data.update(json_safe(data))
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
                records.append(StepRecord("decision", str(task.id), spec.bpmn_id, {"result": json_safe(
                    {k: v for k, v in task.data.items() if k not in (task.parent.data if task.parent else {})
                     or task.parent.data.get(k) != v}), **_decisions.explanation(task)}))

        try:
            while True:
                self.wf.do_engine_steps(will_complete_task=will_complete, did_complete_task=did_complete)
                # do_engine_steps ends by refreshing timers: one reached on the way may be due already (a
                # past date, a zero duration) and is READY now; run it too, within the budget.
                if not any(not t.task_spec.manual for t in self.wf.get_tasks(state=TaskState.READY)):
                    break
        except (SpiffWorkflowException, ScriptRejected, WorkflowException) as exc:
            raise WorkflowFailed(_describe(exc), zh=f"流程运行出错，本次操作未保存：{_describe(exc)}") from None
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
        task.data.update(json_safe(data))
        try:
            task.run()
        except (SpiffWorkflowException, ScriptRejected) as exc:
            raise WorkflowFailed(_describe(exc), zh=f"流程运行出错，本次操作未保存：{_describe(exc)}") from None

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
            raise WorkflowFailed(f"task {task_id} is not part of this case", zh="该任务不属于本案") from None
        if task.state != TaskState.READY or not isinstance(task.task_spec, _UserTaskMixin):
            raise WorkflowFailed(f"task {task_id} is not a ready user task", zh="该任务当前不可办理，请刷新")
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
            return json_safe(merged)
        merged: dict = dict(self.wf.data)
        open_tasks = list(self.wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED))
        for task in open_tasks:  # branches parked at a join first: branches still running are newer
            if task.state == TaskState.WAITING and isinstance(task.task_spec, UnstructuredJoin):
                merged.update(_parked_branch_data(task))
        for task in open_tasks:
            merged.update(task.data)
        return json_safe(merged)


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
