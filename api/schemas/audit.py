"""Schemas of the auditors' replay."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


class ReplayStepSchema(ma.Schema):
    seq = fields.Integer(required=True)
    type = fields.String(required=True)
    task_spec = fields.String(allow_none=True)
    open_tasks = fields.List(fields.String(), required=True)
    data = fields.Dict(required=True)


class ReplaySchema(ma.Schema):
    case_id = fields.Integer(required=True)
    chain_intact = fields.Boolean(required=True)
    first_altered_seq = fields.Integer(allow_none=True)
    matches = fields.Boolean(required=True, metadata={"description": "the log reproduces the stored case"})
    detail = fields.String(required=True)
    steps = fields.List(fields.Nested(ReplayStepSchema), required=True)
