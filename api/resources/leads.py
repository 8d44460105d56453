"""Leads (线索) for staff: the dispatcher registers, imports and dispatches; receiving units accept, close,
return (退单) and extend the 核查 period; every lead's hash-chained history."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from api import present
from api.auth import current_actor, require_auth, writes
from api.db import session
from api.resources.attachments import UPLOAD_DOC, _upload
from api.schemas.attachments import AttachmentSchema
from api.schemas.deadlines import IssueArgs
from api.schemas.intake import (AcceptArgs, CandidateSchema, DispatchArgs, DispatcherLeadInSchema,
                                ImportResultSchema, LeadEventSchema, LeadIssuedSchema, LeadListArgs, LeadSchema,
                                ReasonArgs, RouteArgs, VerifyLeadSchema)
from engine.errors import Forbidden, ValidationFailed
from engine.intake import catalogue, escalation, files, handling, history, imports, leads, verification
from engine.models import Case
from engine.statuses import Role

blp = Blueprint("leads", __name__, url_prefix="/api/v1/leads", description="Leads: intake, dispatch, verification")
blp.before_request(require_auth)
ID = "<int(max=2147483647):lead_id>"


def lead_view(lead, with_reporter: bool) -> dict:
    db = session()
    matter = None
    if lead.matter_code and lead.catalogue_version_id:
        try:
            m = catalogue.matter(db, lead.catalogue_version_id, lead.matter_code)
            matter = {"code": m.code, "name": m.name, "field": m.field, "legal_basis": m.legal_basis,
                      "delegated": m.delegated, "procedure": m.procedure}
        except Exception:  # noqa: BLE001 — a matter missing from its version is shown as unknown
            matter = {"code": lead.matter_code}
    case_number = db.get(Case, lead.case_id).number if lead.case_id else None
    clock = None
    if lead.verify_started_on:
        clock = {"label": verification.LABEL, "started_on": lead.verify_started_on.isoformat(),
                 "due_on": lead.verify_due_on.isoformat(), "state": lead.verify_state,
                 "extension_days": lead.verify_extension, "colour": verification.colour(lead),
                 "remaining_workdays": verification.remaining_workdays(db, lead)
                 if lead.verify_state == "running" else None,
                 "escalation": escalation.STEPS[lead.escalation_level - 1] if lead.escalation_level else None}
    return {"id": lead.id, "number": lead.number, "status": lead.status, "received_at": lead.received_at,
            "external_ref": lead.external_ref, "case_number": case_number, "channel": lead.channel_id,
            "text": lead.text, "place": lead.place_text, "occurred_at": lead.occurred_at,
            "wait_reason": lead.wait_reason, "candidates": lead.candidates or [], "confidence": lead.confidence,
            "matter": matter, "catalogue_version": lead.catalogue_version_id, "township": lead.township_id,
            "unit": lead.unit_id, "returned_by": lead.returned_by or [], "duplicate_of": lead.duplicate_of_id,
            "case_id": lead.case_id, "outcome_reason": lead.outcome_reason, "party": lead.party,
            "reporter": lead.reporter if with_reporter else None, "dispatched_at": lead.dispatched_at,
            "accepted_at": lead.accepted_at, "verification": clock}


def _is_dispatcher() -> bool:
    return bool(current_actor().units_with(Role.DISPATCHER))


def _view(lead) -> dict:
    session().flush()
    return lead_view(lead, _is_dispatcher())


@blp.route("", methods=["POST"])
@blp.arguments(DispatcherLeadInSchema)
@blp.response(201, LeadSchema)
@writes
def create(body):
    """Register a lead (dispatchers): it is routed at once and dispatched when the match is confident."""
    channel = body.pop("channel")
    return _view(leads.create(session(), channel, body, actor=current_actor()))


@blp.route("")
@blp.arguments(LeadListArgs, location="query")
@blp.response(200, LeadSchema(many=True))
def list_(args):
    """Dispatchers: every lead by status (default waiting). Others: the leads sent to their units (default:
    those being verified), most urgent first."""
    db, actor = session(), current_actor()
    if _is_dispatcher():
        if args.get("status", "waiting") == "waiting":
            rows = handling.queue(db, actor, args["limit"])
        else:
            from sqlalchemy import select
            from engine.models import Lead
            rows = db.scalars(select(Lead).where(Lead.status == args["status"]).order_by(Lead.id.desc())
                              .limit(args["limit"])).all()
        return [lead_view(x, True) for x in rows]
    return [lead_view(x, False) for x in handling.inbox(db, actor, args.get("status", "dispatched"), args["limit"])]


@blp.route(f"/{ID}")
@blp.response(200, LeadSchema)
def get(lead_id):
    """One lead in my scope (the reporter is shown to dispatchers only)."""
    return lead_view(handling.get(session(), current_actor(), lead_id), _is_dispatcher())


@blp.route(f"/{ID}/events")
@blp.response(200, LeadEventSchema(many=True))
def events(lead_id):
    """The lead's history, oldest first."""
    lead = handling.get(session(), current_actor(), lead_id)
    rows = history.events(session(), lead.id)
    names = present.usernames(session(), (e.actor_id for e in rows))
    return [{"seq": e.seq, "type": e.type, "at": e.at, "actor": names.get(e.actor_id), "unit": e.unit_id,
             "data": e.data or {}, "hash": e.hash} for e in rows]


