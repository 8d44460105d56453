"""Drivers for the benchmark loop process: the platform's step and the bare SpiffWorkflow baseline step.

The platform step is ``engine.tasks.complete`` in one transaction (permission checks, form validation, the
case lock, the workflow, task rows, timers, the hash-chained event log). The baseline only loads the
serialized workflow from the ``cases`` row, deserializes it, completes the ready task, runs the engine
steps, serializes it and writes it back — the least any SQL-backed SpiffWorkflow platform must do.
"""
from __future__ import annotations

from sqlalchemy import select, text

from engine import bpmn, tasks
from engine.cases import start_case
from engine.db import transaction
from engine.deploy import latest, specs_for
from engine.models import Case, HumanTask
from engine.statuses import TaskState

from bench.env import LOOP, UNIT, Backend

STEP_DATA = {"done": False}


def start(backend: Backend, actor) -> tuple[int, str]:
    """Start a loop case; returns (case id, id of its open task)."""
    with transaction(backend.sessions) as session:
        case = start_case(session, actor, LOOP, UNIT, dict(STEP_DATA))
        task_id = session.scalar(select(HumanTask.id).where(HumanTask.case_id == case.id,
                                                            HumanTask.state.in_(TaskState.OPEN)))
        return case.id, task_id


def engine_step(backend: Backend, actor, task_id: str) -> str:
    """Complete the open task through the platform; returns the next task's id."""
    with transaction(backend.sessions) as session:
        nxt = tasks.complete(session, actor, task_id, dict(STEP_DATA))
        return nxt[0].id


def loop_specs(backend: Backend) -> bpmn.Specs:
    with backend.sessions() as session:
        return specs_for(latest(session, LOOP))


def raw_step(backend: Backend, specs: bpmn.Specs, case_id: int, compact: bool = True) -> None:
    """The baseline: SELECT the state, deserialize, complete, run, serialize, UPDATE — nothing else."""
    with backend.engine.begin() as conn:
        state = conn.execute(text("SELECT workflow_state FROM cases WHERE id = :id"), {"id": case_id}).scalar_one()
        instance = bpmn.Instance.load(specs, state, compact=compact)
        task = instance.ready_user_tasks()[0]
        instance.complete(task.id, dict(STEP_DATA))
        instance.run()
        conn.execute(text("UPDATE cases SET workflow_state = :state WHERE id = :id"),
                     {"state": instance.dump(), "id": case_id})


def stored_size(backend: Backend, case_id: int) -> dict:
    """Bytes of the case's workflow state and data, and its number of events."""
    with backend.engine.connect() as conn:
        state_len, data_len = conn.execute(text(
            "SELECT length(workflow_state), length(CAST(data AS TEXT)) FROM cases WHERE id = :id"),
            {"id": case_id}).one()
        events = conn.execute(text("SELECT count(*) FROM case_events WHERE case_id = :id"), {"id": case_id}).scalar()
    return {"workflow_state_bytes": state_len, "data_bytes": data_len, "events": events}


def case_row(backend: Backend, case_id: int) -> Case:
    with backend.sessions() as session:
        return session.get(Case, case_id)
