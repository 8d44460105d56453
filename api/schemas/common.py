"""Shared schema pieces: problem documents, pagination, UTC date-times."""
from __future__ import annotations

from datetime import datetime, timezone

import marshmallow as ma
from marshmallow import fields, validate

from engine import dates


class UtcDateTime(fields.DateTime):
    """ISO 8601 with offset on output (SQLite returns naive UTC); input converted to aware UTC."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if not dates.in_range(parsed):
            raise ma.ValidationError(f"日期须在 {dates.RANGE_TEXT} 之间；date out of range")
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)


class Day(fields.Date):
    """A calendar day as ``YYYY-MM-DD`` within 2000-01-01 … 2100-12-31 (engine.dates)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return dates.parse_day(value)
        except ValueError as exc:
            raise ma.ValidationError(str(exc)) from None


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details (``application/problem+json``)."""

    type = fields.String(required=True, metadata={"description": "URI identifying the problem kind"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "field → messages (validation failures)"})
    file = fields.String(metadata={"description": "BPMN/DMN file at fault (invalid process)"})
    element = fields.String(metadata={"description": "BPMN element id at fault (invalid process)"})
    problems = fields.List(fields.Dict(), metadata={
        "description": "every validation problem (invalid process): severity, code, file, element, name, zh, en"})


class PageArgs(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PageSchema(ma.Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)


def page_of(item_schema) -> type[ma.Schema]:
    name = f"{item_schema.__name__.removesuffix('Schema')}PageSchema"
    return type(name, (PageSchema,), {"items": fields.List(fields.Nested(item_schema), required=True)})


class UserSchema(ma.Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    certificate_no = fields.String(allow_none=True)
