"""A case's history as states on its diagram: after each event, which elements are completed or active,
how often each was visited, which flows were taken, what data changed and which tasks were open.

Built from the event log (what happened) plus the replay (what the data was after each step, scripts and
decision tables included); the replay is the one in :mod:`engine.replay`, so what the auditor steps through
is what the integrity verdict checked.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from engine.statuses import EventType

DONE_TYPES = (EventType.TASK_COMPLETED, EventType.GATEWAY_DECIDED, EventType.DECISION_EVALUATED,
              EventType.TIMER_FIRED)


@dataclass
class OpenTask:
    task_id: str
    spec: str
    item: object = None          # multi-instance item (e.g. the agency of a joint inspection)


@dataclass
class Step:
    seq: int
    type: str
    at: object
    actor_id: int | None
    task_id: str | None
    spec: str | None
    data: dict
    completed: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    visits: dict[str, int] = field(default_factory=dict)
    taken: list[list[str]] = field(default_factory=list)    # [gateway id, target id] so far
    changes: list[tuple[str, object, object]] = field(default_factory=list)   # key, before, after
    open_tasks: list[OpenTask] = field(default_factory=list)
    ended: bool = False          # the case has ended by this step
    derived: dict | None = None  # a decision event recorded before rules were kept: its rule + inputs per replay


def _canon(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def steps(history, replay_steps=None, hidden=("org", "spawn_cases")) -> list[Step]:
    """One :class:`Step` per event. ``replay_steps`` (from :func:`engine.replay.replay`) supply the data after
    each completion/timer; without them the data is what the events recorded (start data + submissions)."""
    replayed = {s.seq: s.data for s in (replay_steps or [])}
    decided = {s.seq: list(getattr(s, "decisions", None) or []) for s in (replay_steps or [])}
    pending: list[dict] = []     # decision tables the replay evaluated in the last replayed step, in order
    done: set[str] = set()
    visits: dict[str, int] = {}
    taken: list[list[str]] = []
    open_tasks: dict[str, OpenTask] = {}
    data: dict = {}
    ended = False
    passed: set[str] = set()
    out = []
    for ev in history:
        ev_data = ev.data or {}
        before = data
        ended = ended or ev.type == EventType.CASE_ENDED
        if ev.type == EventType.CASE_STARTED:
            data = dict(ev_data.get("data") or {})
        elif ev.type == EventType.TASK_READY and ev.task_id:
            open_tasks[ev.task_id] = OpenTask(ev.task_id, ev.task_spec, (ev_data.get("context") or {}).get("item"))
        elif ev.type in (EventType.TASK_COMPLETED, EventType.TASK_CANCELLED) and ev.task_id:
            open_tasks.pop(ev.task_id, None)
        if ev.type in DONE_TYPES and ev.task_spec:
            done.add(ev.task_spec)
            visits[ev.task_spec] = visits.get(ev.task_spec, 0) + 1
        if ev.type == EventType.GATEWAY_DECIDED:
            for target in ev_data.get("taken") or []:
                if isinstance(target, str):
                    taken.append([ev.task_spec, target])
                    passed.add(target)   # scripts and events after a gateway leave no event of their own
        derived = None
        if ev.type == EventType.DECISION_EVALUATED:
            at = next((i for i, d in enumerate(pending) if d.get("spec") == ev.task_spec), None)
            twin = pending[at] if at is not None else None
            del pending[:(at + 1) if at is not None else 0]
            if twin is not None and "rules" not in ev_data and "rules" in twin:
                derived = {k: v for k, v in twin.items() if k != "spec"}
        if ev.seq in replayed:
            pending = decided.get(ev.seq, [])
            data = dict(replayed[ev.seq])
        elif ev.type == EventType.TASK_COMPLETED:
            data = {**data, **(ev_data.get("data") or {})}
        changes = [(k, before.get(k), data.get(k)) for k in sorted(set(before) | set(data), key=str)
                   if k not in hidden and _canon(before.get(k)) != _canon(data.get(k))]
        if ev.type == EventType.CASE_STARTED:
            changes = [(k, None, v) for k, v in sorted(data.items()) if k not in hidden]
        active = sorted({t.spec for t in open_tasks.values()})
        out.append(Step(ev.seq, ev.type, ev.at, ev.actor_id, ev.task_id, ev.task_spec, ev_data,
                        completed=sorted((done | passed) - set(active)), active=active, visits=dict(visits),
                        taken=[list(t) for t in taken], changes=changes, open_tasks=list(open_tasks.values()), ended=ended,
                        derived=derived))
    return out
