"""History on the diagram (/cases/<id>/history) and the case-file downloads (/cases/<id>/export.pdf|zip).

Every view and download is recorded in the access log.
"""
from __future__ import annotations

from flask import Response, abort, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from api.audit import exports
from api.db import session as db
from api.web import present
from api.web.blueprint import bp
from api.web.guard import actor, login_required
from api.web.i18n import current_language
from api.web.views.audit import AUDIT_LINKS
from engine import accesslog, cases, decisionwords, events, history, integrity, labels
from engine.archive import words as zh
from engine.archive.record import element_names
from engine.models import HumanTask, ProcessVersion
from engine.replay import replay

EVENT_LABELS = {
    "case_started": _l("Case started"), "task_ready": _l("Task ready"), "task_claimed": _l("Task claimed"),
    "task_unclaimed": _l("Task released"), "task_assigned": _l("Task assigned"), "task_completed": _l("Task completed"),
    "task_cancelled": _l("Task cancelled"), "gateway_decided": _l("Route decided"),
    "decision_evaluated": _l("Decision table evaluated"), "timer_fired": _l("Timer fired"),
    "case_ended": _l("Case closed"),
}
MORE_EVENTS = {
    "clock_started": _l("Deadline started"), "clock_paused": _l("Deadline paused"),
    "clock_resumed": _l("Deadline resumed"), "clock_extended": _l("Deadline extended"),
    "clock_colour_changed": _l("Deadline warning changed"), "clock_stopped": _l("Deadline ended"),
    "clock_escalated": _l("Urged / supervised"), "attachment_added": _l("File added"),
    "document_issued": _l("Document issued"), "case_migrated": _l("Moved to another procedure version"),
    "case_migration_reverted": _l("Move to another version reverted"), "clock_corrected": _l("Deadline corrected"),
}


def _role(role: str | None) -> str:
    if not role:
        return ""
    return zh.ROLES.get(role, role) if current_language() != "en" else role.replace("_", " ")


def called_versions(version: ProcessVersion) -> list[ProcessVersion]:
    """The versions of the procedures this version calls, as deployed when it was (latest not after it)."""
    import json
    keys = sorted((json.loads(version.spec_json).get("subprocess_specs") or {}).keys())
    found = []
    for key in keys:
        row = db().scalar(select(ProcessVersion).where(
            ProcessVersion.process_key == key, ProcessVersion.deployed_at <= version.deployed_at)
            .order_by(ProcessVersion.version.desc()).limit(1)) or db().scalar(
            select(ProcessVersion).where(ProcessVersion.process_key == key).order_by(ProcessVersion.version).limit(1))
        if row is not None:
            found.append(row)
    return found


def decision_text(step, names, found: labels.Labels) -> str:
    """The result, the rule that matched (with the table's labels) and the input values, one per line."""
    lang = "en" if current_language() == "en" else "zh"
    value = lambda key, v: found.value(key, v) if key else None  # noqa: E731 — option labels of the forms
    recorded = step.data if "rules" in step.data else {**(step.derived or {}), "result": step.data.get("result")}
    said = decisionwords.describe(recorded, lang, value, found.label)
    lines = [_("Decision table %(name)s: %(result)s", name=names.get(step.spec, step.spec), result=said.result)]
    lines += said.rules
    if said.inputs:
        lines.append(_("Inputs: %(inputs)s", inputs=said.inputs))
    if step.derived and "rules" not in step.data:
        lines.append(_("(rule and inputs found by replaying the event log; this step was recorded before they were "
                       "kept)"))
    return "\n".join(lines)


