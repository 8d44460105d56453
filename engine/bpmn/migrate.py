"""Moving a running workflow onto another version of its procedure, with ``SpiffWorkflow.bpmn.util.diff``.

Two parts, both plain data to the rest of the engine:

- :func:`compare` aligns the elements of two versions (``SpecDiff``: by BPMN id, then by structure), applies the
  designer's explicit mapping (source id → target id) and says, per source element, where it goes and which of its
  settings changed. Structural guesses are never applied silently: they are offered as suggested mappings.
- :func:`footprint` reads a stored workflow state (JSON, no restore) and lists the elements a case has reached,
  with their state; :func:`migrate` moves a live :class:`~engine.bpmn.Instance` (``WorkflowDiff`` +
  ``migrate_workflow``), keeps open tasks, their data and multi-instance items, and proves the result loads on
  the target before it is returned.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.instance import Instance
from engine.bpmn.parse import Specs
from engine.bpmn.setup import serializer as _serializer
from engine.errors import WorkflowFailed

PREDICTED = TaskState.MAYBE | TaskState.LIKELY | TaskState.FUTURE
OPEN = TaskState.READY | TaskState.WAITING
STATE_NAMES = {TaskState.WAITING: "open", TaskState.READY: "open", TaskState.STARTED: "started",
               TaskState.COMPLETED: "completed", TaskState.ERROR: "completed", TaskState.CANCELLED: "cancelled"}
INTERNAL = ("Start", "End", "Root")
_IGNORED = {"name", "bpmn_id", "description", "lookahead", "manual"}
# settings a stored workflow does not hold: the engine reads them from the spec when a task becomes ready
KEEPABLE = {"property:deadline", "property:deadlineLabel", "bpmn_name", "documentation"}


class MigrationRefused(WorkflowFailed):
    """The workflow cannot be moved onto the target version; ``element`` names where."""

    def __init__(self, detail: str, zh: str, element: str | None = None):
        super().__init__(detail)
        self.zh = zh
        self.element = element


@dataclass
class ElementDiff:
    element: str                  # source BPMN id
    name: str                     # its label in the source version
    kind: str                     # SpiffWorkflow task spec type (UserTask, ExclusiveGateway, ...)
    process: str
    target: str | None            # the target element it moves to (None: removed)
    changes: list[str] = field(default_factory=list)   # settings that differ ("property:deadline", "script" ...)
    mapped: bool = False          # the target comes from the plan's explicit mapping
    guess: str | None = None      # removed, but the structure suggests this target element


@dataclass
class Comparison:
    elements: dict[str, ElementDiff]                      # source element id → diff (first process holding it)
    added: list[tuple[str, str, str]]                     # (target id, label, process) new in the target
    missing_processes: list[str]                          # called/embedded processes the target lacks
    target_names: dict[str, str] = field(default_factory=dict)   # target id → label
    mi_inner: set[str] = field(default_factory=set)               # elements run per multi-instance item
    views: dict[str, tuple] = field(default_factory=dict)          # target id → (title, lane, properties)

    @property
    def same_shape(self) -> bool:
        """Only settings a stored workflow never holds differ (deadlines, labels): the stored state is valid on the
        target as it is, so a move rewrites no workflow (the fast path of engine/migration)."""
        return not self.added and not self.missing_processes and all(
            d.target == d.element and not d.mapped and set(d.changes) <= KEEPABLE for d in self.elements.values())

    def get(self, element: str) -> ElementDiff | None:
        return self.elements.get(main_element(element))


def main_element(name: str) -> str:
    """``Task_X.BoundaryEventSplit`` and other helper specs belong to their BPMN element."""
    return name.split(".", 1)[0]


def _label(spec) -> str:
    return getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name


def _target_name(name: str, mapping: dict[str, str]) -> str | None:
    head, dot, tail = name.partition(".")
    if head in mapping:
        return mapping[head] + dot + tail
    return None


_DIFFS: dict[tuple, SpecDiff] = {}


def spec_diff(old_spec, new_spec, mapping: dict[str, str]) -> SpecDiff:
    """``SpecDiff`` of two process specs with the explicit mapping applied and structural guesses withdrawn
    (kept in ``guesses``). Cached: specs are restored once per version (``load_specs``)."""
    key = (id(old_spec), id(new_spec), tuple(sorted(mapping.items())))
    found = _DIFFS.get(key)
    if found is not None and found._specs == (old_spec, new_spec):
        return found
    diff = SpecDiff(_serializer.registry, old_spec, new_spec)
    diff.guesses = {}
    for old in list(old_spec.task_specs.values()):
        mapped = _target_name(old.name, mapping)
        if mapped is not None:
            diff.alignment[old] = new_spec.task_specs.get(mapped)
            continue
        aligned = diff.alignment.get(old)
        if aligned is not None and aligned.name != old.name:
            diff.guesses[old.name] = aligned.name       # SpecDiff's structural match: a suggestion only
            diff.alignment[old] = None
        elif old not in diff.alignment:
            diff.alignment[old] = new_spec.task_specs.get(old.name)
    diff._specs = (old_spec, new_spec)
    if len(_DIFFS) > 64:
        _DIFFS.clear()
    _DIFFS[key] = diff
    return diff


def _renamer(diff: SpecDiff):
    names = {old.name: new.name for old, new in diff.alignment.items() if new is not None and new.name != old.name}
    names.update({old: new for old, new in diff.guesses.items() if old not in names})  # judged by the guess's own

    def rename(value):
        if isinstance(value, str):
            return names.get(value, value)
        if isinstance(value, list):
            return [rename(v) for v in value]
        if isinstance(value, dict):
            return {k: rename(v) for k, v in value.items()}
        return value
    return rename


def _changes(old, new, rename) -> list[str]:
    a, b = _serializer.registry.convert(old), _serializer.registry.convert(new)
    if a.get("typename") != b.get("typename"):
        return ["typename"]
    out = []
    for key in sorted(set(a) | set(b)):
        if key in _IGNORED:
            continue
        before, after = rename(a.get(key)), b.get(key)
        if key in ("inputs", "outputs"):
            before, after = sorted(before or []), sorted(after or [])
        if key == "extensions":
            p1 = (before or {}).get("properties") or {}
            p2 = (after or {}).get("properties") or {}
            out += [f"property:{p}" for p in sorted(set(p1) | set(p2)) if p1.get(p) != p2.get(p)]
            rest1 = {k: v for k, v in (before or {}).items() if k != "properties"}
            rest2 = {k: v for k, v in (after or {}).items() if k != "properties"}
            if rest1 != rest2:
                out.append("extensions")
        elif before != after:
            out.append(key)
    return out


def compare(old: Specs, new: Specs, mapping: dict[str, str] | None = None) -> Comparison:
    """Where every element of ``old`` goes in ``new``, and what changed on the way."""
    mapping = dict(mapping or {})
    pairs = [(old.spec, new.spec)]
    missing = []
    for name, sub in sorted(old.subprocess_specs.items()):
        if name in new.subprocess_specs:
            pairs.append((sub, new.subprocess_specs[name]))
        else:
            missing.append(name)
    elements: dict[str, ElementDiff] = {}
    added, target_names, mi_inner, views = [], {}, set(), {}
    for old_spec, new_spec in pairs:
        diff = spec_diff(old_spec, new_spec, mapping)
        rename = _renamer(diff)
        aligned_targets = {n.name for n in diff.alignment.values() if n is not None}
        for spec in new_spec.task_specs.values():
            target_names.setdefault(spec.name, _label(spec))
            views.setdefault(spec.name, (_label(spec), getattr(spec, "lane", None),
                                         dict((getattr(spec, "extensions", None) or {}).get("properties", {}))))
            if spec.name not in aligned_targets and "." not in spec.name and spec.name not in INTERNAL:
                added.append((spec.name, _label(spec), new_spec.name))
        for spec in old_spec.task_specs.values():
            if isinstance(spec, LoopTask) and spec.task_spec:
                mi_inner.add(main_element(spec.task_spec))
            if "." in spec.name or spec.name in elements:
                continue
            target = diff.alignment.get(spec)
            elements[spec.name] = ElementDiff(
                element=spec.name, name=_label(spec), kind=type(spec).__name__, process=old_spec.name,
                target=target.name if target is not None else None,
                changes=_changes(spec, target, rename) if target is not None else [],
                mapped=_target_name(spec.name, mapping) is not None, guess=diff.guesses.get(spec.name))
    for name, missing_spec in ((m, old.subprocess_specs[m]) for m in missing):
        for spec in missing_spec.task_specs.values():
            if "." not in spec.name and spec.name not in elements:
                elements[spec.name] = ElementDiff(spec.name, _label(spec), type(spec).__name__, name, None)
    return Comparison(elements, added, missing, target_names, mi_inner, views)


# ---------------------------------------------------------------- a stored case, read without restoring it

def footprint(state: str) -> list[tuple[str, str]]:
    """(element, "open" | "started" | "completed" | "cancelled") for every task of a stored workflow that the
    case has reached, subprocesses included; predicted tasks are left out."""
    dct = json.loads(state)
    out = []
    for tasks in [dct.get("tasks") or {}, *((sp.get("tasks") or {}) for sp in (dct.get("subprocesses") or {})
                                            .values())]:
        for task in tasks.values():
            st = task.get("state", 0)
            if st & PREDICTED or not st:
                continue
            out.append((main_element(task["task_spec"]), STATE_NAMES.get(st, "completed")))
    return out


# ---------------------------------------------------------------- moving a live workflow

def migrate(instance: Instance, new: Specs, mapping: dict[str, str] | None = None) -> tuple[Instance, list]:
    """Move ``instance`` onto ``new``; returns the migrated instance (restored from its own dump on ``new``) and
    the engine steps that ran on the target right after the move.

    Open tasks keep their ids (so inboxes, claims and clocks stay attached). Tasks whose element is unchanged keep
    their data exactly; changed ones become ready anew on the target (its pre-scripts run). Multi-instance items
    stay with their instance. Raises :class:`MigrationRefused` when the result would not be a sound workflow.
    """
    mapping = dict(mapping or {})
    wf = instance.wf
    workflows = [(wf, new.spec)]
    for sp in wf.subprocesses.values():
        target = new.subprocess_specs.get(sp.spec.name)
        if target is None:
            raise MigrationRefused(f"the target version has no process {sp.spec.name}",
                                   f"新版本中没有正在运行的子流程『{sp.spec.name}』", sp.spec.name)
        workflows.append((sp, target))
    saved = {}
    diffs = []
    for sub, target in workflows:
        diff = spec_diff(sub.spec, target, mapping)
        rename = _renamer(diff)
        for task in sub.get_tasks(state=OPEN | TaskState.STARTED, skip_subprocesses=True):
            aligned = diff.alignment.get(task.task_spec)
            unchanged = aligned is not None and not _changes(task.task_spec, aligned, rename)
            mi_child = isinstance(task.parent.task_spec, LoopTask) if task.parent is not None else False
            if task.state & OPEN and mi_child and not unchanged:
                raise MigrationRefused(
                    f"multi-instance element {task.task_spec.name} is open and changed in the target",
                    f"多实例环节『{_label(task.task_spec)}』正在办理，且在新版本中已修改，不能迁移", task.task_spec.name)
            if task.state & OPEN and (unchanged or mi_child):
                saved[task.id] = (task.state, task.data, dict(task.internal_data))
        diffs.append((sub, target, WorkflowDiff(sub, diff)))
    for sub, target, wdiff in diffs:
        migrate_workflow(wdiff, sub, target)
    wf.subprocess_specs = new.subprocess_specs
    for sub, _target in workflows:
        for task_id, (state, data, internal) in saved.items():
            task = sub.tasks.get(task_id)
            if task is None:
                continue
            task.data, task.internal_data = data, internal
            if task.state != state:
                task._set_state(state)
    _check_specs(workflows)
    records = instance.run()
    try:
        moved = Instance.load(new, instance.dump(), max_depth=instance.max_depth, compact=instance.compact_trunk)
    except Exception as exc:  # noqa: BLE001 — the last guard: never store a state the target cannot load
        raise MigrationRefused(f"the migrated state does not load on the target: {exc}",
                               "迁移后的流程状态无法在新版本上恢复") from None
    return moved, records


def _drop(sub, task) -> None:
    for gone in list(task):
        sub.tasks.pop(gone.id, None)
    if task.parent is not None and task.id in task.parent._children:
        task.parent._children.remove(task.id)


def _check_specs(workflows) -> None:
    for sub, target in workflows:
        for task in list(sub.tasks.values()):
            if task.id not in sub.tasks:
                continue
            if task.state & PREDICTED and target.task_specs.get(task.task_spec.name) is not task.task_spec:
                _drop(sub, task)  # a prediction of the old route: the target predicts its own when it gets there
        for task in sub.tasks.values():
            if target.task_specs.get(task.task_spec.name) is not task.task_spec:
                raise MigrationRefused(
                    f"element {task.task_spec.name} the case has reached has no counterpart in the target",
                    f"案件已到达的环节『{_label(task.task_spec)}』在新版本中没有对应环节", task.task_spec.name)
