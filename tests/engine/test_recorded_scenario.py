"""One whole case compared with a recorded expectation: speed work must not change what the engine records.

An ordinary-procedure case (legal review, hearing, deliberation, a decision refused and taken again, service,
execution, closure) runs at frozen dates with claims, deadline sweeps that turn clocks yellow and red, and
the escalations that follow. Its event log (type, step, actor, time, data), clocks, tasks and notifications
are compared with ``data/recorded_scenario.json`` — ids are replaced by stable names so the same file holds
on SQLite and PostgreSQL. When a change *means* to alter what is recorded, re-record with
``ZHIFA_RECORD_SCENARIO=1`` and review the diff of the JSON file like any other change.
"""
from __future__ import annotations

import json
import os
import re
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import select

from engine import clock, events, tasks
from engine.db import transaction
from engine.deadlines import config as dl_config
from engine.deadlines import sweeps
from engine.models import Clock, HumanTask, Notification, OutboxMessage, User
from tests.engine.helpers import complete, only_task
from tests.processes import PERSON, CaseRun
from tests.processes.test_ordinary import (CLOSURE_REPORT, DELIBERATION, HEARING, INTAKE, NOTICE, PROPOSAL, SERVICE,
                                           STATEMENT, approval, closure, decision, execution, investigation, report,
                                           review)

EXPECTED = Path(__file__).parent / "data" / "recorded_scenario.json"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _on(month: int, day: int, hour: int = 10) -> None:
    """Beijing wall-clock time ``hour``:00 on that day of 2026."""
    clock.freeze(datetime(2026, month, day, hour - 8, 0, tzinfo=timezone.utc))


class Names:
    """Stable names for database ids: tasks by step and order, clocks by spec, users by username."""

    def __init__(self, session, case_id: int):
        self.users = dict(session.execute(select(User.id, User.username)).all())
        ready = [e for e in events.history(session, case_id) if e.type == "task_ready"]  # order of creation
        self.tasks = {e.task_id: f"{e.task_spec}#{n}" for n, e in enumerate(ready)}
        self.clocks = {c.id: f"{c.spec}@{c.started_on}" for c in session.scalars(
            select(Clock).where(Clock.case_id == case_id).order_by(Clock.id))}

    def user(self, uid):
        return self.users.get(uid, uid) if uid is not None else None

    def value(self, value, key: str | None = None):
        if isinstance(value, dict):
            return {k: self.value(v, k) for k, v in sorted(value.items())}
        if isinstance(value, list):
            return [self.value(v, key) for v in value]
        if isinstance(value, str):
            return _UUID.sub(lambda m: self.tasks.get(m.group(), "task?"), value)
        if isinstance(value, int) and not isinstance(value, bool):
            if key == "clock" or key == "clock_id":
                return self.clocks.get(value, "clock?")
            if key in ("assignee", "previous_assignee", "by", "user", "user_id", "actor_id") or key == "investigators":
                return self.user(value)
            if key in ("case_id", "party_id", "id"):
                return key  # sequences differ between backends (and between test runs on PostgreSQL)
        return value


def _at(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)


def snapshot(sessions, case_id: int) -> dict:
    with sessions() as session:
        assert events.verify(session, case_id) is None
        names = Names(session, case_id)
        log = [{"type": e.type, "step": e.task_spec, "task": names.value(e.task_id), "actor": names.user(e.actor_id),
                "at": _at(e.at), "data": names.value(e.data)} for e in events.history(session, case_id)]
        clocks = [{"clock": names.clocks[c.id], "kind": c.kind, "label": c.label, "unit": c.unit_id, "role": c.role,
                   "task": names.value(c.task_id), "limit": f"{c.limit_days}{c.unit}", "due_on": _at(c.due_on),
                   "yellow_on": _at(c.yellow_on), "state": c.state, "colour": c.colour,
                   "colour_changes": c.colour_changes, "escalation_level": c.escalation_level,
                   "pauses": names.value(c.pauses)}
                  for c in session.scalars(select(Clock).where(Clock.case_id == case_id).order_by(Clock.id))]
        task_rows = [{"task": names.tasks[t.id], "state": t.state, "role": t.role, "unit": t.unit_id,
                      "form": t.form_key, "assignee": names.user(t.assignee_id), "by": names.user(t.completed_by),
                      "due_at": _at(t.due_at), "context": names.value(t.context), "rules": t.rules}
                     for t in sorted(session.scalars(select(HumanTask).where(HumanTask.case_id == case_id)),
                                     key=lambda t: int(names.tasks[t.id].rsplit("#", 1)[1]))]
        notes = sorted(({"user": names.user(n.user_id), "kind": n.kind, "title": n.title, "body": n.body,
                         "clock": names.clocks.get(n.clock_id), "data": names.value(n.data),
                         "dedupe": re.sub(r"\d+", "#", n.dedupe_key), "at": _at(n.created_at)}
                        for n in session.scalars(select(Notification).where(Notification.case_id == case_id))),
                       key=lambda n: (n["at"], n["kind"], n["user"], n["dedupe"]))
        outbox = session.query(OutboxMessage).count()
    return {"events": log, "clocks": clocks, "tasks": task_rows, "notifications": notes, "outbox": outbox}