def _words(step, names, tasks, found: labels.Labels) -> dict:
    task = tasks.get(step.task_id)
    label = EVENT_LABELS.get(step.type) or MORE_EVENTS.get(step.type) or step.type
    element = (task.title if task else None) or names.get(step.spec or "", "")
    decision = ""
    if step.type == "gateway_decided":
        targets = [names.get(t, t) for t in step.data.get("taken") or [] if isinstance(t, str)]
        decision = _("%(gateway)s: took the way to %(targets)s", gateway=names.get(step.spec, step.spec),
                     targets="、".join(targets))
    elif step.type == "decision_evaluated":
        decision = decision_text(step, names, found)
    elif step.type in ("case_migrated", "case_migration_reverted"):  # engine/migration: the switch of version
        decision = _("Version %(old)s → version %(new)s", old=step.data.get("from_version"),
                     new=step.data.get("to_version")) + (f"：{step.data['reason']}" if step.data.get("reason") else "")
    elif step.type == "clock_colour_changed":
        decision = f"{step.data.get('label', '')} {step.data.get('from', '')} → {step.data.get('to', '')}"
    item = (task.context or {}).get("item") if task else None
    return {
        "seq": step.seq, "label": str(label), "element": element, "item": item,
        "who": present.user_name(step.actor_id) if step.actor_id else _("System"),
        "role": _role(task.role) if task and step.actor_id else "",
        "unit": present.unit_name(task.unit_id) if task else "",
        "when": step.at, "decision": decision,
        "final": step.ended, "completed": step.completed, "active": step.active, "visits": step.visits, "taken": step.taken,
        "changes": [{"label": found.label(k), "before": found.value(k, b), "after": found.value(k, a)}
                    for k, b, a in step.changes],
        "open": [{"title": (tasks[t.task_id].title if t.task_id in tasks else names.get(t.spec, t.spec)),
                  "unit": present.unit_name(tasks[t.task_id].unit_id) if t.task_id in tasks else "",
                  "who": present.user_name(tasks[t.task_id].assignee_id)
                  if t.task_id in tasks and tasks[t.task_id].assignee_id else "",
                  "item": t.item} for t in step.open_tasks],
    }


@bp.get("/cases/<int:case_id>/history", endpoint="case_history")
@login_required
def history_page(case_id):
    me = actor()
    case = cases.get_case(db(), me, case_id)
    version = db().get(ProcessVersion, case.process_version_id)
    log = events.history(db(), case.id)
    result = replay(db(), case, history=log, altered=integrity.chain_check(log)[0])
    found = labels.for_version(version)
    names = element_names(version.spec_json)
    tasks = {t.id: t for t in db().scalars(select(HumanTask).where(HumanTask.case_id == case.id))}
    rows = [_words(s, names, tasks, found) for s in history.steps(log, result.steps)]
    for row in rows:
        row["when"] = row["when"].isoformat() if row["when"] else ""
    diagrams = [{"key": version.process_key, "name": version.name,
                 "src": f"/cases/{case.id}/diagram.bpmn"}] + [
        {"key": v.process_key, "name": v.name, "src": f"/cases/{case.id}/diagram/{v.id}.bpmn"}
        for v in called_versions(version)]
    accesslog.record(db(), me, "history", case)
    db().commit()
    return render_template("history.html", case=case, version=version, steps=rows, diagrams=diagrams,
                           present=present, lane_names={r: _role(r) for r in zh.ROLES}, replay_ok=result.matches, replay_detail=result.detail)


@bp.get("/cases/<int:case_id>/diagram/<int:version_id>.bpmn", endpoint="called_diagram")
@login_required
def called_diagram(case_id, version_id):
    case = cases.get_case(db(), actor(), case_id)
    version = db().get(ProcessVersion, case.process_version_id)
    if version_id not in {v.id for v in called_versions(version)}:
        abort(404)
    return Response(db().get(ProcessVersion, version_id).bpmn_xml, mimetype="application/xml")


def export(case_id, kind):
    me = actor()
    case = cases.get_case(db(), me, case_id)
    response = exports.case_file(db(), me, case, kind, present.user_name(me.user_id))
    db().commit()
    return response


AUDIT_LINKS.extend([("web.case_history", _l("History on the diagram")),
                    ("web.case_export_pdf", _l("Case file (PDF)")), ("web.case_export_zip", _l("Case file (ZIP)"))])


@bp.get("/cases/<int:case_id>/export.pdf", endpoint="case_export_pdf")
@login_required
def export_pdf(case_id):
    return export(case_id, "pdf")


@bp.get("/cases/<int:case_id>/export.zip", endpoint="case_export_zip")
@login_required
def export_zip(case_id):
    return export(case_id, "zip")


ACTION_LABELS = {"history": _l("Viewed the history"), "export_pdf": _l("Exported the case file (PDF)"),
                 "export_zip": _l("Exported the case file (ZIP)"), "replay": _l("Replayed (API)")}


@bp.get("/audit/access-log", endpoint="access_log")
@login_required
def access_log_page():
    from flask import request
    me = actor()
    page_no = min(max(1, request.args.get("page", 1, type=int) or 1), 100000)
    page = accesslog.read(db(), me, page_no, 50)
    pages = max(1, -(-page.total // 50))
    return render_template("access_log.html", page=page, pages=pages, present=present, labels=ACTION_LABELS)
