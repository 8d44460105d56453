"""Human tasks: the inboxes (mine, claimable, unit), detail with form, and claim/unclaim/assign/complete."""
from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import select

from api import present
from api.auth import current_actor, require_auth, writes
from api.db import session
from api.schemas.tasks import (AssignSchema, CompleteSchema, InboxArgs, NextTasksSchema, TaskDetailSchema,
                               TaskPageSchema, TaskSchema, UnitInboxArgs)
from engine import bundles, inbox, tasks
from engine.errors import NotFound, ValidationFailed
from engine.models import Case, HumanTask, ProcessVersion, User

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="Human tasks and inboxes")
blp.before_request(require_auth)


def _inbox(query, args) -> dict:
    f = inbox.TaskFilter(procedure=args.get("procedure"), task_name=args.get("task_name"),
                         due_before=args.get("due_before"), colour=args.get("colour"), q=args.get("q"),
                         unit=args.get("unit"))
    page = query(session(), current_actor(), f, sort=args["sort"], descending=args["order"] == "desc",
                 page=args["page"], per_page=args["per_page"])
    return present.page(page, present.tasks(session(), page.items, current_actor()))


@blp.route("/mine")
@blp.arguments(InboxArgs, location="query")
@blp.response(200, TaskPageSchema)
def mine(args):
    """Open tasks claimed by or assigned to me."""
    return _inbox(inbox.mine, args)


@blp.route("/claimable")
@blp.arguments(InboxArgs, location="query")
@blp.response(200, TaskPageSchema)
def claimable(args):
    """Unclaimed tasks needing one of my roles in one of my units."""
    return _inbox(inbox.claimable, args)


@blp.route("/unit")
@blp.arguments(UnitInboxArgs, location="query")
@blp.response(200, TaskPageSchema)
def unit(args):
    """Every open task in the units I lead (squad leaders, heads) or oversee (supervisors)."""
    return _inbox(inbox.unit_queue, args)


def _one(task_id: str) -> dict:
    return _present(tasks.get_task(session(), current_actor(), task_id))


def _present(task) -> dict:
    """A task the command just returned (its case is in the session already: no read)."""
    return present.tasks(session(), [(task, session().get(Case, task.case_id))], current_actor())[0]


def _form(key: str | None, case: Case, form_version_id: int | None = None) -> dict | None:
    """The form as the case's process version deployed it (a case keeps its forms for life; a task kept on its
    own form across a migration names its version)."""
    if not key:
        return None
    try:
        return bundles.form_of(session().get(ProcessVersion, form_version_id or case.process_version_id), key)
    except NotFound:
        return None


@blp.route("/<string:task_id>")
@blp.response(200, TaskDetailSchema)
def get(task_id):
    """A task with its form (form-js schema) and the case data the form starts from."""
    row = _one(task_id)
    case = session().get(Case, row["case_id"])
    version_id = session().scalar(select(HumanTask.form_version_id).where(HumanTask.id == task_id))
    return dict(row, form=_form(row["form_key"], case, version_id), case_data=case.data or {}, case_version=case.version)


@blp.route("/<string:task_id>/claim", methods=["POST"])
@blp.response(200, TaskSchema)
@writes
def claim(task_id):
    """Claim a ready task (needs its role in its unit). Lost a race → 409."""
    task = tasks.claim(session(), current_actor(), task_id)
    session().flush()
    return _present(task)


@blp.route("/<string:task_id>/unclaim", methods=["POST"])
@blp.response(200, TaskSchema)
@writes
def unclaim(task_id):
    """Give a claimed task back to the queue (its assignee, or the unit's squad leader)."""
    task = tasks.unclaim(session(), current_actor(), task_id)
    session().flush()
    return _present(task)


@blp.route("/<string:task_id>/assign", methods=["POST"])
@blp.arguments(AssignSchema)
@blp.response(200, TaskSchema)
@writes
def assign(body, task_id):
    """A squad leader assigns the task to an officer holding its role in its unit."""
    user = session().scalar(select(User).where(User.username == body["user"]))
    try:  # the task and the right to assign it are checked first (404/403), then the user
        tasks.assign(session(), current_actor(), task_id, user.id if user is not None else None)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.detail, {"user": [m for msgs in exc.errors.values() for m in msgs]}, zh=exc.zh,
                               errors_zh={"user": [m for msgs in (exc.errors_zh or exc.errors).values() for m in msgs]}
                               ) from None
    session().flush()
    return _one(task_id)


@blp.route("/<string:task_id>/complete", methods=["POST"])
@blp.arguments(CompleteSchema)
@blp.response(200, NextTasksSchema)
@writes
def complete(body, task_id):
    """Complete a task with its form data (validated on the server). Returns the case's next open tasks,
    each with ``may_work`` telling whether I can continue with it."""
    actor = current_actor()
    done = tasks.complete_step(session(), actor, task_id, body["data"],
                               expected_case_version=body.get("expected_case_version"))
    case = done.case  # the answer comes from what the step wrote: nothing is read again
    return {"case_id": case.id, "case_state": case.state,
            "next_tasks": present.tasks(session(), [(t, case) for t in done.next_tasks], actor)}
