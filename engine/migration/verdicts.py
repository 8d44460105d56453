"""The dry run: every running case of the source version with a verdict (safe / needs mapping / unsafe) and why.

A case is judged from what it has reached: the tasks of its stored workflow (read as JSON, never restored) and, for
the stretches the engine compacted away, the steps its event log records as done. Safe when no completed or
started element is removed or changed in a way that matters for what it already did (a corrected deadline of a
step the case has passed does not); an open step may change (it continues as the target defines it) but must
exist in the target, under its id or by the plan's mapping. Structural guesses are offered, never applied.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.bpmn import migrate as bpmn_migrate
from engine.migration import words
from engine.migration.plan import comparison
from engine.migration.words import NEEDS_MAPPING, SAFE, UNSAFE, reason
from engine.models import Case, CaseEvent, HumanTask, MigrationPlan
from engine.statuses import CaseState, EventType, TaskState

DONE_EVENTS = (EventType.TASK_COMPLETED, EventType.GATEWAY_DECIDED, EventType.DECISION_EVALUATED,
               EventType.TIMER_FIRED)
_RANK = {"cancelled": 0, "completed": 1, "started": 2, "open": 3}
_SEVERITY = {SAFE: 0, NEEDS_MAPPING: 1, UNSAFE: 2}
BATCH = 500


@dataclass
class CaseVerdict:
    case_id: int
    number: str
    title: str | None
    unit_id: str
    level: str
    reasons: list[dict] = field(default_factory=list)
    open_tasks: list[str] = field(default_factory=list)    # titles of the open tasks

    @property
    def words(self) -> tuple[str, str]:
        return words.VERDICT_WORDS[self.level]


def judge(reached: list[tuple[str, str]], done: set[str], cmp: bpmn_migrate.Comparison,
          follow_target: bool = True) -> tuple[str, list[dict]]:
    """(level, reasons) for one case: ``reached`` from :func:`engine.bpmn.migrate.footprint`, ``done`` the elements
    its log records as done."""
    states: dict[str, str] = {}
    for element, state in reached:
        if element not in states or _RANK[state] > _RANK[states[element]]:
            states[element] = state
    for element in done:
        states.setdefault(element, "completed")
    reasons: list[dict] = []
    for element, state in sorted(states.items()):
        if element in bpmn_migrate.INTERNAL:
            continue
        diff = cmp.get(element)
        if diff is None or state == "cancelled" and diff.target is not None:
            continue
        if diff.target is None:
            if diff.guess:
                reasons.append(reason("guess", NEEDS_MAPPING, element, diff.name, suggestion=diff.guess,
                                      target_name=cmp.target_names.get(diff.guess, diff.guess)))
            elif state == "open":
                reasons.append(reason("open_removed", NEEDS_MAPPING, element, diff.name))
            elif state == "started":
                reasons.append(reason("started_removed", UNSAFE, element, diff.name))
            else:
                reasons.append(reason("completed_removed", UNSAFE, element, diff.name))
            continue
        if diff.mapped and state != "cancelled":
            reasons.append(reason("mapped", SAFE, element, diff.name,
                                  target_name=cmp.target_names.get(diff.target, diff.target)))
        if not diff.changes:
            continue
        if state == "open":
            if element in cmp.mi_inner:
                reasons.append(reason("mi_changed", UNSAFE, element, diff.name, changes=diff.changes))
            else:
                reasons.append(reason("open_changed" if follow_target else "open_kept", SAFE, element, diff.name,
                                      changes=diff.changes))
            continue
        relevant = [c for c in diff.changes if not words.past_neutral(c)]
        if relevant:
            code = "started_changed" if state == "started" else "completed_changed"
            reasons.append(reason(code, UNSAFE, element, diff.name, changes=relevant))
    level = max((r["level"] for r in reasons), key=_SEVERITY.get, default=SAFE)
    reasons.sort(key=lambda r: -_SEVERITY[r["level"]])
    return level, reasons


def judge_open(open_specs: list[str], cmp: bpmn_migrate.Comparison, follow_target: bool = True
               ) -> tuple[str, list[dict]]:
    """The verdict when the plan only corrects deadlines and labels (``cmp.same_shape``): every case is safe (such
    changes cannot alter what a case did, and its workflow stays as stored); the reasons name its open steps
    that change. Read from the open task rows: no workflow or log is read."""
    reasons = []
    for element in sorted(set(open_specs)):
        diff = cmp.get(element)
        if diff is not None and diff.changes:
            reasons.append(reason("open_changed" if follow_target else "open_kept", SAFE, element, diff.name,
                                  changes=diff.changes))
    return SAFE, reasons


def done_elements(session: Session, case_ids: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {cid: set() for cid in case_ids}
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.task_spec).where(
        CaseEvent.case_id.in_(case_ids), CaseEvent.type.in_(DONE_EVENTS)).distinct())
    for case_id, spec in rows:
        if spec:
            found[case_id].add(spec)
    return found


def running_case_ids(session: Session, plan: MigrationPlan, case_ids: list[int] | None = None) -> list[int]:
    query = select(Case.id).where(Case.process_version_id == plan.from_version_id, Case.state == CaseState.RUNNING)
    if case_ids is not None:
        query = query.where(Case.id.in_(case_ids))
    return list(session.scalars(query.order_by(Case.id)))


def dry_run(session: Session, plan: MigrationPlan, case_ids: list[int] | None = None) -> list[CaseVerdict]:
    """Every running case of the plan's source version (or of ``case_ids``), judged; nothing is written."""
    cmp = comparison(session, plan)
    ids = running_case_ids(session, plan, case_ids)
    out: list[CaseVerdict] = []
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        titles: dict[int, list[str]] = {}
        specs: dict[int, list[str]] = {}
        for case_id, title, spec in session.execute(select(HumanTask.case_id, HumanTask.title, HumanTask.task_spec)
                                                    .where(HumanTask.case_id.in_(chunk),
                                                           HumanTask.state.in_(TaskState.OPEN))
                                                    .order_by(HumanTask.created_at)):
            titles.setdefault(case_id, []).append(title)
            specs.setdefault(case_id, []).append(spec)
        if cmp.same_shape:   # deadlines and labels only: no workflow and no log needs reading
            rows = session.execute(select(Case.id, Case.number, Case.title, Case.unit_id).where(Case.id.in_(chunk))
                                   .order_by(Case.id))
            for case_id, number, title, unit_id in rows:
                level, reasons = judge_open(specs.get(case_id, []), cmp, plan.follow_target)
                out.append(CaseVerdict(case_id, number, title, unit_id, level, reasons, titles.get(case_id, [])))
            continue
        done = done_elements(session, chunk)
        rows = session.execute(select(Case.id, Case.number, Case.title, Case.unit_id, Case.workflow_state)
                               .where(Case.id.in_(chunk)).order_by(Case.id))
        for case_id, number, title, unit_id, state in rows:
            level, reasons = judge(bpmn_migrate.footprint(state), done[case_id], cmp, plan.follow_target)
            out.append(CaseVerdict(case_id, number, title, unit_id, level, reasons, titles.get(case_id, [])))
    return out


def summary(verdicts: list[CaseVerdict]) -> dict[str, int]:
    counts = {level: 0 for level in words.LEVELS}
    for v in verdicts:
        counts[v.level] += 1
    return counts
