"""Attachment records (the file itself is downloaded from ``…/content``)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from api.schemas.common import UtcDateTime


class AttachmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    media_type = fields.String(required=True)
    category = fields.String(required=True, metadata={"description": "image | video | audio | pdf | office"})
    size = fields.Integer(required=True, metadata={"description": "bytes"})
    sha256 = fields.String(required=True, metadata={"description": "hex SHA-256 of the content (also in the case log)"})
    owner_kind = fields.String(required=True, metadata={"description": "case | task | lead | document"})
    owner_id = fields.String(required=True)
    case_id = fields.Integer(allow_none=True)
    task_id = fields.String(allow_none=True)
    source = fields.String(required=True, metadata={"description": "upload | generated"})
    replaces_id = fields.Integer(allow_none=True, metadata={"description": "the file this one corrects"})
    note = fields.String(allow_none=True)
    has_thumbnail = fields.Boolean(required=True)
    uploaded_by = fields.Integer(allow_none=True)
    uploaded_at = UtcDateTime(required=True)
    event_seq = fields.Integer(allow_none=True, metadata={"description": "the case event recording its hash"})
    url = fields.Function(lambda a: f"/api/v1/attachments/{a.id}/content")
    thumbnail_url = fields.Function(
        lambda a: f"/api/v1/attachments/{a.id}/thumbnail" if a.has_thumbnail else None)
