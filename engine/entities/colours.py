"""三色赋码: an entity's colour from its record, by the designers' DMN table, in the same transaction.

``after_step`` is the one hook the runtime calls (engine/runtime.py ``save``): when a case ends, or when a
task listed in ``SupervisionSettings.result_tasks`` (an inspection result) was completed, the colours of the
case's parties are recomputed. The rule inputs come from the entity's cases (penalties, suspected violations,
uncorrected defects), its complaints and its profile (major hazard, credit); the colour sets the next
on-site inspection date (interval by colour, configuration).
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, noload

from engine import bpmn, clock, deploy
from engine.deadlines.calendar import local_date
from engine.entities import complaints as complaints_of
from engine.entities.config import settings
from engine.models import (Case, CaseEvent, CaseParty, CaseReview, ColourChange, EntityProfile, HumanTask, Party,
                           ProcessVersion, Unit)
from engine.statuses import CaseState, EventType

log = logging.getLogger(__name__)

# A penalty revoked (撤销), confirmed unlawful (确认违法) or void (确认无效) in 复议/诉讼 no longer counts.
REVERSED = ("reversed", "confirmed_illegal", "void")

def _months_back(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(y, m + 1, min(day.day, 28))


def _day(value, fallback: datetime | None) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    return local_date(fallback) if fallback is not None else None


def party_cases(session: Session, party_id: int) -> list[Case]:
    return list(session.scalars(select(Case).join(CaseParty, CaseParty.case_id == Case.id)
                                .where(CaseParty.party_id == party_id).order_by(Case.opened_at)
                                .options(noload(Case.parties))))


def penalty_of(case: Case) -> str | None:
    """'ordinary' / 'simple' when the closed case imposed a penalty, else None."""
    if case.state != CaseState.COMPLETED:
        return None
    data = case.data or {}
    if case.process_key == "simple_procedure":
        return "simple" if data.get("simple_outcome") == "closed" else None
    return "ordinary" if data.get("decision_outcome") == "penalise" else None  # 决定 is an ordinary-procedure step


def rule_inputs(session: Session, profile: EntityProfile, today: date, cases: list[Case] | None = None) -> dict:
    cfg = settings()
    cases = party_cases(session, profile.party_id) if cases is None else cases
    since = _months_back(today, cfg.penalty_months)
    penalised = [c.id for c in cases if penalty_of(c)]
    reversed_ids = set_aside(session, penalised)
    children = {c.parent_case_id for c in cases if c.parent_case_id}
    penalties = ordinary = suspected = uncorrected = 0
    pending: list[int] = []
    for case in cases:
        data = case.data or {}
        if case.process_key == cfg.inspection_process:
            if _day(data.get("visit_date"), case.opened_at) < since:
                continue
            uncorrected += len(data.get("uncorrected") or [])
            if case.id not in children:  # violations found, their cases not opened yet
                pending.append(case.id)
            continue
        if case.state == CaseState.RUNNING:
            suspected += 1 if case.parent_case_id or data.get("filed_on") else 0
            continue
        kind = penalty_of(case)
        if kind and case.id not in reversed_ids and _day(data.get("decided_on"), case.closed_at) >= since:
            penalties += 1
            ordinary += kind == "ordinary"
    suspected += _violations_recorded(session, pending)
    complaint_since = _months_back(today, cfg.complaint_months)
    complaints = complaints_of.count(session, profile.party, complaint_since)
    return {"penalties_24m": penalties, "ordinary_penalties_24m": ordinary, "suspected_violations": suspected,
            "uncorrected": uncorrected, "complaints_12m": complaints, "major_hazard": bool(profile.major_hazard),
            "credit": profile.credit or "normal"}


def set_aside(session: Session, case_ids: list[int]) -> set[int]:
    """The cases whose penalty was set aside in 复议/诉讼: the latest outcome recorded (by its date; an appeal
    decides over the first instance) revoked it, confirmed it unlawful or void."""
    if not case_ids:
        return set()
    latest: dict[int, str] = {}
    for case_id, result in session.execute(select(CaseReview.case_id, CaseReview.result)
                                           .where(CaseReview.case_id.in_(case_ids))
                                           .order_by(CaseReview.decided_on, CaseReview.id)):
        latest[case_id] = result
    return {case_id for case_id, result in latest.items() if result in REVERSED}


def _violations_recorded(session: Session, case_ids: list[int]) -> int:
    """Violations recorded at inspection steps (task_completed events): an agency's finding counts as soon as
    it is recorded, before the other agencies finish and the per-violation cases are opened."""
    if not case_ids:
        return 0
    specs = settings().result_tasks.get(settings().inspection_process, ())[:1]
    rows = session.scalars(select(CaseEvent.data).where(
        CaseEvent.case_id.in_(case_ids), CaseEvent.type == EventType.TASK_COMPLETED, CaseEvent.task_spec.in_(specs)))
    total = 0
    for row in rows:
        submitted = (row or {}).get("data") or {}
        if submitted.get("result") == "violation":
            total += len(submitted.get("violations") or [])
    return total


_SPECS: dict[int, bpmn.Specs] = {}


def _colour_specs(session: Session) -> bpmn.Specs:
    """The latest deployed colour table: one small query for its id; the parsed spec is kept per version."""
    key = settings().colour_process
    version_id = session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == key)
                                .order_by(ProcessVersion.version.desc()).limit(1))
    if version_id is None:
        return deploy.specs_for(deploy.latest(session, key))  # raises NotFound
    if version_id not in _SPECS:
        _SPECS[version_id] = deploy.specs_for(session.get(ProcessVersion, version_id))
    return _SPECS[version_id]


def colour_table_deployed(session: Session) -> bool:
    key = settings().colour_process
    return session.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == key).limit(1)) is not None


def evaluate(session: Session, inputs: dict) -> tuple[str, str]:
    """Run the deployed colour table (latest version) on ``inputs`` → (colour, reason)."""
    instance = bpmn.Instance.start(_colour_specs(session), inputs)
    instance.run()
    data = instance.data
    colour = data.get("colour")
    if colour not in ("green", "yellow", "red"):
        from engine.errors import WorkflowFailed
        raise WorkflowFailed(f"the colour table gave {colour!r}; expected green, yellow or red",
                             zh=f"三色赋码决策表给出的颜色 {colour!r} 无效，应为绿、黄或红")
    return colour, str(data.get("colour_reason") or "")


def last_inspected(cases: list[Case]) -> date | None:
    key = settings().inspection_process
    days = [_day((c.data or {}).get("visit_date"), c.opened_at) for c in cases if c.process_key == key]
    return max(days) if days else None


def next_inspection(colour: str, last: date | None, today: date) -> date:
    if last is None:
        return today
    return last + timedelta(days=settings().intervals[colour])


def ensure_profile(session: Session, party: Party, township_id: str | None = None) -> EntityProfile:
    profile = session.get(EntityProfile, party.id)
    if profile is None:
        now = clock.now()
        profile = EntityProfile(party_id=party.id, township_id=township_id, licences=[], risk_level="medium",
                                credit="good", major_hazard=False, colour="green", created_at=now, updated_at=now)
        session.add(profile)
        session.flush()
    return profile


def recompute(session: Session, profile: EntityProfile, trigger: str, case_id: int | None = None,
              actor_id: int | None = None, force: bool = False, cause: str | None = None) -> ColourChange | None:
    """Recompute one entity's colour and next inspection date; record a change (colour or reason) with why:
    the rule's reason, and ``cause`` — what happened, in words (e.g. a penalty left the look-back window)."""
    with session.no_autoflush:
        return _recompute(session, profile, trigger, case_id, actor_id, force, cause)


