"""Cases: start, list, detail, history."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas.common import PageArgs, PageSchema, UtcDateTime, page_of
from api.schemas.tasks import TaskSchema
from engine.caselist import COLOURS, SORTS, VERDICTS
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


class IntegritySchema(ma.Schema):
    verdict = fields.String(required=True, metadata={"description": "intact | altered | unreplayable"})
    step = fields.Integer(allow_none=True, metadata={"description": "event seq where the check failed"})
    reason = fields.String(allow_none=True)
    summary = fields.String(required=True, metadata={"description": "the verdict in words"})
    checked_at = UtcDateTime(required=True)


class CaseListItemSchema(CaseSchema):
    parties = fields.List(fields.String(), required=True, metadata={"description": "party names"})
    colour = fields.String(allow_none=True, metadata={"description": "worst running deadline clock colour"})
    integrity = fields.Nested(IntegritySchema, allow_none=True,
                              metadata={"description": "last sweep verdict (auditors and supervisors only)"})


class CaseListPageSchema(PageSchema):
    items = fields.List(fields.Nested(CaseListItemSchema), required=True)
    total_capped = fields.Boolean(required=True, metadata={
        "description": "true: there are more than `total` matches (counts stop at 10,000: 「10,000 条以上」)"})
    next_cursor = fields.String(allow_none=True, metadata={
        "description": "pass as `after` for the next page (keyset paging, any depth); null on the last page"})


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
    number = fields.String(validate=validate.Length(min=1, max=120),
                           metadata={"description": "case number, exact or a part of it"})
    party = fields.String(validate=validate.Length(min=1, max=200),
                          metadata={"description": "party name (3+ characters: anywhere in it; 1–2: its start), or the exact ID number / USCC"})
    procedure = fields.String(validate=validate.Length(max=100))
    unit = fields.String(validate=validate.Length(max=64), metadata={"description": "handling unit"})
    state = fields.String(validate=validate.OneOf(CaseState.ALL))
    opened_from = UtcDateTime()
    opened_to = UtcDateTime()
    closed_from = UtcDateTime()
    closed_to = UtcDateTime()
    colour = fields.String(validate=validate.OneOf(COLOURS),
                           metadata={"description": "worst colour of the case's running deadline clocks"})
    overdue = fields.Boolean(metadata={"description": "has a deadline clock that is or ended overdue"})
    integrity = fields.String(validate=validate.OneOf(VERDICTS),
                              metadata={"description": "last integrity verdict of the background sweep"})
    sort = fields.String(load_default="opened_at", validate=validate.OneOf(tuple(SORTS)), metadata={
        "description": "opened_at | closed_at (lists closed cases only) | number"})
    order = fields.String(load_default="desc", validate=validate.OneOf(("asc", "desc")))
    after = fields.String(validate=validate.Length(min=1, max=400), metadata={
        "description": "`next_cursor` of the previous page (same filters and sort): continues past page limits"})


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
