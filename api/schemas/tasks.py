"""Human tasks: inbox rows, detail with form, actions."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas.common import PageArgs, UtcDateTime, page_of
from api.schemas.deadlines import ClockSchema
from engine.inbox import COLOURS, SORTS


class TaskSchema(ma.Schema):
    id = fields.String(required=True)
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    case_title = fields.String(allow_none=True)
    process_key = fields.String(required=True)
    task_spec = fields.String(required=True, metadata={"description": "BPMN element id"})
    title = fields.String(required=True)
    role = fields.String(required=True)
    unit_id = fields.String(required=True)
    form_key = fields.String(allow_none=True)
    state = fields.String(required=True)
    assignee = fields.String(allow_none=True, metadata={"description": "username of the assignee"})
    context = fields.Dict(required=True)
    due_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime(required=True)
    claimed_at = UtcDateTime(allow_none=True)
    completed_at = UtcDateTime(allow_none=True)
    may_work = fields.Boolean(required=True, metadata={"description": "the caller may claim/complete it"})
    clock = fields.Nested(ClockSchema, allow_none=True,
                          metadata={"description": "the task's statutory clock (limit, due date, colour), if any"})


class TaskPageSchema(page_of(TaskSchema)):
    total_capped = fields.Boolean(required=True, metadata={
        "description": "true: more than `total` tasks match (counts stop at 10,000; show \"10,000+\")"})


class TaskDetailSchema(TaskSchema):
    form = fields.Dict(allow_none=True, metadata={"description": "form-js schema of the task's form"})
    case_data = fields.Dict(required=True)
    case_version = fields.Integer(required=True)


class InboxArgs(PageArgs):
    procedure = fields.String(validate=validate.Length(max=100))
    task_name = fields.String(validate=validate.Length(max=200))
    due_before = UtcDateTime()
    colour = fields.String(validate=validate.OneOf(COLOURS))
    q = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "party name / case number"})
    sort = fields.String(load_default="due_at", validate=validate.OneOf(sorted(SORTS)))
    order = fields.String(load_default="asc", validate=validate.OneOf(["asc", "desc"]))


class UnitInboxArgs(InboxArgs):
    unit = fields.String(validate=validate.Length(max=64))


class AssignSchema(ma.Schema):
    user = fields.String(required=True, validate=validate.Length(min=1, max=64),
                         metadata={"description": "username of the officer to assign"})


class CompleteSchema(ma.Schema):
    data = fields.Dict(load_default=dict, metadata={"description": "the form's field values"})
    expected_case_version = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=2**31 - 1),
                                           metadata={"description": "optimistic check: 409 if the case moved on"})


class NextTasksSchema(ma.Schema):
    case_id = fields.Integer(required=True)
    case_state = fields.String(required=True)
    next_tasks = fields.List(fields.Nested(TaskSchema), required=True)