@blp.route(f"/{ID}/events/verify")
@blp.response(200, VerifyLeadSchema)
def verify(lead_id):
    """Recompute the lead's hash chain."""
    lead = handling.get(session(), current_actor(), lead_id)
    bad = history.verify(session(), lead.id)
    return {"intact": bad is None, "first_altered_seq": bad}


@blp.route(f"/{ID}/dispatch", methods=["POST"])
@blp.arguments(DispatchArgs)
@blp.response(200, LeadSchema)
@writes
def dispatch(body, lead_id):
    """Send a waiting lead to a unit (dispatchers). A unit that returned it needs a ``note``."""
    return _view(leads.dispatch(session(), current_actor(), lead_id, body["matter"], body["unit"], body.get("note")))


@blp.route(f"/{ID}/accept", methods=["POST"])
@blp.arguments(AcceptArgs)
@blp.response(200, LeadSchema)
@writes
def accept(body, lead_id):
    """Open a case of the chosen procedure from the lead (receiving unit); the case links back to the lead."""
    return _view(handling.accept(session(), current_actor(), lead_id, body["procedure"], body.get("party")))


@blp.route(f"/{ID}/close", methods=["POST"])
@blp.arguments(ReasonArgs)
@blp.response(200, LeadSchema)
@writes
def close(body, lead_id):
    """Verified, not established: close without a case (squad leader or head of the receiving unit)."""
    return _view(handling.close(session(), current_actor(), lead_id, body["reason"]))


@blp.route(f"/{ID}/return", methods=["POST"])
@blp.arguments(ReasonArgs)
@blp.response(200, LeadSchema)
@writes
def return_(body, lead_id):
    """退单 (ZJ Art. 18): outside our remit → back to the dispatcher with the reason."""
    return _view(handling.return_lead(session(), current_actor(), lead_id, body["reason"]))


@blp.route(f"/{ID}/extend", methods=["POST"])
@blp.arguments(ReasonArgs)
@blp.response(200, LeadSchema)
@writes
def extend(body, lead_id):
    """+15 working days for verification, approved by the unit's head (SAMR Art. 18); once."""
    return _view(handling.extend(session(), current_actor(), lead_id, body["reason"]))


@blp.route(f"/{ID}/<any(urge, supervise):step>", methods=["POST"])
@blp.arguments(IssueArgs)
@blp.response(200, LeadIssuedSchema)
@writes
def issue(body, lead_id, step):
    """A 催办单 (``urge``: a supervisor over the receiving unit, or its head) or 督办单 (``supervise``: a
    supervisor of the 指导办) on a lead being verified; recorded in the lead's history and notified."""
    return escalation.issue(session(), current_actor(), lead_id, step, body.get("note"), body.get("finish_by"))


@blp.route(f"/{ID}/attachments", methods=["POST"])
@blp.doc(**UPLOAD_DOC)
@blp.response(201, AttachmentSchema)
@writes
def upload(lead_id):
    """Add a photo or file to a lead (the dispatcher while it is open, the receiving unit while it verifies);
    its SHA-256 goes into the lead's history, and into the case's log when a case is opened from the lead."""
    return _upload(lambda actor: files.target_for_staff(session(), actor, lead_id), files.record)


@blp.route(f"/{ID}/attachments")
@blp.response(200, AttachmentSchema(many=True))
def attachments_(lead_id):
    """The lead's files (whoever sees the lead sees them)."""
    lead = handling.get(session(), current_actor(), lead_id)
    return files.for_lead(session(), lead.id)


@blp.route("/route", methods=["POST"])
@blp.arguments(RouteArgs)
@blp.response(200, CandidateSchema(many=True))
def route_preview(body):
    """The top 3 matters for a text on the current catalogue (nothing stored)."""
    if not _is_dispatcher():
        raise Forbidden("只有指挥中心派单员可以试算派单 (dispatchers only)")
    version = catalogue.current(session())
    if version is None:
        return []
    return [c.as_dict() for c in catalogue.router_for(session(), version).rank(body["text"])]


@blp.route("/import", methods=["POST"])
@blp.response(201, ImportResultSchema)
@writes
def bulk_import():
    """Bulk import (dispatchers): multipart ``file`` (CSV/XLSX: channel, text, place, occurred_at,
    external_ref, reporter_name, reporter_phone). All rows or none."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed("缺少文件 (multipart field 'file' is required)", {"file": ["必填"]})
    return imports.import_leads(session(), current_actor(), upload.read(), upload.filename or "")
