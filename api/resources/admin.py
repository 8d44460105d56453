"""Organisation administration (role ``admin``): units, users, roles, import, change log, incidents."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from api.auth import current_actor, require_auth, writes
from api.db import session
from api.schemas.admin import (AdminUserSchema, ChangeListArgs, ChangePageSchema, DeactivatedSchema, GrantSchema,
                               ImportArgs, ImportReportSchema, IncidentSchema, NewUserSchema,
                               TemporaryPasswordSchema, UnitCreateSchema, UnitSchema, UnitUpdateSchema,
                               UserCreateSchema, UserListArgs, UserPageSchema, UserUpdateSchema)
from engine import incidents, orgadmin
from engine.errors import ValidationFailed
from engine.orgadmin import changes, importer, views

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin",
                description="Organisation administration (admin role): every change is in the change log")
blp.before_request(require_auth)
USER = "/users/<string(maxlength=64):username>"
UNIT = "/units/<string(maxlength=64):unit_id>"


def editor() -> orgadmin.Editor:
    return orgadmin.editor_for(session(), current_actor())


@blp.before_request
def _admins_only():
    editor()  # 403 for everyone without the admin role


def _user(username: str) -> dict:
    session().flush()
    from engine.orgadmin.users import get_user
    return views.user_view(session(), get_user(session(), editor(), username))


@blp.route("/units")
@blp.response(200, UnitSchema(many=True))
def units():
    """My units in tree order (closed ones included, with ``closed_at``)."""
    return [u for u, _depth in views.units_in_tree_order(session(), editor())]


@blp.route("/units", methods=["POST"])
@blp.arguments(UnitCreateSchema)
@blp.response(201, UnitSchema)
@writes
def add_unit(body):
    """Add a unit under ``parent``."""
    return orgadmin.add_unit(session(), editor(), body)


@blp.route(UNIT, methods=["PATCH"])
@blp.arguments(UnitUpdateSchema)
@blp.response(200, UnitSchema)
@writes
def update_unit(body, unit_id):
    """Rename a unit, change its kind or document prefix, or move it under another parent."""
    orgadmin.update_unit(session(), editor(), unit_id, body)
    return editor().check_unit(session(), unit_id)


@blp.route(f"{UNIT}/close", methods=["POST"])
@blp.response(200, UnitSchema)
@writes
def close_unit(unit_id):
    """Close a unit without open work or open sub-units; its role grants end. 409 while work is open."""
    return orgadmin.close_unit(session(), editor(), unit_id)


@blp.route("/users")
@blp.arguments(UserListArgs, location="query")
@blp.response(200, UserPageSchema)
def users(args):
    """Users holding a role in my units (and users without any role), by username."""
    items, total = views.list_users(session(), editor(), q=args.get("q"), unit=args.get("unit"),
                                    active=args.get("active"), page=args["page"], per_page=args["per_page"])
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/users", methods=["POST"])
@blp.arguments(UserCreateSchema)
@blp.response(201, NewUserSchema)
@writes
def add_user(body):
    """Add a user with roles; the answer carries a temporary password, to be changed at first login."""
    user, password = orgadmin.add_user(session(), editor(), body, body.get("roles") or [])
    return dict(_user(user.username), temporary_password=password)


@blp.route(USER)
@blp.response(200, AdminUserSchema)
def get_user(username):
    """A user with every role grant (and whether it is in force today)."""
    return _user(username)


@blp.route(USER, methods=["PATCH"])
@blp.arguments(UserUpdateSchema)
@blp.response(200, AdminUserSchema)
@writes
def update_user(body, username):
    """Change a user's name or certificate number."""
    orgadmin.update_user(session(), editor(), username, body)
    return _user(username)


@blp.route(f"{USER}/deactivate", methods=["POST"])
@blp.response(200, DeactivatedSchema)
@writes
def deactivate(username):
    """Deactivate: every token and web session ends at once, claimed tasks go back to the queue."""
    done = orgadmin.deactivate(session(), editor(), username)
    return dict(_user(username), tokens_revoked=done["tokens"], tasks_released=done["tasks"])


@blp.route(f"{USER}/reactivate", methods=["POST"])
@blp.response(200, AdminUserSchema)
@writes
def reactivate(username):
    """Reactivate (the user signs in again; old tokens stay revoked)."""
    orgadmin.reactivate(session(), editor(), username)
    return _user(username)


@blp.route(f"{USER}/reset-password", methods=["POST"])
@blp.response(200, TemporaryPasswordSchema)
@writes
def reset_password(username):
    """A temporary password (shown once); the user's sessions end and a new password is due at next login."""
    return {"username": username, "temporary_password": orgadmin.reset_password(session(), editor(), username)}


@blp.route(f"{USER}/roles", methods=["POST"])
@blp.arguments(GrantSchema)
@blp.response(200, AdminUserSchema)
@writes
def grant(body, username):
    """Grant a role in a unit, optionally from / until a date (granting it again changes the dates)."""
    orgadmin.grant(session(), editor(), username, body["unit"], body["role"], body.get("valid_from"),
                   body.get("valid_until"))
    return _user(username)


@blp.route(f"{USER}/roles/<string(maxlength=64):unit_id>/<string(maxlength=32):role>", methods=["DELETE"])
@blp.response(200, AdminUserSchema)
@writes
def revoke(username, unit_id, role):
    """Revoke a role."""
    orgadmin.revoke(session(), editor(), username, unit_id, role)
    return _user(username)


@blp.route("/import", methods=["POST"])
@blp.arguments(ImportArgs, location="query")
@blp.response(200, ImportReportSchema)
@writes
def import_org(args):
    """Bring units, users and roles in line with a YAML or CSV file (request body, UTF-8); ``dry_run``
    reports what would change. Idempotent: importing the same file again changes nothing."""
    try:
        text = request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("文件须为 UTF-8 编码 / the file must be UTF-8", {"file": ["UTF-8"]}) from None
    report = importer.apply(session(), editor(), importer.parse(text, args["format"]))
    if args["dry_run"]:
        session().rollback()
    details = {k: v for k, v in vars(report).items() if k != "passwords"}
    return {"changed": report.changed, "summary": report.summary(), "details": details,
            "passwords": {} if args["dry_run"] else report.passwords}


@blp.route("/changes")
@blp.arguments(ChangeListArgs, location="query")
@blp.response(200, ChangePageSchema)
def change_log(args):
    """The administration change log, newest first: who changed what, when."""
    rows, total = changes.history(session(), target=args.get("target"), action=args.get("action"),
                                  page=args["page"], per_page=args["per_page"])
    return {"items": rows, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/incidents")
@blp.response(200, IncidentSchema(many=True))
def open_incidents():
    """Open incidents: work the platform stopped on a case by itself (e.g. a timer loop past the run budget)."""
    return incidents.list_open(session())


@blp.route("/incidents/<int(max=2147483647):incident_id>/resolve", methods=["POST"])
@blp.response(200, IncidentSchema)
@writes
def resolve_incident(incident_id):
    """Mark an incident resolved (after fixing the diagram or the case): its timers are swept again."""
    return incidents.resolve(session(), incident_id)
