"""Audit: replay a case, export its verifiable case file (PDF / ZIP), read the access log (administrators)."""
from __future__ import annotations

from flask_smorest import Blueprint

from api.audit import exports
from api.auth import current_actor, current_user, require_auth
from api.db import commit, session
from api.schemas.audit import AccessLogArgs, AccessLogPageSchema, ReplaySchema
from engine import accesslog, cases
from engine.replay import replay

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="Audit: replay, case-file export, access log")
blp.before_request(require_auth)

BINARY = {"schema": {"type": "string", "format": "binary"}}


@blp.route("/cases/<int(max=2147483647):case_id>/replay")
@blp.response(200, ReplaySchema)
def replay_case(case_id):
    """Replay the case step by step on its process version from its event log.

    ``chain_intact`` says whether the hash chain verifies; ``matches`` whether replaying the recorded
    steps reproduces the stored case data and end state. Each step lists the open tasks and data after it.
    The view is recorded in the access log.
    """
    case = cases.get_case(session(), current_actor(), case_id)
    result = replay(session(), case)
    accesslog.record(session(), current_actor(), "replay", case)
    commit()
    return result


@blp.route("/cases/<int(max=2147483647):case_id>/export.pdf")
@blp.doc(responses={"200": {"description": "the case file (卷宗) as PDF", "content": {"application/pdf": BINARY}}})
def export_pdf(case_id):
    """The case file for people: cover, contents, each step's record with the form labels, documents and
    attachments with SHA-256, the event log with hashes, the integrity verdict and the chain head.
    Recorded in the access log."""
    case = cases.get_case(session(), current_actor(), case_id)
    response = exports.case_file(session(), current_actor(), case, "pdf", current_user().display_name)
    commit()
    return response


@blp.route("/cases/<int(max=2147483647):case_id>/export.zip")
@blp.doc(responses={"200": {"description": "the verifiable case file as ZIP (check with `zhifa verify-archive`)",
                            "content": {"application/zip": BINARY}}})
def export_zip(case_id):
    """The case file for machines: manifest with the SHA-256 of every member, the events, the process
    version (BPMN, executable spec with its decision tables, forms), attachments and documents, the PDF.
    ``zhifa verify-archive FILE`` checks it offline. Recorded in the access log."""
    case = cases.get_case(session(), current_actor(), case_id)
    response = exports.case_file(session(), current_actor(), case, "zip", current_user().display_name)
    commit()
    return response


@blp.route("/audit/access-log")
@blp.arguments(AccessLogArgs, location="query")
@blp.response(200, AccessLogPageSchema)
def access_log(args):
    """Who viewed a case's history or exported its case file, newest first (administrators)."""
    page = accesslog.read(session(), current_actor(), args["page"], args["per_page"], args.get("user_id"),
                          args.get("case_id"), args.get("action"))
    from api.present import usernames
    names = usernames(session(), (row.user_id for row in page.items))
    items = [{"id": row.id, "at": row.at, "user": names.get(row.user_id), "action": row.action,
              "case_id": row.case_id, "case_number": row.case_number, "detail": row.detail} for row in page.items]
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page}
