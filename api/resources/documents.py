"""Numbered enforcement documents (执法文书) of a case; the PDF is downloaded as its attachment."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields

from api.auth import current_actor, require_auth, writes
from api.db import session
from api.schemas.common import UtcDateTime
from engine import cases, documents

blp = Blueprint("documents", __name__, url_prefix="/api/v1", description="Enforcement documents (执法文书)")
blp.before_request(require_auth)


class DocumentSchema(ma.Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    task_id = fields.String(allow_none=True)
    kind = fields.String(required=True, metadata={"description": "decision_letter, prior_notice, …"})
    title = fields.String(required=True, metadata={"description": "e.g. 行政处罚决定书"})
    number = fields.String(required=True, metadata={"description": "e.g. 城南街道综执罚决字〔2026〕第1号"})
    year = fields.Integer(required=True)
    seq = fields.Integer(required=True)
    replaces_id = fields.Integer(allow_none=True)
    issued_at = UtcDateTime(required=True)
    attachment_id = fields.Integer(allow_none=True)
    url = fields.Function(lambda d: f"/api/v1/attachments/{d.attachment_id}/content")


@blp.route("/cases/<int(max=2147483647):case_id>/documents")
@blp.response(200, DocumentSchema(many=True))
def case_documents(case_id):
    """The case's documents in the order they were issued."""
    case = cases.get_case(session(), current_actor(), case_id)
    return documents.for_case(session(), case.id)


@blp.route("/documents/<int(max=2147483647):document_id>")
@blp.response(200, DocumentSchema)
def get(document_id):
    """One document's record."""
    return documents.get(session(), current_actor(), document_id)


@blp.route("/documents/<int(max=2147483647):document_id>/reissue", methods=["POST"])
@blp.response(201, DocumentSchema)
@writes
def reissue(document_id):
    """A correction: the same kind from the case's current data under a new number (squad leader or head);
    the corrected document stays in the file."""
    return documents.reissue(session(), current_actor(), document_id)
