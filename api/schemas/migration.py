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


class MigrationPlanSchema(ma.Schema):
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
                           validate=validate.Length(min=1, max=100_000),
                           metadata={"description": "these cases; without it every running case of the source "
                                                    "version is tried (the safe ones move)"})
    limit = fields.Integer(validate=validate.Range(min=1, max=1_000_000),
                           metadata={"description": "without case_ids: at most this many cases in this run"})


class OutcomeSchema(ma.Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    outcome = fields.String(required=True, metadata={"description": "migrated | refused | failed | reverted"})
    migration_id = fields.Integer(allow_none=True)
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    changes = fields.List(fields.Dict(), required=True)


class RunProblemSchema(ma.Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    outcome = fields.String(required=True, metadata={"description": "refused | failed"})
    reasons = fields.List(fields.Nested(ReasonSchema), required=True)


class RunMovedSchema(ma.Schema):
    case_id = fields.Integer(required=True)
    case_number = fields.String(required=True)
    migration_id = fields.Integer(required=True, metadata={"description": "revert it with this id"})
    state = fields.String(required=True, metadata={"description": "migrated | reverted"})
    changes = fields.List(fields.Dict(), required=True)


class MigrationRunSchema(ma.Schema):
    id = fields.Integer(required=True)
    plan = fields.Integer(required=True)
    state = fields.String(required=True, metadata={
        "description": "queued | running | interrupted (its executor stopped; a scheduler or POST …/resume "
                       "continues it) | done | failed"})
    state_text = fields.String(required=True, metadata={"description": "the state in the user's language"})
    total = fields.Integer(required=True)
    done = fields.Integer(required=True, metadata={"description": "cases dealt with so far"})
    summary = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                          metadata={"description": "migrated / refused / failed so far"})
    resumed = fields.Integer(required=True, metadata={"description": "times taken over after an interruption"})
    error = fields.Dict(allow_none=True, metadata={"description": "why a failed run stopped: {zh, en}"})
    created_by = fields.String(required=True)
    created_at = UtcDateTime(required=True)
    started_at = UtcDateTime(allow_none=True)
    finished_at = UtcDateTime(allow_none=True)
    heartbeat_at = UtcDateTime(allow_none=True)
    remaining = fields.Integer(metadata={"description": "running cases still on the source version (when done)"})
    moved = fields.List(fields.Nested(RunMovedSchema), metadata={"description": "cases this run moved (a page)"})
    problems = fields.List(fields.Nested(RunProblemSchema),
                           metadata={"description": "cases not moved, with the reasons (a page)"})


class RunPageArgs(ma.Schema):
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=0, max=1000))


class RunListSchema(ma.Schema):
    runs = fields.List(fields.Nested(MigrationRunSchema), required=True)
