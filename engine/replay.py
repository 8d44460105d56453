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
from engine.bpmn.migrate import migrate as migrate_workflow
from engine.deploy import specs_for
from engine.errors import WorkflowFailed
from engine.models import Case, ProcessVersion
from engine.replayforms import VersionForms
from engine.statuses import EventType

_ENGINE_KEYS = ("handling_unit", "org", "case_number", "case_id", "party", "party_kind")


@dataclass
class ReplayStep:
    seq: int
    type: str
    task_spec: str | None
    open_tasks: list[str]
    data: dict
    decisions: list[dict] = field(default_factory=list)   # decision tables evaluated in this step (rule + inputs)


@dataclass
class ReplayResult:
    case_id: int
    chain_intact: bool
    first_altered_seq: int | None
    matches: bool
    detail: str
    steps: list[ReplayStep] = field(default_factory=list)
    # Where and why the replay diverged (None when it reproduces the case):
    # reason ∈ step (a recorded completion has no matching ready task), engine (the workflow failed),
    # spec (the process version cannot be loaded), start (no case_started event), data (replayed data
    # differs from the stored data), state (end state differs), tasks (open tasks differ), form (a recorded
    # submission does not fit the form of the version in force at its step: engine/replayforms.py).
    failed_seq: int | None = None
    reason: str | None = None
    differences: dict = field(default_factory=dict)   # key → {"stored": …, "replayed": …}
    open_tasks: list[str] = field(default_factory=list)
    form_mismatch: dict | None = None   # FormMismatch.as_dict(): step, form, fields with labels, zh/en words


def replay(session: Session, case: Case, history=None, altered=None, open_specs: list[str] | None = None
           ) -> ReplayResult:
    """Re-run ``case`` from its log. ``history``/``altered`` may be passed when already loaded/verified;
    ``open_specs`` (the stored open tasks' BPMN ids) adds a check of the open tasks."""
    if history is None:
        altered = events.verify(session, case.id)
        history = events.history(session, case.id)
    # the version the case started on (a migrated case moved on later: each migration event names its target)
    first = history[0].process_version_id if history else case.process_version_id

    def specs_at(version_id: int):
        return specs_for(session.get(ProcessVersion, version_id))
    try:
        specs = specs_at(first)
    except Exception as exc:  # noqa: BLE001 — a stored spec that no longer loads is a verdict, not a crash
        return _result(case.id, altered, False, f"process version cannot be loaded: {exc}", [],
                       failed=(None, "spec"))
    return replay_log(specs, history, case.id, case.data or {}, case.state == "completed", altered, open_specs,
                      forms=VersionForms(session, case.process_version_id), specs_at=specs_at)