def _recompute(session: Session, profile: EntityProfile, trigger: str, case_id: int | None, actor_id: int | None,
               force: bool, cause: str | None = None) -> ColourChange | None:
    now = clock.now()
    today = local_date(now)
    cases = party_cases(session, profile.party_id)
    inputs = rule_inputs(session, profile, today, cases)
    colour, reason = evaluate(session, inputs)
    last = last_inspected(cases)
    profile.last_inspected_on = last
    profile.next_inspection_on = next_inspection(colour, last, today)
    profile.updated_at = now
    if not force and colour == profile.colour and reason == profile.colour_reason and profile.colour_at is not None:
        return None
    change = ColourChange(party_id=profile.party_id, colour=colour, previous=profile.colour if profile.colour_at
                          else None, reason=reason, trigger=trigger, case_id=case_id, inputs=inputs,
                          next_inspection_on=profile.next_inspection_on, decided_at=now, decided_by=actor_id,
                          cause=cause(inputs) if callable(cause) else cause)
    profile.colour, profile.colour_reason, profile.colour_at = colour, reason, now
    session.add(change)
    return change


def after_step(session: Session, case: Case, completed_task_id: str | None, ended: bool) -> None:
    """The runtime's hook: recompute the parties' colours on case end and on every inspection result."""
    trigger = "case_closed" if ended else None
    if trigger is None and completed_task_id is not None:
        specs = settings().result_tasks.get(case.process_key)
        if specs:
            task = session.get(HumanTask, completed_task_id)
            if task is not None and task.task_spec in specs:
                trigger = "inspection"
    if trigger is None or not case.parties:  # the trigger first: reading the parties is a query
        return
    if not colour_table_deployed(session):
        # No colour table in service (a bureau that has not deployed entity_colour): the step itself must not fail.
        log.warning("三色赋码 skipped for case %s: no %s table deployed", case.id, settings().colour_process)
        return
    if ended and case.process_key == settings().inspection_process:
        trigger = "inspection"
    township = case.unit_id if session.get(Unit, case.unit_id).kind == "township" else None
    for link in case.parties:
        profile = ensure_profile(session, link.party, township)
        if profile.merged_into_id is None:
            recompute(session, profile, trigger, case.id)
