"""Schemas of the auditors' replay."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas.common import PageSchema, UtcDateTime
from engine.accesslog import ACTIONS


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
    failed_seq = fields.Integer(allow_none=True, metadata={"description": "the step where the replay diverged"})
    reason = fields.String(allow_none=True, metadata={
        "description": "step | engine | spec | start | data | state | tasks | form (a recorded submission does "
                       "not fit the form of the version in force at its step)"})
    form_mismatch = fields.Dict(allow_none=True, metadata={
        "description": "for reason form: seq, task_spec, form, version, fields (key → messages), labels, zh, en"})


class AccessLogArgs(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    user_id = fields.Integer(validate=validate.Range(min=1, max=2147483647))
    case_id = fields.Integer(validate=validate.Range(min=1, max=2147483647))
    action = fields.String(validate=validate.OneOf(ACTIONS))


class AccessLogEntrySchema(ma.Schema):
    id = fields.Integer(required=True)
    at = UtcDateTime(required=True)
    user = fields.String(allow_none=True, metadata={"description": "username"})
    action = fields.String(required=True, metadata={"description": "history | export_pdf | export_zip | replay"})
    case_id = fields.Integer(allow_none=True)
    case_number = fields.String(allow_none=True)
    detail = fields.String(allow_none=True)


class AccessLogPageSchema(PageSchema):
    items = fields.List(fields.Nested(AccessLogEntrySchema), required=True)
