"""Cases: start, list, detail, history."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas.common import PageArgs, UtcDateTime, page_of
from api.schemas.tasks import TaskSchema
from engine.inbox import COLOURS
from engine.statuses import CaseState


class PartyInSchema(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["person", "organisation"]))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=18))
    address = fields.String(allow_none=True, validate=validate.Length(max=300))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))


class StartCaseSchema(ma.Schema):
    procedure = fields.String(required=True, validate=validate.Length(min=1, max=100))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=64))
    data = fields.Dict(load_default=dict)
    party = fields.Nested(PartyInSchema, allow_none=True)
    title = fields.String(allow_none=True, validate=validate.Length(max=300))


class PartySchema(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    name = fields.String(required=True)
    id_number = fields.String(required=True)
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class CaseSchema(ma.Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    title = fields.String(allow_none=True)
    procedure = fields.String(required=True, attribute="process_key")
    unit = fields.String(required=True, attribute="unit_id")
    state = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "compare-and-set counter"})
    opened_at = UtcDateTime(required=True)
    closed_at = UtcDateTime(allow_none=True)
    parent_case_id = fields.Integer(allow_none=True)


CasePageSchema = page_of(CaseSchema)


class ProcessRefSchema(ma.Schema):
    id = fields.Integer(required=True)
    key = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)


class CaseDetailSchema(CaseSchema):
    data = fields.Dict(required=True)
    parties = fields.List(fields.Nested(PartySchema), required=True)
    process = fields.Nested(ProcessRefSchema, required=True)
    tasks = fields.List(fields.Nested(TaskSchema), required=True, metadata={"description": "open tasks"})


class CaseListArgs(PageArgs):
    procedure = fields.String(validate=validate.Length(max=100))
    unit = fields.String(validate=validate.Length(max=64))
    state = fields.String(validate=validate.OneOf(CaseState.ALL))
    party = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "party name contains"})
    opened_from = UtcDateTime()
    opened_to = UtcDateTime()
    colour = fields.String(validate=validate.OneOf(COLOURS))


class EventSchema(ma.Schema):
    seq = fields.Integer(required=True)
    type = fields.String(required=True)
    at = UtcDateTime(required=True)
    actor = fields.String(allow_none=True, metadata={"description": "username"})
    task_id = fields.String(allow_none=True)
    task_spec = fields.String(allow_none=True)
    data = fields.Dict(required=True)
    hash = fields.String(required=True)


class VerifySchema(ma.Schema):
    intact = fields.Boolean(required=True)
    first_altered_seq = fields.Integer(allow_none=True)
    events = fields.Integer(required=True)
