"""Entities under supervision, colour history, 复议/诉讼 outcomes, inspection plans, performance."""
from __future__ import annotations

from datetime import date

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas.cases import PartyInSchema, PartySchema
from api.schemas.common import PageArgs, UtcDateTime, page_of
from engine.entities.config import COLOURS, CREDITS, RISKS

DAY = validate.Range(min=date(2000, 1, 1), max=date(2100, 12, 31))


class LicenceSchema(ma.Schema):
    kind = fields.String(required=True, validate=validate.Length(min=1, max=50))
    number = fields.String(required=True, validate=validate.Length(min=1, max=64))
    valid_until = fields.Date(allow_none=True, validate=DAY)


class ProfileInSchema(ma.Schema):
    township_id = fields.String(allow_none=True, validate=validate.Length(max=64))
    industry = fields.String(allow_none=True, validate=validate.Length(max=100))
    licences = fields.List(fields.Nested(LicenceSchema), validate=validate.Length(max=20))
    risk_level = fields.String(validate=validate.OneOf(RISKS))
    credit = fields.String(validate=validate.OneOf(CREDITS))
    major_hazard = fields.Boolean()


class RegisterSchema(ma.Schema):
    party = fields.Nested(PartyInSchema, required=True)
    profile = fields.Nested(ProfileInSchema, load_default=dict)


class EntitySchema(ma.Schema):
    id = fields.Integer(required=True, attribute="party_id")
    party = fields.Nested(PartySchema, required=True)
    township_id = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    licences = fields.List(fields.Dict(), required=True)
    risk_level = fields.String(required=True)
    credit = fields.String(required=True)
    major_hazard = fields.Boolean(required=True)
    colour = fields.String(required=True)
    colour_reason = fields.String(allow_none=True)
    colour_at = UtcDateTime(allow_none=True)
    last_inspected_on = fields.Date(allow_none=True)
    next_inspection_on = fields.Date(allow_none=True)
    merged_into_id = fields.Integer(allow_none=True)


class EntityPageSchema(page_of(EntitySchema)):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                         metadata={"description": "entities in scope by colour"})


class EntityListArgs(PageArgs):
    colour = fields.String(validate=validate.OneOf(COLOURS))
    township = fields.String(validate=validate.Length(max=64))
    industry = fields.String(validate=validate.Length(max=100))
    q = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "name or ID number"})
    due_before = fields.Date(validate=DAY, metadata={"description": "next on-site inspection on or before"})


class ColourChangeSchema(ma.Schema):
    colour = fields.String(required=True)
    previous = fields.String(allow_none=True)
    reason = fields.String(required=True)
    trigger = fields.String(required=True)
    cause = fields.String(allow_none=True, metadata={"description": "what happened, in words"})
    case_id = fields.Integer(allow_none=True)
    inputs = fields.Dict(required=True)
    next_inspection_on = fields.Date(allow_none=True)
    decided_at = UtcDateTime(required=True)


class CaseRefSchema(ma.Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    procedure = fields.String(required=True, attribute="process_key")
    unit = fields.String(required=True, attribute="unit_id")
    state = fields.String(required=True)
    opened_at = UtcDateTime(required=True)
    closed_at = UtcDateTime(allow_none=True)


class ReviewSchema(ma.Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    result = fields.String(required=True)
    decided_on = fields.Date(required=True)
    note = fields.String(allow_none=True)


class InspectionRecordSchema(ma.Schema):
    case = fields.Nested(CaseRefSchema, required=True)
    visit_date = fields.String(allow_none=True)
    agencies = fields.List(fields.String(), required=True)
    findings = fields.List(fields.Dict(), required=True, metadata={"description": "one per agency"})
    uncorrected = fields.List(fields.String(), required=True)


class EnforcementRecordSchema(ma.Schema):
    case = fields.Nested(CaseRefSchema, required=True)
    outcome = fields.String(required=True)
    fine = fields.Float(allow_none=True)
    decided_on = fields.String(allow_none=True)
    reviews = fields.List(fields.Nested(ReviewSchema), required=True)


class EntityRecordSchema(ma.Schema):
    entity = fields.Nested(EntitySchema, required=True)
    inspections = fields.List(fields.Nested(InspectionRecordSchema), required=True)
    cases = fields.List(fields.Nested(EnforcementRecordSchema), required=True)
    complaints = fields.List(fields.Dict(), required=True, metadata={
        "description": "leads about the entity; matched: confirmed | id_number | name | case"})
    to_confirm = fields.List(fields.Dict(), metadata={
        "description": "leads naming this entity's name while other entities share it: waiting for an officer"})
    colours = fields.List(fields.Nested(ColourChangeSchema), required=True)


class MergeArgs(ma.Schema):
    target_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2147483647))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class MergeSchema(ma.Schema):
    source_party_id = fields.Integer(required=True)
    target_party_id = fields.Integer(required=True)
    moved_cases = fields.List(fields.Integer(), required=True)
    reason = fields.String(required=True)
    merged_at = UtcDateTime(required=True)


