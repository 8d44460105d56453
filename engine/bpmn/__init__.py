"""The one package that drives SpiffWorkflow: parse, (de)serialize without specs, run, and report.

Everything else in the engine sees plain data: :class:`ParsedProcess`, :class:`UserTaskView`,
:class:`TimerView` and :class:`StepRecord`, plus :class:`Instance` methods.

- ``setup``: SpiffWorkflow's traps lifted (iteration depth, wall-clock timers), the spec-less serializer,
  our restricted script engine;
- ``parse``: sources → stored specs, with deploy-time checks; specs restored per version;
- ``instance``: a case's running workflow;
- ``tree``: task-tree surgery (trunk compaction) and reading (data parked at joins).
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent

from engine.bpmn.instance import Instance, StepRecord, TimerView, UserTaskView, json_safe
from engine.bpmn.parse import ParsedProcess, Specs, load_specs, parse_sources, spec_facts, timer_value_error

__all__ = ["ParsedProcess", "Specs", "Instance", "UserTaskView", "TimerView", "StepRecord", "parse_sources",
           "load_specs", "spec_facts", "timer_value_error", "json_safe", "BoundaryEvent"]