def _sweep(sessions, times: int = 2) -> None:
    for _ in range(times):  # a second sweep finds nothing more to do
        sweeps.run_all(sessions)


def _claim(sessions, actor, case_id, spec, username) -> None:
    with transaction(sessions) as session:
        tasks.claim(session, actor(username), only_task(sessions, case_id, spec).id)


def run_scenario(sessions, actor) -> int:
    _on(3, 2)
    run = CaseRun(sessions, actor, "ordinary_procedure", "chengnan", "cn_officer1", INTAKE, party=PERSON)
    _claim(sessions, actor, run.case_id, "Task_FilingProposal", "cn_officer1")
    _sweep(sessions)
    _on(3, 4)
    run.do("Task_FilingProposal", "cn_officer1", PROPOSAL)
    run.do("Task_FilingApproval", "cn_leader", approval())
    _on(3, 5)
    run.do("Task_Investigation", "cn_officer1", investigation("cn_officer2"))
    _claim(sessions, actor, run.case_id, "Task_InvestigationReport", "cn_officer2")
    _on(3, 30)   # the report waits: its clock turns yellow, then red (sweeps notify and escalate)
    _sweep(sessions)
    _on(4, 20)
    _sweep(sessions)
    _on(4, 21, 9)
    _sweep(sessions)
    run.do("Task_InvestigationReport", "cn_officer2", report(fine=8000))
    run.do("Task_LegalReview", "legal1", review("correct", corrected=6000))
    _on(4, 22)
    run.do("Task_Notice", "cn_officer1", dict(NOTICE, notice_served_on="2026-04-22"))
    _on(4, 24)   # statement and hearing-request periods: yellow (officer, squad leader) ...
    _sweep(sessions)
    _on(4, 30)   # ... red (deputy, 督办员) ...
    _sweep(sessions)
    _on(5, 7)    # ... reminder ...
    _sweep(sessions)
    _on(5, 11)   # ... 催办单
    _sweep(sessions)
    run.do("Task_HearingRequest", "cn_officer1", {"hearing_requested": True, "request_received_on": "2026-04-24"})
    run.do("Task_Statement", "cn_officer1", dict(STATEMENT, statement_closed_on="2026-05-11"))
    _on(5, 12)
    run.do("Task_Hearing", "hearing1", dict(HEARING, hearing_notice_on="2026-04-24", hearing_held_on="2026-05-12"))
    run.do("Task_HearingReview", "legal2", dict(review(), reviewed_on="2026-05-12"))
    run.do("Task_Deliberation", "cn_head", dict(DELIBERATION, deliberated_on="2026-05-12"))
    run.do("Task_Decision", "cn_head", dict(decision(fine=7000), decided_on="2026-05-12"))  # heavier: refused
    run.do("Task_Decision", "cn_head", dict(decision(fine=6000), decided_on="2026-05-12"))
    _on(5, 13)
    run.do("Task_Service", "cn_officer1", dict(SERVICE, served_on="2026-05-13"))
    _on(6, 10)
    _sweep(sessions)
    run.do("Task_Execution", "cn_officer1", execution("paid", "2026-05-25", paid=6000))
    run.do("Task_ClosureReport", "cn_officer1", dict(CLOSURE_REPORT, reported_on="2026-06-10"))
    run.do("Task_ClosureApproval", "cn_head", dict(closure(), closure_approved_on="2026-06-10"))
    _sweep(sessions)
    return run.case_id


def test_a_whole_case_records_what_it_recorded_before(sessions, actor, deployed):
    dl_config.configure(dl_config.DeadlineSettings())
    try:
        got = snapshot(sessions, run_scenario(sessions, actor))
    finally:
        dl_config.configure(None)
    if os.environ.get("ZHIFA_RECORD_SCENARIO"):
        EXPECTED.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert got["notifications"], "the scenario is meant to notify (yellow, red, escalation)"
    for part in ("events", "clocks", "tasks", "notifications", "outbox"):
        exp, have = expected[part], got[part]
        if part == "outbox":
            assert have == exp
            continue
        for i, (e, h) in enumerate(zip(exp, have)):
            assert h == e, f"{part}[{i}] differs"
        assert len(have) == len(exp), f"{part}: {len(have)} recorded, {len(exp)} expected"