def replay_log(specs, history, case_id: int, stored_data: dict, stored_completed: bool, altered=None,
               open_specs: list[str] | None = None, forms: VersionForms | None = None,
               specs_at=None) -> ReplayResult:
    """Re-run a recorded log on ``specs`` and compare with the stored data, end state and open tasks.

    ``history`` holds event-like objects (seq, type, at, task_id, task_spec, data): rows from the database,
    or the events of an exported archive (``zhifa verify-archive`` runs this without a database).
    ``forms`` re-validates every recorded submission against its step's version forms (engine/replayforms.py).
    ``specs_at(version_id)`` gives the specs a migration event moved the case to (engine/migration): the replay
    moves its workflow the same way there, and a revert puts back the workflow as it was before that move.
    """
    steps: list[ReplayStep] = []
    ready_item: dict[str, object] = {}  # task id → multi-instance item, from task_ready events
    ready_spec: dict[str, str] = {}     # recorded task id → its element when it became ready
    closed: set[str] = set()            # recorded task ids completed or cancelled
    pins: dict[str, tuple] = {}         # recorded task id → (form key, version id): kept on its form by a move
    id_map: dict[str, str] = {}         # recorded task id → replayed task id
    saved = clock._frozen, clock._offset
    instance, ev = None, None
    before_move: dict[int, tuple] = {}  # seq of a migration event → (specs, workflow) before it
    try:
        for ev in history:
            clock.freeze(ev.at)
            if ev.type == EventType.CASE_STARTED:
                mismatch = forms and forms.check(ev, forms.start_form(ev), None, {}, ev.data.get("data") or {})
                if mismatch:
                    return _mismatch(case_id, altered, steps, mismatch)
                initial = dict(ev.data.get("data") or {})
                initial.update({k: stored_data[k] for k in _ENGINE_KEYS if k in stored_data})
                if ev.data.get("unit"):  # the unit it started in (an escalated case moves its work on later)
                    initial["handling_unit"] = ev.data["unit"]
                instance = bpmn.Instance.start(specs, initial)
                records = instance.run()
            elif ev.type == EventType.TASK_READY:
                ready_item[ev.task_id] = (ev.data.get("context") or {}).get("item")
                ready_spec[ev.task_id] = ev.task_spec
                continue
            elif ev.type == EventType.TASK_CANCELLED:
                closed.add(ev.task_id)
                continue
            elif ev.type == EventType.TASK_COMPLETED and instance is not None:
                view = _match(instance, ev.task_spec, ready_item.get(ev.task_id), id_map)
                if view is None:
                    return _result(case_id, altered, False, f"event {ev.seq}: no ready task {ev.task_spec}",
                                   steps, failed=(ev.seq, "step"))
                submission = (ev.data or {}).get("data") or {}
                form_key, form_version = pins.get(ev.task_id) or (view.properties.get("formKey"), None)
                mismatch = forms and forms.check(ev, form_key, view.title, view.properties, submission,
                                                 version_id=form_version)
                if mismatch:
                    return _mismatch(case_id, altered, steps, mismatch)
                closed.add(ev.task_id)
                target = id_map[ev.task_id] = view.id
                instance.complete(target, submission)
                records = instance.run()
            elif ev.type == EventType.TIMER_FIRED and instance is not None:
                records = instance.fire_due_timers()
            elif ev.type == EventType.CASE_MIGRATED and instance is not None:
                if specs_at is None:
                    return _result(case_id, altered, False, f"event {ev.seq}: the case moved to another version",
                                   steps, failed=(ev.seq, "spec"))
                before_move[ev.seq] = (specs, instance.dump(), dict(pins))
                _pin(pins, instance, ev.data, {t: ready_spec[t] for t in ready_spec if t not in closed}, ready_item)
                specs = specs_at(ev.data["to_version_id"])
                if ev.data.get("workflow") == "kept":   # the stored workflow was valid on the target as it was
                    instance, records = bpmn.Instance.load(specs, instance.dump()), []
                else:
                    instance, records = migrate_workflow(instance, specs, ev.data.get("mapping") or {})
            elif ev.type == EventType.MIGRATION_REVERTED and instance is not None:
                if ev.data.get("migration_seq") not in before_move:
                    return _result(case_id, altered, False, f"event {ev.seq}: reverts no recorded migration",
                                   steps, failed=(ev.seq, "step"))
                specs, state, kept = before_move[ev.data["migration_seq"]]
                instance, records, pins = bpmn.Instance.load(specs, state), [], dict(kept)
            else:
                continue
            steps.append(ReplayStep(ev.seq, ev.type, ev.task_spec,
                                    [t.spec for t in instance.ready_user_tasks()], _visible(instance.data),
                                    [dict(r.data, spec=r.spec) for r in records if r.kind == "decision"]))
    except WorkflowFailed as exc:
        return _result(case_id, altered, False, f"replay failed: {exc.detail}", steps,
                       failed=(ev.seq if ev is not None else None, "engine"))
    finally:
        clock._frozen, clock._offset = saved
    if instance is None:
        return _result(case_id, altered, False, "no case_started event", steps, failed=(None, "start"))
    replayed = _visible(instance.data)
    differences = diff(replayed, _visible(stored_data))
    open_now = sorted(t.spec for t in instance.ready_user_tasks())
    last_seq = history[-1].seq if history else None
    if differences:
        result = _result(case_id, altered, False, "replayed data differs from the stored case", steps,
                         failed=(_last_writer(steps, set(differences)), "data"))
        result.differences = differences
    elif instance.completed != stored_completed:
        result = _result(case_id, altered, False, "replayed end state differs", steps, failed=(last_seq, "state"))
    elif open_specs is not None and sorted(open_specs) != open_now:
        result = _result(case_id, altered, False, "replayed open tasks differ from the stored ones", steps,
                         failed=(last_seq, "tasks"))
        result.differences = {"open_tasks": {"stored": sorted(open_specs), "replayed": open_now}}
    else:
        result = _result(case_id, altered, True, "replay reproduces the stored case", steps)
    result.open_tasks = open_now
    return result


def _pin(pins: dict, instance: bpmn.Instance, move: dict, open_recorded: dict, ready_item: dict) -> None:
    """A move's effect on the open tasks' forms (engine/migration/followup.py), read from its hash-chained event:
    with ``follow_target`` false every open task keeps the form it had (its element's form key on the version it
    was pinned to, the earlier pin winning); otherwise they all take the target's."""
    if move.get("follow_target", True):
        for task_id in open_recorded:
            pins.pop(task_id, None)
        return
    used: set[str] = set()
    views = instance.ready_user_tasks()
    for task_id, spec in open_recorded.items():
        item = ready_item.get(task_id)
        view = next((v for v in views if v.spec == spec and v.id not in used
                     and (item is None or v.multi_instance_item == item)), None)
        if view is None:
            continue
        used.add(view.id)
        pins.setdefault(task_id, (view.properties.get("formKey"), move.get("from_version_id")))


def diff(replayed: dict, stored: dict) -> dict:
    """Top-level keys whose values differ: {key: {"stored": …, "replayed": …}}."""
    out = {}
    for key in sorted(set(replayed) | set(stored), key=str):
        a, b = replayed.get(key), stored.get(key)
        if _canon(a) != _canon(b):
            out[key] = {"stored": b, "replayed": a}
    return out


def _last_writer(steps: list[ReplayStep], keys: set) -> int | None:
    """The seq of the last step that changed one of ``keys`` (where the stored value should come from)."""
    seq, before = None, {}
    for step in steps:
        if any(_canon(step.data.get(k)) != _canon(before.get(k)) for k in keys):
            seq = step.seq
        before = step.data
    return seq if seq is not None else (steps[-1].seq if steps else None)


def _match(instance: bpmn.Instance, spec: str, item, id_map: dict) -> bpmn.UserTaskView | None:
    used = set(id_map.values())
    for view in instance.ready_user_tasks():
        if view.spec == spec and view.id not in used and (item is None or view.multi_instance_item == item):
            return view
    return None


def _mismatch(case_id, altered, steps, mismatch) -> ReplayResult:
    zh, en = mismatch.words()
    result = _result(case_id, altered, False, f"{zh} ({en})", steps, failed=(mismatch.seq, "form"))
    result.form_mismatch = mismatch.as_dict()
    return result


def _visible(data: dict) -> dict:
    return {k: v for k, v in data.items() if k != "org"}


def _canon(data) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


def _result(case_id, altered, matches, detail, steps, failed=(None, None)) -> ReplayResult:
    return ReplayResult(case_id, altered is None, altered, matches and altered is None, detail, steps,
                        failed_seq=failed[0], reason=failed[1])
