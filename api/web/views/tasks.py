"""Task page: case summary, the task's form (form-js viewer), claim / unclaim / complete."""
from __future__ import annotations

import copy

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from sqlalchemy import select

from api.db import commit, session as db
from api.web import banners, casefile, present
from api.web.blueprint import bp
from api.web.guard import actor, login_required
from engine import bundles, tasks
from engine.org import users_with_role
from engine.errors import NotFound, ValidationFailed
from engine.models import Case, CaseEvent, ProcessVersion
from engine.statuses import EventType, Role, TaskState


def _form(key: str | None, task=None, me=None, case: Case | None = None):
    """The task's form as the case's process version deployed it (a case keeps its forms for life)."""
    if not key:
        return None
    try:
        if case is None:
            case = db().get(Case, task.case_id)
        form = bundles.form_of(db().get(ProcessVersion, getattr(task, "form_version_id", None)
                                        or case.process_version_id), key)
    except NotFound:
        return None
    if task is not None and (task.rules or {}).get("twoOfficers"):
        form = _with_officer_choice(form, task, me)
    return form


def _with_officer_choice(form: dict, task, me) -> dict:
    """The co-officer is picked by name from the unit's certified officers (the value stays the username)."""
    officers = [u for u in users_with_role(db(), task.unit_id, Role.OFFICER)
                if u.certificate_no and (me is None or u.id != me.user_id)]
    values = [{"label": f"{u.display_name}（{_('certificate')} {u.certificate_no}）", "value": u.username}
              for u in officers]
    form = copy.deepcopy(form)

    def patch(components):
        for comp in components or []:
            if comp.get("key") == tasks.CO_OFFICER_FIELD:
                comp["type"] = "select"
                comp["values"] = values
                comp.get("validate", {}).pop("pattern", None)
                comp["label"] = _("Second officer")
                comp["description"] = _("Investigation needs two officers (APL Art. 42): pick another certified "
                                        "officer of the unit.")
            patch(comp.get("components"))
    patch(form.get("components"))
    return form


def assignees(task, case) -> list:
    """Holders of the task's role in its unit (minus investigators where the step forbids them)."""
    people = users_with_role(db(), task.unit_id, task.role)
    if (task.rules or {}).get("notInvestigator"):
        barred = set(case.data.get("investigators") or [])
        people = [u for u in people if u.id not in barred]
    return people


@bp.get("/tasks/<task_id>", endpoint="task")
@login_required
def task_page(task_id):
    me = actor()
    task = tasks.get_task(db(), me, task_id)
    case = db().get(Case, task.case_id)
    mine = task.state == TaskState.CLAIMED and task.assignee_id == me.user_id
    may_work = me.has_role(task.role, task.unit_id) and not me.read_only
    open_task = task.state in TaskState.OPEN
    refused = session.pop("refused", None)
    refused = refused if refused and refused.get("task") == task.id else None
    if refused:  # prefill with what was refused (from the case's log, not the cookie)
        ev = db().scalar(select(CaseEvent).where(CaseEvent.case_id == task.case_id, CaseEvent.task_id == refused["from"],
                                                 CaseEvent.type == EventType.TASK_COMPLETED))
        refused["data"] = ((ev.data or {}).get("data") or {}) if ev else {}
    may_upload = open_task and not me.read_only and me.has_role(task.role, task.unit_id) and (
        task.state == TaskState.READY or mine)
    return render_template(
        "task.html", task=task, case=case, form=_form(task.form_key, task, me, case), present=present, mine=mine,
        may_assign=open_task and me.has_role(Role.SQUAD_LEADER, task.unit_id) and not me.read_only,
        assignees=assignees(task, case),
        file=casefile.build(case), links=banners.links(case), may_upload=may_upload, refused=refused,
        form_data=dict(case.data or {}, **(refused["data"] if refused else {})),
        may_claim=open_task and may_work and task.state == TaskState.READY,
        may_unclaim=open_task and task.state == TaskState.CLAIMED and (
            mine or me.has_role(Role.SQUAD_LEADER, task.unit_id)),
        editable=open_task and mine, colour=present.colour(task))


@bp.post("/tasks/<task_id>/claim", endpoint="claim")
@login_required
def claim(task_id):
    tasks.claim(db(), actor(), task_id)
    commit()
    flash(_("Task claimed. Fill in the form and complete it."))
    return redirect(url_for("web.task", task_id=task_id))


@bp.post("/tasks/<task_id>/unclaim", endpoint="unclaim")
@login_required
def unclaim(task_id):
    tasks.unclaim(db(), actor(), task_id)
    commit()
    flash(_("Task released to the unit's queue."))
    return redirect(url_for("web.inbox", tab="claimable"))


# A legal rule sends a step back (e.g. a fine above the notified one, APL Art. 62): the message goes to this field.
WARNING_FIELDS = {"decision_warning": "decided_fine", "payment_warning": "payment_method"}


def _refused(me, task, again, submitted: dict):
    """The step was refused by a legal rule: the repeated step stays the officer's, the reason shows at the field
    (the refused attempt stays in the case's history)."""
    case = db().get(Case, task.case_id)
    tasks.claim(db(), me, again.id)
    commit()
    errors = {}
    for key, field in WARNING_FIELDS.items():
        if (case.data or {}).get(key):
            errors.setdefault(field if field in submitted else "", []).append(case.data[key])
    session["refused"] = {"task": again.id, "errors": errors or {"": [_("A legal rule refused this step.")]},
                          "from": task.id}
    return {"redirect": url_for("web.task", task_id=again.id)}


@bp.post("/tasks/<task_id>/assign", endpoint="assign")
@login_required
def assign(task_id):
    """A squad leader gives the task to an officer picked by name (form post from the inbox or task page)."""
    raw = request.form.get("assignee", "")
    if not raw.isdigit():
        raise ValidationFailed("choose a person", {"assignee": ["choose a person"]},
                               zh="请选择承办人", errors_zh={"assignee": ["请选择承办人"]})
    task = tasks.assign(db(), actor(), task_id, int(raw))
    commit()
    flash(_("Assigned to %(name)s.", name=present.user_name(task.assignee_id)))
    back = request.form.get("next") or ""
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("web.task", task_id=task_id))


@bp.post("/tasks/<task_id>/complete", endpoint="complete")
@login_required
def complete(task_id):
    """JSON in (the form-js data), JSON out: where to go next, or the errors per field (422)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise ValidationFailed(_("The form data could not be read."), {"": [_("expected a JSON object")]})
    me = actor()
    nxt = tasks.complete(db(), me, task_id, body["data"], expected_case_version=body.get("case_version"))
    task = tasks.get_task(db(), me, task_id)
    again = next((t for t in nxt if t.task_spec == task.task_spec and me.has_role(t.role, t.unit_id)), None)
    if again is not None:
        return _refused(me, task, again, body["data"])
    commit()
    mine = [t for t in nxt if (t.state == TaskState.CLAIMED and t.assignee_id == me.user_id)
            or (t.state == TaskState.READY and me.has_role(t.role, t.unit_id))]
    if mine:
        flash(_("Completed. This is the next step of the case."))
        return {"redirect": url_for("web.task", task_id=mine[0].id)}
    flash(_("Completed. The case has moved on."))
    return {"redirect": url_for("web.inbox"), "case": url_for("web.case", case_id=task.case_id)}
