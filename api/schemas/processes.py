"""Deployed procedures and their versions."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas.common import UtcDateTime


class VersionSchema(ma.Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True, attribute="process_key")
    name = fields.String(required=True)
    version = fields.Integer(required=True)
    file_name = fields.String(required=True)
    deployed_at = UtcDateTime(required=True)
    deployed_by = fields.String(allow_none=True)
    properties = fields.Dict(required=True)


class ProcessSchema(ma.Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    latest_version = fields.Integer(required=True)
    versions = fields.List(fields.Nested(VersionSchema), required=True)


class DeployedSchema(ma.Schema):
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    created = fields.Boolean(required=True, metadata={"description": "false when the file was unchanged"})


class DeploymentSchema(ma.Schema):
    deployed = fields.List(fields.Nested(DeployedSchema), required=True)


class DeployArgs(ma.Schema):
    name = fields.String(load_default="upload.bpmn", validate=validate.Length(min=1, max=200),
                         metadata={"description": "file name for a raw XML body (ends in .bpmn or .dmn)"})
    note = fields.String(validate=validate.Length(min=1, max=2000),
                         metadata={"description": "change note recorded with every new version"})
