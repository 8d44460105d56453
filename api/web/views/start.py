"""Start a case: choose the procedure and the handling unit, fill the start form and the party."""
from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from api.db import commit, session as db
from api.web import present
from api.web.blueprint import bp
from api.web.guard import actor, login_required
from engine import bundles, cases
from engine.errors import NotFound, ValidationFailed
from engine.models import ProcessVersion
from engine.statuses import TaskState


def startable(me) -> list[dict]:
    """Latest procedure versions the actor may start, with the units where they may start them."""
    latest = select(ProcessVersion.process_key, func.max(ProcessVersion.version).label("v")).where(
        ProcessVersion.state == "deployed").group_by(ProcessVersion.process_key).subquery()
    versions = db().scalars(select(ProcessVersion).join(latest, (latest.c.process_key == ProcessVersion.process_key)
                                                        & (latest.c.v == ProcessVersion.version))
                            .order_by(ProcessVersion.process_key))
    out = []
    for version in versions:
        props = version.properties or {}
        roles = [r.strip() for r in props.get("startRoles", ",".join(cases.DEFAULT_START_ROLES)).split(",")]
        units = sorted(me.units_with(*roles))
        if units and not me.read_only:
            out.append({"key": version.process_key, "name": version.name or version.process_key,
                        "units": units, "form_key": props.get("startForm"), "version": version.version,
                        "version_row": version})
    return out


@bp.get("/start", endpoint="start")
@login_required
def start_page():
    choices = startable(actor())
    chosen = next((c for c in choices if c["key"] == request.args.get("procedure")), None)
    form = None
    if chosen and chosen["form_key"]:
        try:
            form = bundles.form_of(chosen["version_row"], chosen["form_key"])
        except NotFound:
            form = None
    return render_template("start.html", choices=choices, chosen=chosen, form=form, present=present)


@bp.post("/start", endpoint="start_case")
@login_required
def start_case():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("data", {}), dict):
        raise ValidationFailed(_("The form data could not be read."), {"": [_("expected a JSON object")]})
    party = body.get("party")
    if isinstance(party, dict) and not any((party.get(k) or "").strip() for k in ("name", "id_number")
                                           if isinstance(party.get(k), str)):
        party = None  # party left empty: a case without a party yet
    me = actor()
    case = cases.start_case(db(), me, str(body.get("procedure") or ""), str(body.get("unit") or ""),
                            body.get("data") or {}, party=party, title=(body.get("title") or "").strip() or None)
    db().flush()
    mine = [t for t in cases_open_tasks(case.id) if me.has_role(t.role, t.unit_id) and t.state == TaskState.READY]
    commit()
    flash(_("Case %(number)s started.", number=case.number))
    if mine:
        return {"redirect": url_for("web.task", task_id=mine[0].id)}
    return {"redirect": url_for("web.case", case_id=case.id)}


def cases_open_tasks(case_id: int):
    from engine.inbox import open_tasks
    return open_tasks(db(), case_id)
