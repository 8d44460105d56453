"""Moving running cases to another procedure version: plans, dry-run verdicts, moves, reverts."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas.common import UtcDateTime

_ID = validate.Length(min=1, max=100)


class PlanCreateSchema(ma.Schema):
    process_key = fields.String(required=True, validate=_ID)
    from_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2147483647))
    to_version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2147483647))
    mapping = fields.Dict(keys=fields.String(validate=_ID), values=fields.String(validate=_ID), load_default=dict,
                          validate=validate.Length(max=500),
                          metadata={"description": "source element id → target element id (renamed steps)"})
    follow_target = fields.Boolean(load_default=True, metadata={
        "description": "open tasks take the target's title, form, templates and deadline (false: keep their own)"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReasonSchema(ma.Schema):
    code = fields.String(required=True)
    level = fields.String(required=True, metadata={"description": "safe | needs_mapping | unsafe"})
    element = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    zh = fields.String(required=True)
    en = fields.String(required=True)
    suggestion = fields.String(metadata={"description": "a target element the structure suggests"})


class ElementChangeSchema(ma.Schema):
    element = fields.String(required=True)
    name = fields.String(required=True)
    target = fields.String(allow_none=True)
    target_name = fields.String(allow_none=True)
    change = fields.String(required=True, metadata={"description": "changed | removed | mapped | suggested"})
    zh = fields.String(required=True)
    en = fields.String(required=True)


class PlanSchema(ma.Schema):
    id = fields.Integer(required=True)
    process_key = fields.String(required=True)
    from_version = fields.Integer(required=True)
    to_version = fields.Integer(required=True)
    mapping = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    follow_target = fields.Boolean(required=True)
    reason = fields.String(required=True)
    created_by = fields.String(required=True)
    created_at = UtcDateTime(required=True)
    elements = fields.List(fields.Nested(ElementChangeSchema), required=True)


class DryRunArgs(ma.Schema):
    level = fields.String(validate=validate.OneOf(["safe", "needs_mapping", "unsafe"]))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class VerdictSchema(ma.Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    title = fields.String(allow_none=True)
    unit_id = fields.String(required=True)
    level = fields.String(required=True)
    verdict = fields.String(required=True, metadata={"description": "the verdict in the user's language"})
    open_tasks = fields.List(fields.String(), required=True)
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)


class DryRunSchema(ma.Schema):
    plan = fields.Integer(required=True)
    summary = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    total = fields.Integer(required=True)
    cases = fields.List(fields.Nested(VerdictSchema), required=True)


class RunSchema(ma.Schema):
    case_ids = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=2147483647)),
                           validate=validate.Length(min=1, max=1000),
                           metadata={"description": "these cases; without it every running case of the source "
                                                    "version is tried (the safe ones move)"})
    limit = fields.Integer(load_default=1000, validate=validate.Range(min=1, max=5000),
                           metadata={"description": "at most this many cases in this call"})


class OutcomeSchema(ma.Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    outcome = fields.String(required=True, metadata={"description": "migrated | refused | failed | reverted"})
    migration_id = fields.Integer(allow_none=True)
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    changes = fields.List(fields.Dict(), required=True)


class RunResultSchema(ma.Schema):
    plan = fields.Integer(required=True)
    summary = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    remaining = fields.Integer(required=True, metadata={"description": "running cases still on the source version"})
    results = fields.List(fields.Nested(OutcomeSchema), required=True)
