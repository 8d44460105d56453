"""Designers' workspace: sources, validation problems, versions, drafts, deployments, retirement, diffs."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas.common import UtcDateTime

_FILES = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                     values=fields.String(validate=validate.Length(max=2_000_000)), load_default=dict)


class SourcesSchema(ma.Schema):
    """What a deployment is made of: file name → text per part."""

    bpmn = _FILES
    dmn = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                      values=fields.String(validate=validate.Length(max=2_000_000)), load_default=dict)
    forms = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                        values=fields.String(validate=validate.Length(max=2_000_000)), load_default=dict,
                        metadata={"description": "form key → form-js JSON text"})
    documents = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                            values=fields.String(validate=validate.Length(max=2_000_000)), load_default=dict,
                            metadata={"description": "template file name (forms/documents/*.html) → HTML"})
    lane_map = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=200)),
                           values=fields.String(validate=validate.Length(min=1, max=64)), load_default=dict,
                           metadata={"description": "lane name → role (foreign diagrams)"})


class ProblemItemSchema(ma.Schema):
    severity = fields.String(required=True, metadata={"description": "error (blocks deployment) | warning"})
    code = fields.String(required=True)
    file = fields.String(allow_none=True)
    element = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    zh = fields.String(required=True)
    en = fields.String(required=True)
    message = fields.String(required=True)


class ValidationResultSchema(ma.Schema):
    ok = fields.Boolean(required=True, metadata={"description": "true when nothing blocks a deployment"})
    problems = fields.List(fields.Nested(ProblemItemSchema), required=True)
    processes = fields.List(fields.String(), required=True, metadata={"description": "executable process ids"})


class DeployRequestSchema(ma.Schema):
    sources = fields.Nested(SourcesSchema, required=True)
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DeployedItemSchema(ma.Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    created = fields.Boolean(required=True)
    reactivated = fields.Boolean(required=True)
    content_hash = fields.String(required=True)


class DeployResultSchema(ma.Schema):
    deployed = fields.List(fields.Nested(DeployedItemSchema), required=True)
    problems = fields.List(fields.Nested(ProblemItemSchema), required=True, metadata={"description": "warnings"})


class VersionInfoSchema(ma.Schema):
    key = fields.String(required=True, attribute="process_key")
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "deployed | retired"})
    content_hash = fields.String(required=True)
    deployed_at = UtcDateTime(required=True)
    deployed_by = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    lane_map = fields.Dict(required=True)
    retired_at = UtcDateTime(allow_none=True)
    retired_by = fields.String(allow_none=True)
    retire_note = fields.String(allow_none=True)
    running = fields.Integer(required=True, metadata={"description": "running cases on this version"})


class DraftInfoSchema(ma.Schema):
    id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    title = fields.String(required=True)
    content_hash = fields.String(required=True)
    revision = fields.Integer(required=True)
    base_version_id = fields.Integer(allow_none=True)
    updated_by = fields.String(allow_none=True)
    updated_at = UtcDateTime(required=True)


class DraftSchema(DraftInfoSchema):
    content = fields.Nested(SourcesSchema, required=True)


class ProcedureSchema(ma.Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    state = fields.String(required=True, metadata={"description": "deployed | retired | draft"})
    current_version = fields.Integer(allow_none=True)
    versions = fields.List(fields.Nested(VersionInfoSchema), required=True)
    drafts = fields.List(fields.Nested(DraftInfoSchema), required=True)


class BundleSchema(ma.Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    content_hash = fields.String(required=True)
    sources = fields.Nested(SourcesSchema, required=True)


class DraftCreateSchema(ma.Schema):
    process_key = fields.String(required=True, validate=validate.Length(min=1, max=100))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    content = fields.Nested(SourcesSchema, required=True)


class DraftFromVersionSchema(ma.Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=2147483647))


class DraftSaveSchema(ma.Schema):
    content = fields.Nested(SourcesSchema, required=True)
    base_hash = fields.String(required=True, validate=validate.Length(min=1, max=64),
                              metadata={"description": "content_hash the editor loaded; a newer draft → 409"})
    title = fields.String(validate=validate.Length(min=1, max=200))


class DraftDeploySchema(ma.Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    base_hash = fields.String(validate=validate.Length(min=1, max=64))


class RetireSchema(ma.Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DiffArgs(ma.Schema):
    base = fields.Integer(required=True, data_key="from", validate=validate.Range(min=1, max=2147483647))
    other = fields.Integer(required=True, data_key="to", validate=validate.Range(min=1, max=2147483647))


class ChangeSchema(ma.Schema):
    property = fields.String(required=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class DiffSchema(ma.Schema):
    elements = fields.List(fields.Dict(), required=True,
                           metadata={"description": "{id, type, file, name, change: added|removed|changed, changes}"})
    decisions = fields.List(fields.Dict(), required=True, metadata={"description": "decision-table rule changes"})
    form_fields = fields.List(fields.Dict(), required=True, metadata={"description": "{form, field, label, change}"})
    forms = fields.List(fields.Dict(), required=True)
    documents = fields.List(fields.Dict(), required=True)
    lane_map = fields.List(fields.Dict(), required=True)
    unchanged = fields.Boolean(required=True)
