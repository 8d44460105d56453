"""Intake pages: /intake (dispatcher: queue + new lead; units: received leads), /intake/leads/<id>."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from api.db import commit, session as db
from api.web import present
from api.language import pick
from api.web.guard import STATUS as HTTP_STATUS, actor, login_required
from api.web.intake import bp
from engine import blobs
from engine.errors import PayloadTooLarge, UnsupportedType, ValidationFailed
from engine.intake import catalogue, channels, escalation, files, handling, history, leads, verification
from engine.models import Case, Lead, Unit
from engine.statuses import Role

WAIT_REASONS = {"low_confidence": "Low confidence: check the matter", "place_unknown": "Place not in the gazetteer",
                "place_ambiguous": "Place lies in more than one township", "returned": "Returned by a unit",
                "no_matter": "No matter recognised", "no_catalogue": "No catalogue"}
STATUS = {"waiting": "Waiting for dispatch", "dispatched": "Being verified", "accepted": "Case opened",
          "closed": "Closed, not established"}
EVENTS = {"received": "Lead received", "routed": "Routed", "dispatched": "Dispatched", "waiting": "Waiting for dispatch",
          "returned": "Returned", "accepted": "Case opened", "closed": "Closed", "extended": "Verification extended",
          "colour_changed": "Deadline colour changed", "duplicate_linked": "Linked as duplicate",
          "escalated": "Urged or supervised", "attachment_added": "File added"}
ESCALATION_STEPS = {"reminder": "Overdue reminder", "urge": "Urging notice (催办单)",
                    "supervise": "Supervision notice (督办单)", "circular": "Circular (通报)"}
COLOURS = {"green": "Green: on time", "yellow": "Yellow: due soon (到期预警)", "red": "Red: overdue (超期警示)"}


def _dispatcher(me) -> bool:
    return bool(me.units_with(Role.DISPATCHER))


def _units():
    return list(db().scalars(select(Unit).where(Unit.kind.in_(("township", "bureau", "direct_squad", "agency")))
                             .order_by(Unit.kind.desc(), Unit.id)))


def _suggest(queue, matters) -> dict[int, str | None]:
    """The unit each waiting lead would go to with its top matter (the dispatcher may choose another)."""
    by_code = {m.code: m for m in matters}
    out = {}
    for lead in queue:
        m = by_code.get(lead.matter_code)
        unit = leads.target_unit(db(), m, lead.township_id) if m else None
        out[lead.id] = unit if unit not in (lead.returned_by or []) else None
    return out


def _ctx(**extra):
    steps = {k: _(v) for k, v in ESCALATION_STEPS.items()}
    return dict(present=present, status_names=STATUS, wait_names=WAIT_REASONS, event_names=EVENTS,
                colour_of=verification.colour, escalation_steps=steps,
                escalation_names=[steps[k] for k in ("reminder", "urge", "supervise", "circular")],
                colour_names={k: _(v) for k, v in COLOURS.items()}, **extra)


@bp.get("", endpoint="home")
@login_required
def home():
    me = actor()
    if _dispatcher(me):
        queue = handling.queue(db(), me)
        recent = db().scalars(select(Lead).where(Lead.status != leads.WAITING).order_by(Lead.id.desc()).limit(15))
        version = catalogue.current(db())
        matters = catalogue.matters(db(), version.id) if version else []
        return render_template("intake/queue.html", **_ctx(
            queue=queue, recent=list(recent), units=_units(), channels=channels.all_channels(db()),
            matters=matters, version=version, form=request.args, suggest=_suggest(queue, matters)))
    rows = handling.inbox(db(), me, status=None)
    return render_template("intake/unit.html", **_ctx(rows=rows, admin=bool(me.units_with(Role.ADMIN))))


@bp.post("/leads", endpoint="create")
@login_required
def create():
    """Register a lead with its photos: the files are received first (type by content, size per type), then
    the lead is stored, routed and the files recorded in one transaction — any refusal stores nothing."""
    me = actor()
    f = request.form
    payload = {"text": f.get("text"), "place": f.get("place"),
               "reporter": {"name": f.get("reporter_name") or None, "phone": f.get("reporter_phone") or None},
               "party": {"name": f.get("party_name")} if f.get("party_name") else None}
    parts = [p for p in request.files.getlist("photos") if p and p.filename]
    received = []
    try:
        if len(parts) > files.MAX_FILES:
            raise ValidationFailed(f"at most {files.MAX_FILES} files", {"photos": [f"at most {files.MAX_FILES}"]},
                                   zh=f"每条线索最多 {files.MAX_FILES} 个文件",
                                   errors_zh={"photos": [f"最多 {files.MAX_FILES} 个文件"]})
        db().rollback()  # no database lock while the files are written to disk
        for part in parts:
            received.append(blobs.receive(part.stream, blobs.check_filename(part.filename)))
        lead = leads.create(db(), f.get("channel") or "", payload, actor=me)
        db().flush()
        for item in received:
            files.record(db(), me.user_id, files.target_of(db(), lead), item, actor=me)
    except (ValidationFailed, UnsupportedType, PayloadTooLarge) as exc:
        db().rollback()
        detail, errors = pick(exc)
        version = catalogue.current(db())
        matters = catalogue.matters(db(), version.id) if version else []
        queue = handling.queue(db(), me)
        return render_template("intake/queue.html", **_ctx(
            queue=queue, recent=[], units=_units(), channels=channels.all_channels(db()), matters=matters,
            version=version, form=f, errors=errors or {"photos": [detail]}, detail=detail,
            suggest=_suggest(queue, matters))), next((s for cls, s in HTTP_STATUS.items() if isinstance(exc, cls)), 422)
    finally:
        for item in received:
            item.discard()
    commit()
    flash(_("Lead %(number)s registered: %(status)s.", number=lead.number, status=_(STATUS[lead.status])))
    return redirect(url_for("intake.lead", lead_id=lead.id))


@bp.get("/leads/<int(max=2147483647):lead_id>", endpoint="lead")
@login_required
def lead_page(lead_id):
    me = actor()
    lead = handling.get(db(), me, lead_id)
    matter = None
    if lead.matter_code and lead.catalogue_version_id:
        matter = next((m for m in catalogue.matters(db(), lead.catalogue_version_id) if m.code == lead.matter_code),
                      None)
    version = catalogue.current(db())
    units = handling.handling_units(db(), lead.unit_id) if lead.unit_id else []
    may = {
        "dispatch": _dispatcher(me) and lead.status == leads.WAITING,
        "decide": lead.status == leads.DISPATCHED and any(
            me.has_role(r, u) for r in handling.DECIDERS for u in units),
        "accept": lead.status == leads.DISPATCHED and any(
            me.has_role(r, u) for r in handling.STARTERS + handling.DECIDERS for u in units),
        "extend": lead.status == leads.DISPATCHED and not lead.verify_extension and any(
            me.has_role(r, u) for r in handling.HEADS for u in units),
    }
    running = lead.status == leads.DISPATCHED and lead.verify_state == "running" and not me.read_only
    may["supervise"] = running and bool(me.units_with(Role.SUPERVISOR)) and lead.unit_id in me.visible_units
    may["urge"] = may["supervise"] or (running and any(me.has_role(r, lead.unit_id) for r in handling.HEADS))
    may["upload"] = not me.read_only and lead.status in leads.OPEN and (
        _dispatcher(me) or (lead.status == leads.DISPATCHED and bool(set(units) & set(me.member_units))))
    events = history.events(db(), lead.id)
    return render_template("intake/lead.html", **_ctx(
        files=files.for_lead(db(), lead.id),
        lead=lead, matter=matter, may=may, events=events, intact=history.verify(db(), lead.id) is None,
        case=db().get(Case, lead.case_id) if lead.case_id else None, show_reporter=_dispatcher(me),
        units=_units(), matters=catalogue.matters(db(), version.id) if may["dispatch"] and version else [],
        remaining=verification.remaining_workdays(db(), lead) if lead.verify_state == "running" else None,
        duplicate=db().get(Lead, lead.duplicate_of_id) if lead.duplicate_of_id else None,
        suggested=_suggest([lead], catalogue.matters(db(), version.id))[lead.id]
        if may["dispatch"] and version else None))


def _act(lead_id, fn, message):
    try:
        fn()
    except ValidationFailed as exc:
        db().rollback()
        flash(f"{exc.detail}：{'；'.join(m for msgs in exc.errors.values() for m in msgs)}")
        return redirect(url_for("intake.lead", lead_id=lead_id))
    commit()
    flash(message)
    return redirect(url_for("intake.lead", lead_id=lead_id))


@bp.post("/leads/<int(max=2147483647):lead_id>/dispatch", endpoint="dispatch")
@login_required
def dispatch(lead_id):
    f = request.form
    return _act(lead_id, lambda: leads.dispatch(db(), actor(), lead_id, f.get("matter") or "", f.get("unit") or "",
                                                f.get("note")), _("Dispatched."))


@bp.post("/leads/<int(max=2147483647):lead_id>/accept", endpoint="accept")
@login_required
def accept(lead_id):
    f = request.form
    procedure = f.get("procedure") or ""
    party = None
    if (f.get("party_name") or "").strip() or (f.get("party_id_number") or "").strip():
        party = {"kind": f.get("party_kind") or "person", "name": (f.get("party_name") or "").strip(),
                 "id_number": (f.get("party_id_number") or "").strip().upper()}

    def run():
        lead = handling.accept(db(), actor(), lead_id, procedure, party)
        db().flush()
        return lead
    return _act(lead_id, run, _("Case opened from the lead."))


@bp.post("/leads/<int(max=2147483647):lead_id>/<any(close, return, extend):action>", endpoint="decide")
@login_required
def decide(lead_id, action):
    reason = request.form.get("reason") or ""
    fn = {"close": handling.close, "return": handling.return_lead, "extend": handling.extend}[action]
    message = {"close": _("Lead closed."), "return": _("Lead returned to the command centre."),
               "extend": _("Verification period extended by 15 working days.")}[action]
    return _act(lead_id, lambda: fn(db(), actor(), lead_id, reason), message)


@bp.get("/catalogue", endpoint="catalogue")
@login_required
def catalogue_page():
    version = catalogue.current(db())
    rows = catalogue.matters(db(), version.id) if version else []
    fields: dict[str, list] = {}
    for m in rows:
        fields.setdefault(m.field, []).append(m)
    return render_template("intake/catalogue.html", **_ctx(
        version=version, fields=fields, versions=catalogue.versions(db()),
        admin=bool(actor().units_with(Role.ADMIN))))


@bp.post("/catalogue", endpoint="catalogue_import")
@login_required
def catalogue_import():
    upload = request.files.get("file")

    def run():
        if upload is None or not upload.filename:
            raise ValidationFailed(_("Choose a CSV or XLSX file."), {"file": [_("required")]})
        rows = catalogue.parse_rows(upload.read(), upload.filename)
        catalogue.create_version(db(), actor(), rows, request.form.get("note") or upload.filename)
    try:
        run()
    except ValidationFailed as exc:
        db().rollback()
        details = "；".join(f"{k}: {'、'.join(v)}" for k, v in list(exc.errors.items())[:10])
        flash(f"{exc.detail}{'：' + details if details else ''}")
        return redirect(url_for("intake.catalogue"))
    commit()
    flash(_("New catalogue version imported."))
    return redirect(url_for("intake.catalogue"))


@bp.post("/leads/<int(max=2147483647):lead_id>/<any(urge, supervise):step>", endpoint="escalate")
@login_required
def escalate(lead_id, step):
    """A 催办单 / 督办单 on a lead being verified (from the supervision page or the lead page)."""
    f = request.form
    back_to_board = f.get("back") == "supervision"
    try:
        escalation.issue(db(), actor(), lead_id, step, f.get("reason") or None)
    except ValidationFailed as exc:
        db().rollback()
        detail, errors = pick(exc)
        flash(f"{detail}：{'；'.join(m for msgs in (errors or {}).values() for m in msgs)}")
    else:
        commit()
        flash(_("The urging notice was issued.") if step == "urge" else _("The supervision notice was issued."))
    if back_to_board:
        unit = f.get("unit") or None
        return redirect(url_for("web.supervision", unit=unit if unit in actor().visible_units else None))
    return redirect(url_for("intake.lead", lead_id=lead_id))
