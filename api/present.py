"""Turn engine rows into the dictionaries the response schemas describe."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.deadlines.supervision import for_tasks
from engine.models import Case, HumanTask, User
from engine.org import Actor


def usernames(session: Session, ids) -> dict[int, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(sorted(wanted)))).all())


def task(t: HumanTask, case: Case, actor: Actor, names: dict[int, str], clock: dict | None = None) -> dict:
    return {
        "id": t.id, "case_id": t.case_id, "case_number": case.number, "case_title": case.title,
        "process_key": t.process_key, "task_spec": t.task_spec, "title": t.title, "role": t.role,
        "unit_id": t.unit_id, "form_key": t.form_key, "state": t.state, "assignee": names.get(t.assignee_id),
        "context": t.context or {}, "due_at": t.due_at, "created_at": t.created_at, "claimed_at": t.claimed_at,
        "completed_at": t.completed_at, "may_work": actor.has_role(t.role, t.unit_id) and not actor.read_only,
        "clock": clock,
    }


def tasks(session: Session, pairs, actor: Actor) -> list[dict]:
    """``pairs`` = [(task, case)] → task dicts (assignee usernames fetched in one query)."""
    names = usernames(session, (t.assignee_id for t, _ in pairs))
    clocks = for_tasks(session, [t.id for t, _ in pairs if t.due_at is not None])  # a task's clock sets due_at
    return [task(t, c, actor, names, clocks.get(t.id)) for t, c in pairs]


def page(p, items: list) -> dict:
    return {"items": items, "total": p.total, "page": p.page, "per_page": p.per_page,
            "total_capped": getattr(p, "capped", False)}
