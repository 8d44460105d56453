"""Login, tokens and the current user."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas.common import UserSchema, UtcDateTime


class LoginSchema(ma.Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200), load_only=True)


class TokenSchema(ma.Schema):
    token = fields.String(required=True, metadata={"description": "send as 'Authorization: Bearer <token>'"})
    expires_at = UtcDateTime(required=True)
    user = fields.Nested(UserSchema, required=True)
    must_change_password = fields.Boolean(metadata={
        "description": "true after an administrator's reset: POST /api/v1/account/password first"})


class MembershipSchema(ma.Schema):
    unit = fields.String(required=True)
    unit_name = fields.String(required=True)
    role = fields.String(required=True)


class MeSchema(ma.Schema):
    user = fields.Nested(UserSchema, required=True)
    roles = fields.List(fields.Nested(MembershipSchema), required=True)
    units = fields.List(fields.String(), required=True, metadata={"description": "units the user belongs to"})
    visible_units = fields.List(fields.String(), required=True,
                                metadata={"description": "units whose cases the user may read"})
    read_only = fields.Boolean(required=True)
