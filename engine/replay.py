"""Replaying a case from its event log, step by step, on the process version it ran on.

Auditors use this to check that the recorded history really produces the stored case: the replay
starts a fresh workflow with the recorded initial data, then applies every recorded completion and
timer in order, each at its recorded time (the clock is frozen there, so timers behave as they did).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from engine import bpmn, clock, events
from engine.deploy import specs_for
from engine.errors import WorkflowFailed
from engine.models import Case, ProcessVersion
from engine.statuses import EventType

_ENGINE_KEYS = ("handling_unit", "org", "case_number", "case_id", "party")


@dataclass
class ReplayStep:
    seq: int
    type: str
    task_spec: str | None
    open_tasks: list[str]
    data: dict


@dataclass
class ReplayResult:
    case_id: int
    chain_intact: bool
    first_altered_seq: int | None
    matches: bool
    detail: str
    steps: list[ReplayStep] = field(default_factory=list)


def replay(session: Session, case: Case) -> ReplayResult:
    altered = events.verify(session, case.id)
    history = events.history(session, case.id)
    version = session.get(ProcessVersion, case.process_version_id)
    specs = specs_for(version)
    steps: list[ReplayStep] = []
    ready_item: dict[str, object] = {}  # task id → multi-instance item, from task_ready events
    id_map: dict[str, str] = {}         # recorded task id → replayed task id
    saved = clock._frozen, clock._offset
    instance = None
    try:
        for ev in history:
            clock.freeze(ev.at)
            if ev.type == EventType.CASE_STARTED:
                initial = dict(ev.data.get("data") or {})
                initial.update(_engine_context(case, history))
                instance = bpmn.Instance.start(specs, initial)
                instance.run()
            elif ev.type == EventType.TASK_READY:
                ready_item[ev.task_id] = (ev.data.get("context") or {}).get("item")
                continue
            elif ev.type == EventType.TASK_COMPLETED and instance is not None:
                target = _match(instance, ev.task_spec, ready_item.get(ev.task_id), id_map)
                if target is None:
                    return _result(case, altered, False, f"event {ev.seq}: no ready task {ev.task_spec}", steps)
                id_map[ev.task_id] = target
                instance.complete(target, (ev.data or {}).get("data") or {})
                instance.run()
            elif ev.type == EventType.TIMER_FIRED and instance is not None:
                instance.fire_due_timers()
            else:
                continue
            steps.append(ReplayStep(ev.seq, ev.type, ev.task_spec,
                                    [t.spec for t in instance.ready_user_tasks()], _visible(instance.data)))
    except WorkflowFailed as exc:
        return _result(case, altered, False, f"replay failed: {exc.detail}", steps)
    finally:
        clock._frozen, clock._offset = saved
    if instance is None:
        return _result(case, altered, False, "no case_started event", steps)
    same_data = _canon(_visible(instance.data)) == _canon(_visible(case.data))
    same_end = instance.completed == (case.state == "completed")
    matches = same_data and same_end
    detail = "replay reproduces the stored case" if matches else (
        "replayed data differs from the stored case" if not same_data else "replayed end state differs")
    return _result(case, altered, matches, detail, steps)


def _engine_context(case: Case, history) -> dict:
    """Variables the engine added at start; the stored case data holds them."""
    return {k: case.data[k] for k in _ENGINE_KEYS if k in case.data}


def _match(instance: bpmn.Instance, spec: str, item, id_map: dict) -> str | None:
    used = set(id_map.values())
    for view in instance.ready_user_tasks():
        if view.spec == spec and view.id not in used and (item is None or view.multi_instance_item == item):
            return view.id
    return None


def _visible(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "org"}


def _canon(data: dict) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


def _result(case, altered, matches, detail, steps) -> ReplayResult:
    return ReplayResult(case.id, altered is None, altered, matches and altered is None, detail, steps)
