"""SpiffWorkflow set-up shared by parsing and running: its traps lifted, the spec-less serializer, our script engine."""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.defaults import BusinessRuleTask
from SpiffWorkflow.bpmn.util import task as _bpmn_task_util
from SpiffWorkflow.util import task as _task_util

from engine import clock
from engine.bpmn.decisions import ExplainingBusinessRuleTaskConverter
from engine.scripting import make_script_engine

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
    config[BusinessRuleTask] = ExplainingBusinessRuleTaskConverter   # notes the matched rule (engine/bpmn/decisions)
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


serializer = _make_serializer()
script_engine = make_script_engine()
