"""Intake: leads, dispatch, the unit's decisions, the matter catalogue, lead supervision."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas.cases import PartyInSchema
from api.schemas.common import UtcDateTime


class LeadInSchema(ma.Schema):
    """A lead as a channel or the dispatcher sends it. Content is checked by the engine (Chinese messages)."""

    text = fields.Raw(metadata={"description": "what was reported (4–5000 characters)", "type": "string"})
    place = fields.Raw(metadata={"description": "address text, or {text, lat, lng}"})
    occurred_at = fields.Raw(allow_none=True, metadata={"description": "ISO 8601 date-time", "type": "string"})
    reporter = fields.Raw(allow_none=True, metadata={"description": "{name, phone}; shown to dispatchers only"})
    party = fields.Raw(allow_none=True, metadata={"description": "{name}: suspected party"})
    external_ref = fields.Raw(allow_none=True, metadata={"description": "the channel's own id (unique per channel)",
                                                         "type": "string"})


class DispatcherLeadInSchema(LeadInSchema):
    channel = fields.String(required=True, validate=validate.Length(min=1, max=32))


class CandidateSchema(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    score = fields.Float(required=True)
    words = fields.List(fields.String(), required=True)


class LeadStatusSchema(ma.Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True)
    received_at = UtcDateTime(required=True)
    external_ref = fields.String(allow_none=True)
    case_number = fields.String(allow_none=True)


class LeadSchema(LeadStatusSchema):
    channel = fields.String(required=True)
    text = fields.String(required=True)
    place = fields.String(required=True)
    occurred_at = UtcDateTime(allow_none=True)
    wait_reason = fields.String(allow_none=True)
    candidates = fields.List(fields.Nested(CandidateSchema), required=True)
    confidence = fields.Float(required=True)
    matter = fields.Dict(allow_none=True)
    catalogue_version = fields.Integer(allow_none=True)
    township = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    returned_by = fields.List(fields.String(), required=True)
    duplicate_of = fields.Integer(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    outcome_reason = fields.String(allow_none=True)
    party = fields.Dict(allow_none=True)
    reporter = fields.Dict(allow_none=True, metadata={"description": "dispatchers only"})
    dispatched_at = UtcDateTime(allow_none=True)
    accepted_at = UtcDateTime(allow_none=True)
    verification = fields.Dict(allow_none=True)


class LeadListArgs(ma.Schema):
    status = fields.String(validate=validate.OneOf(["waiting", "dispatched", "accepted", "closed"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class DispatchArgs(ma.Schema):
    matter = fields.String(required=True, validate=validate.Length(min=1, max=40))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=64))
    note = fields.String(allow_none=True, validate=validate.Length(max=500))


class AcceptArgs(ma.Schema):
    procedure = fields.String(required=True, validate=validate.OneOf(["simple_procedure", "ordinary_procedure"]))
    party = fields.Nested(PartyInSchema, allow_none=True)


class ReasonArgs(ma.Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=1000))


class LeadIssuedSchema(ma.Schema):
    lead = fields.Integer(required=True)
    step = fields.String(required=True, metadata={"description": "urge (催办单) | supervise (督办单)"})
    due_on = fields.String(required=True)
    finish_by = fields.String(allow_none=True)
    manual = fields.Boolean(required=True)
    note = fields.String(allow_none=True)
    recipients = fields.List(fields.Integer(), required=True, metadata={"description": "user ids notified"})


class LeadEventSchema(ma.Schema):
    seq = fields.Integer(required=True)
    type = fields.String(required=True)
    at = UtcDateTime(required=True)
    actor = fields.String(allow_none=True)
    unit = fields.String(allow_none=True)
    data = fields.Dict(required=True)
    hash = fields.String(required=True)


class VerifyLeadSchema(ma.Schema):
    intact = fields.Boolean(required=True)
    first_altered_seq = fields.Integer(allow_none=True)


class RouteArgs(ma.Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class MatterSchema(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    field = fields.String(required=True)
    legal_basis = fields.String(required=True)
    keywords = fields.List(fields.String(), required=True)
    synonyms = fields.List(fields.String(), required=True)
    levels = fields.List(fields.String(), required=True)
    delegated = fields.Boolean(required=True)
    county_unit = fields.String(allow_none=True)
    procedure = fields.String(required=True)


class MatterEditSchema(ma.Schema):
    name = fields.String(validate=validate.Length(min=1, max=200))
    field = fields.String(validate=validate.Length(min=1, max=40))
    legal_basis = fields.String(validate=validate.Length(min=1, max=500))
    keywords = fields.List(fields.String(validate=validate.Length(max=20)), validate=validate.Length(max=60))
    synonyms = fields.List(fields.String(validate=validate.Length(max=20)), validate=validate.Length(max=60))
    levels = fields.List(fields.String(validate=validate.OneOf(["county", "township"])))
    delegated = fields.Boolean()
    county_unit = fields.String(allow_none=True, validate=validate.Length(max=64))
    procedure = fields.String(validate=validate.OneOf(["simple_procedure", "ordinary_procedure"]))
    note = fields.String(validate=validate.Length(max=300))


class CatalogueSchema(ma.Schema):
    version = fields.Integer(required=True)
    note = fields.String(required=True)
    created_at = UtcDateTime(required=True)
    matter_count = fields.Integer(required=True)
    matters = fields.List(fields.Nested(MatterSchema))


class ImportResultSchema(ma.Schema):
    created = fields.Integer(required=True)
    dispatched = fields.Integer(required=True)
    waiting = fields.Integer(required=True)
    numbers = fields.List(fields.String(), required=True)


class PlaceSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "township | community | road | landmark | grid"})
    unit = fields.String(required=True, attribute="unit_id", metadata={"description": "the township"})
    aliases = fields.List(fields.String(), required=True)


class ImportCountSchema(ma.Schema):
    imported = fields.Integer(required=True)


class ChannelSchema(ma.Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    active = fields.Boolean(required=True)
    has_key = fields.Function(lambda c: c.key_hash is not None, metadata={"description": "a key is in force"})
    key_issued_at = UtcDateTime(allow_none=True)
    last_used_at = UtcDateTime(allow_none=True, metadata={"description": "last request with the key (±1 min)"})
    created_at = UtcDateTime(required=True)


class ChannelInSchema(ma.Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{1,31}$"),
                       metadata={"description": "code, e.g. camera_city"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class ChannelKeySchema(ma.Schema):
    channel = fields.String(required=True)
    key = fields.String(required=True, metadata={"description": "shown once; only its hash is stored"})


class UnitLeadStatsSchema(ma.Schema):
    unit = fields.String(required=True)
    unit_name = fields.String(required=True)
    received = fields.Integer(required=True)
    open = fields.Integer(required=True)
    returned = fields.Integer(required=True)
    accepted = fields.Integer(required=True)
    closed = fields.Integer(required=True)
    overdue = fields.Integer(required=True)
    avg_dispatch_minutes = fields.Float(allow_none=True)
    avg_accept_hours = fields.Float(allow_none=True)