class ReviewInSchema(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["reconsideration", "litigation"]))
    result = fields.String(required=True, validate=validate.OneOf(
        ["upheld", "reversed", "modified", "confirmed_illegal", "void", "withdrawn"]))
    decided_on = fields.Date(required=True, validate=DAY)
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))


class PlanItemSchema(ma.Schema):
    agency = fields.String(required=True, validate=validate.Length(min=1, max=64))
    items = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PlanInSchema(ma.Schema):
    unit = fields.String(required=True, validate=validate.Length(min=1, max=64))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    period_from = fields.Date(required=True, validate=DAY)
    period_to = fields.Date(required=True, validate=DAY)
    items = fields.List(fields.Nested(PlanItemSchema), required=True, validate=validate.Length(min=1, max=20))
    sample_size = fields.Integer(required=True, validate=validate.Range(min=1, max=10000))
    townships = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list,
                            validate=validate.Length(max=50))
    industry = fields.String(allow_none=True, validate=validate.Length(max=100))
    note = fields.String(allow_none=True, validate=validate.Length(max=4000))


class DrawArgs(ma.Schema):
    seed = fields.String(validate=validate.Length(min=1, max=64),
                         metadata={"description": "random seed (default: generated and recorded)"})


class PlanEntrySchema(ma.Schema):
    rank = fields.Integer(required=True)
    party_id = fields.Integer(required=True)
    name = fields.String(required=True)
    colour = fields.String(required=True)
    weight = fields.Float(required=True)
    inspectors = fields.Dict(keys=fields.String(), values=fields.List(fields.Integer()), required=True)
    case_id = fields.Integer(allow_none=True)


class PlanSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    unit = fields.String(required=True, attribute="unit_id")
    period_from = fields.Date(required=True)
    period_to = fields.Date(required=True)
    items = fields.List(fields.Nested(PlanItemSchema), required=True)
    townships = fields.List(fields.String(), required=True)
    industry = fields.String(allow_none=True)
    sample_size = fields.Integer(required=True)
    seed = fields.String(allow_none=True)
    draw_info = fields.Dict(required=True)
    state = fields.String(required=True)
    created_at = UtcDateTime(required=True)
    drawn_at = UtcDateTime(allow_none=True)
    approved_at = UtcDateTime(allow_none=True)
    published_at = UtcDateTime(allow_none=True)
    note = fields.String(allow_none=True)


class PlanDetailSchema(PlanSchema):
    entries = fields.List(fields.Nested(PlanEntrySchema), required=True)


class PeriodArgs(ma.Schema):
    period_from = fields.Date(required=True, validate=DAY, data_key="from")
    period_to = fields.Date(required=True, validate=DAY, data_key="to")
    unit = fields.List(fields.String(validate=validate.Length(max=64)), validate=validate.Length(max=100),
                       metadata={"description": "units (default: every unit in scope)"})

    @ma.validates_schema
    def _order(self, data, **_kw):
        if data["period_to"] < data["period_from"]:
            raise ma.ValidationError("结束日期不能早于开始日期", "to")
        if (data["period_to"] - data["period_from"]).days > 3660:
            raise ma.ValidationError("期间最长十年", "to")


class HeatmapArgs(PeriodArgs):
    process = fields.String(required=True, validate=validate.Length(min=1, max=100))


class PerformanceSchema(ma.Schema):
    period_from = fields.Date(required=True)
    period_to = fields.Date(required=True)
    units = fields.List(fields.Dict(), required=True, metadata={"description": "figures per unit"})


class HeatmapSchema(ma.Schema):
    process = fields.String(required=True)
    cases_started = fields.Integer(required=True)
    max_avg_hours = fields.Float(required=True)
    elements = fields.List(fields.Dict(), required=True)


class ComplaintDecisionSchema(ma.Schema):
    about = fields.Boolean(required=True, metadata={
        "description": "true: the lead is about this entity; false: about no registered entity"})
