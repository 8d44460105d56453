"""Deadline clocks, supervision board, calendar overrides and the notification inbox."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas.common import Day, UtcDateTime

COLOURS = ("green", "yellow", "red")


class PauseSchema(ma.Schema):
    start = fields.String(data_key="from")
    to = fields.String(allow_none=True)
    reason = fields.String()
    by = fields.Integer(allow_none=True)
    source = fields.String()


class ClockSchema(ma.Schema):
    id = fields.Integer(required=True, allow_none=True,
                        metadata={"description": "null for a lead's 核查 clock (act on it through the lead)"})
    case_id = fields.Integer(required=True, allow_none=True, metadata={"description": "null for a lead's clock"})
    task_id = fields.String(allow_none=True)
    kind = fields.String(required=True, metadata={"description": "case | task | lead (a lead's 核查 clock)"})
    spec = fields.String(required=True, metadata={"description": "BPMN task id, or the process key"})
    label = fields.String(required=True)
    unit_id = fields.String(required=True)
    limit = fields.Integer(required=True)
    limit_unit = fields.String(required=True, metadata={"description": "wd = working days, d = natural days"})
    started_on = fields.Date(required=True)
    due_on = fields.Date(required=True, metadata={"description": "last day of the period (Beijing date)"})
    due_at = UtcDateTime(required=True, metadata={"description": "instant the clock becomes overdue"})
    remaining_workdays = fields.Integer(allow_none=True, metadata={"description": "negative: overdue"})
    colour = fields.String(required=True, validate=validate.OneOf(COLOURS))
    state = fields.String(required=True, metadata={"description": "running | paused | met | overdue | stopped"})
    extension_days = fields.Integer(required=True)
    paused_days = fields.Integer(required=True)
    pauses = fields.List(fields.Nested(PauseSchema), required=True)
    estimated = fields.Boolean(required=True,
                               metadata={"description": "a year without calendar data was counted Mon–Fri"})
    escalation = fields.String(allow_none=True, metadata={"description": "reminder | urge | supervise | circular"})
    closed_at = UtcDateTime(allow_none=True)
    lead_id = fields.Integer(metadata={"description": "lead clocks: the lead (POST /api/v1/leads/{id}/urge …)"})
    lead_number = fields.String(metadata={"description": "lead clocks: the lead's number"})


class PauseArgs(ma.Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200),
                           metadata={"description": "中止调查, 听证, 公告, 检测 …"})


class ExtendArgs(ma.Schema):
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=365))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))
    deliberation = fields.List(fields.String(validate=validate.Length(min=1, max=64)), validate=validate.Length(max=20),
                               metadata={"description": "usernames of the heads who took part in the collective "
                                                        "deliberation (needed beyond the one head-approved extension)"})


class IssueArgs(ma.Schema):
    note = fields.String(validate=validate.Length(max=1000), allow_none=True)
    finish_by = Day(allow_none=True, metadata={"description": "default: 3 working days from today"})


class IssuedSchema(ma.Schema):
    clock = fields.Integer(required=True)
    step = fields.String(required=True)
    finish_by = fields.String(allow_none=True)
    due_on = fields.String(required=True)
    recipients = fields.List(fields.Integer(), required=True, metadata={"description": "user ids notified"})


class BoardArgs(ma.Schema):
    colour = fields.List(fields.String(validate=validate.OneOf(COLOURS)), load_default=lambda: ["yellow", "red"])
    unit = fields.String(validate=validate.Length(max=64))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class UnitSummarySchema(ma.Schema):
    unit_id = fields.String(required=True)
    green = fields.Integer(required=True)
    yellow = fields.Integer(required=True)
    red = fields.Integer(required=True)


class CalendarArgs(ma.Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


class CalendarDaySchema(ma.Schema):
    day = fields.Date(required=True)
    workday = fields.Boolean(required=True, metadata={"description": "true: make-up working day; false: holiday"})
    note = fields.String(allow_none=True)
    updated_at = UtcDateTime(dump_only=True)


class CalendarSetArgs(ma.Schema):
    workday = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=200), allow_none=True)


class CalendarYearSchema(ma.Schema):
    year = fields.Integer(required=True)
    source = fields.String(required=True, metadata={"description": "package (chinesecalendar) | administrator"})
    complete = fields.Boolean(required=True, metadata={
        "description": "true: the year's holidays and make-up days are entered; clocks in it are not estimated"})
    overrides = fields.Integer(required=True)
    note = fields.String(allow_none=True)
    updated_at = UtcDateTime(allow_none=True)


class CalendarYearArgs(ma.Schema):
    complete = fields.Boolean(required=True)
    note = fields.String(validate=validate.Length(max=200), allow_none=True)


class CalendarYearChangedSchema(ma.Schema):
    year = fields.Integer(required=True)
    complete = fields.Boolean(required=True)
    recomputed_clocks = fields.Integer(required=True)


class CalendarChangedSchema(ma.Schema):
    day = fields.Date(required=True)
    recomputed_clocks = fields.Integer(required=True)


class NotificationSchema(ma.Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(allow_none=True)
    clock_id = fields.Integer(allow_none=True)
    kind = fields.String(required=True,
                         metadata={"description": "warning | overdue | reminder | urge | supervise | circular"})
    title = fields.String(required=True)
    body = fields.String(required=True)
    data = fields.Dict(required=True)
    created_at = UtcDateTime(required=True)
    read_at = UtcDateTime(allow_none=True)


class InboxArgs(ma.Schema):
    unread = fields.Boolean(load_default=False)
    kind = fields.String(validate=validate.OneOf(["warning", "overdue", "reminder", "urge", "supervise", "circular"]))
    before_id = fields.Integer(validate=validate.Range(min=1))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class InboxSchema(ma.Schema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    unread = fields.Integer(required=True)


class ReadAllSchema(ma.Schema):
    marked = fields.Integer(required=True)
