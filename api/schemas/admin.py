"""Organisation administration: units, users, roles, the change log, incidents."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from api.schemas.common import PageArgs, UtcDateTime, page_of

_S = validate.Length(max=200)


class UnitSchema(ma.Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(allow_none=True)
    kind = fields.String(required=True)
    parent = fields.String(allow_none=True, attribute="parent_id")
    doc_prefix = fields.String(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)


class UnitCreateSchema(ma.Schema):
    id = fields.String(required=True, validate=validate.Length(max=64))
    name = fields.String(required=True, validate=_S)
    name_en = fields.String(allow_none=True, validate=_S)
    kind = fields.String(required=True, validate=validate.Length(max=32))
    parent = fields.String(allow_none=True, validate=validate.Length(max=64))
    doc_prefix = fields.String(allow_none=True, validate=validate.Length(max=100))


class UnitUpdateSchema(ma.Schema):
    """Rename (name, name_en), change kind or document prefix, or move (parent)."""

    name = fields.String(validate=_S)
    name_en = fields.String(allow_none=True, validate=_S)
    kind = fields.String(validate=validate.Length(max=32))
    parent = fields.String(validate=validate.Length(max=64))
    doc_prefix = fields.String(allow_none=True, validate=validate.Length(max=100))


class GrantSchema(ma.Schema):
    unit = fields.String(required=True, validate=validate.Length(max=64))
    role = fields.String(required=True, validate=validate.Length(max=32))
    valid_from = fields.Date(allow_none=True)
    valid_until = fields.Date(allow_none=True)


class RoleSchema(GrantSchema):
    unit_name = fields.String(required=True)
    in_force = fields.Boolean(required=True)


class AdminUserSchema(ma.Schema):
    id = fields.Integer(required=True)
    username = fields.String(required=True)
    display_name = fields.String(required=True)
    certificate_no = fields.String(allow_none=True)
    active = fields.Boolean(required=True)
    must_change_password = fields.Boolean(required=True)
    is_demo = fields.Boolean(required=True)
    roles = fields.List(fields.Nested(RoleSchema), required=True)


class UserCreateSchema(ma.Schema):
    username = fields.String(required=True, validate=validate.Length(max=64))
    display_name = fields.String(required=True, validate=validate.Length(max=100))
    certificate_no = fields.String(allow_none=True, validate=validate.Length(max=64))
    roles = fields.List(fields.Nested(GrantSchema), load_default=list, validate=validate.Length(max=50))


class UserUpdateSchema(ma.Schema):
    display_name = fields.String(validate=validate.Length(max=100))
    certificate_no = fields.String(allow_none=True, validate=validate.Length(max=64))


class NewUserSchema(AdminUserSchema):
    temporary_password = fields.String(required=True, metadata={
        "description": "shown once; the user must choose a new password at first login"})


class TemporaryPasswordSchema(ma.Schema):
    username = fields.String(required=True)
    temporary_password = fields.String(required=True)


class DeactivatedSchema(AdminUserSchema):
    tokens_revoked = fields.Integer(required=True)
    tasks_released = fields.Integer(required=True, metadata={"description": "claimed tasks returned to the queue"})


class UserListArgs(PageArgs):
    q = fields.String(validate=validate.Length(max=64), metadata={"description": "username or name contains"})
    unit = fields.String(validate=validate.Length(max=64))
    active = fields.Boolean()


class ChangeSchema(ma.Schema):
    id = fields.Integer(required=True)
    at = UtcDateTime(required=True)
    actor = fields.String(required=True, attribute="actor_name")
    action = fields.String(required=True)
    target = fields.String(required=True)
    detail = fields.Dict(required=True)


class ChangeListArgs(PageArgs):
    target = fields.String(validate=validate.Length(max=200))
    action = fields.String(validate=validate.Length(max=40))


class ImportArgs(ma.Schema):
    format = fields.String(required=True, validate=validate.OneOf(["yaml", "csv"]))
    dry_run = fields.Boolean(load_default=False)


class ImportReportSchema(ma.Schema):
    changed = fields.Boolean(required=True)
    summary = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    details = fields.Dict(required=True)
    passwords = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class IncidentSchema(ma.Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    kind = fields.String(required=True)
    source = fields.String(required=True)
    element = fields.String(allow_none=True)
    detail = fields.String(required=True)
    at = UtcDateTime(required=True)
    resolved_at = UtcDateTime(allow_none=True)


class PasswordChangeSchema(ma.Schema):
    current_password = fields.String(required=True, validate=validate.Length(max=200), load_only=True)
    new_password = fields.String(required=True, validate=validate.Length(max=200), load_only=True)


UserPageSchema = page_of(AdminUserSchema)
ChangePageSchema = page_of(ChangeSchema)
