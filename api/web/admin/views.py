"""Admin pages: thin over engine.orgadmin (the same services as /api/v1/admin)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.auth import current_user
from api.db import commit, session as db
from api.web.admin.blueprint import ROLE_LABELS, admin_bp
from api.web.guard import actor
from engine import orgadmin
from engine.errors import EngineError, ValidationFailed
from engine.models import Unit
from engine.orgadmin import changes, views as org_views
from engine.orgadmin.users import get_user

PER_PAGE = 30


def _units():
    return org_views.units_in_tree_order(db(), g.admin_editor)


def _form(*keys) -> dict:
    return {k: (request.form.get(k) or "").strip() or None for k in keys}


def _failed(exc: EngineError):
    errors = getattr(exc, "errors", {}) or {}
    return exc.detail, errors


@admin_bp.get("/admin", endpoint="units")
def units_page():
    return render_template("admin/units.html", units=_units(), error=None, errors={}, form={})


@admin_bp.post("/admin/units", endpoint="add_unit")
def add_unit():
    form = _form("id", "name", "kind", "parent", "doc_prefix")
    try:
        unit = orgadmin.add_unit(db(), g.admin_editor, form)
        commit()
    except EngineError as exc:
        error, errors = _failed(exc)
        return render_template("admin/units.html", units=_units(), error=error, errors=errors, form=form), 422
    flash(_("Unit %(name)s added.", name=unit.name))
    return redirect(url_for("admin_web.units"))


@admin_bp.post("/admin/units/<unit_id>", endpoint="update_unit")
def update_unit(unit_id):
    action = request.form.get("action")
    try:
        if action == "close":
            orgadmin.close_unit(db(), g.admin_editor, unit_id)
        else:
            data = {k: v for k, v in _form("name", "parent").items() if v is not None}
            orgadmin.update_unit(db(), g.admin_editor, unit_id, data)
        commit()
    except EngineError as exc:
        flash(_("Not changed: %(detail)s", detail=exc.detail))
        return redirect(url_for("admin_web.units"))
    flash(_("Unit closed.") if action == "close" else _("Unit saved."))
    return redirect(url_for("admin_web.units"))


@admin_bp.get("/admin/users", endpoint="users")
def users_page():
    page = max(1, request.args.get("page", 1, type=int) or 1)
    q = (request.args.get("q") or "").strip()[:64] or None
    items, total = org_views.list_users(db(), g.admin_editor, q=q, page=page, per_page=PER_PAGE)
    return render_template("admin/users.html", users=items, total=total, page=page, q=q or "",
                           units=[u for u, _d in _units() if u.closed_at is None], roles=ROLE_LABELS,
                           error=None, errors={}, form={}, pages=(total + PER_PAGE - 1) // PER_PAGE)


@admin_bp.post("/admin/users", endpoint="add_user")
def add_user():
    form = _form("username", "display_name", "certificate_no", "unit", "role")
    try:
        user, password = orgadmin.add_user(db(), g.admin_editor, form,
                                           [{"unit": form["unit"], "role": form["role"]}])
        commit()
    except EngineError as exc:
        error, errors = _failed(exc)
        items, total = org_views.list_users(db(), g.admin_editor, per_page=PER_PAGE)
        return render_template("admin/users.html", users=items, total=total, page=1, q="", pages=1,
                               units=[u for u, _d in _units() if u.closed_at is None], roles=ROLE_LABELS,
                               error=error, errors=errors, form=form), 422
    return render_template("admin/password_shown.html", username=user.username, password=password,
                           display_name=user.display_name, new=True)


def _detail(username, **extra):
    user = get_user(db(), g.admin_editor, username)
    history, _total = changes.history(db(), user=username, per_page=20)
    return render_template("admin/user.html", user=org_views.user_view(db(), user), history=history,
                           units=[u for u, _d in _units() if u.closed_at is None], roles=ROLE_LABELS,
                           error=extra.get("error"), errors=extra.get("errors", {}), form=extra.get("form", {}))


@admin_bp.get("/admin/users/<username>", endpoint="user")
def user_page(username):
    return _detail(username)


@admin_bp.post("/admin/users/<username>", endpoint="user_action")
def user_action(username):
    action = request.form.get("action")
    editor = g.admin_editor
    try:
        if action == "grant":
            form = _form("unit", "role", "valid_from", "valid_until")
            orgadmin.grant(db(), editor, get_user(db(), editor, username).username, form["unit"], form["role"],
                           form["valid_from"], form["valid_until"])
            message = _("Role granted.")
        elif action == "revoke":
            orgadmin.revoke(db(), editor, username, request.form.get("unit", ""), request.form.get("role", ""))
            message = _("Role revoked.")
        elif action == "deactivate":
            done = orgadmin.deactivate(db(), editor, username)
            message = _("User deactivated: signed out everywhere, %(n)s claimed tasks returned to the queue.",
                        n=done["tasks"])
        elif action == "reactivate":
            orgadmin.reactivate(db(), editor, username)
            message = _("User reactivated.")
        elif action == "reset":
            password = orgadmin.reset_password(db(), editor, username)
            commit()
            user = get_user(db(), editor, username)
            return render_template("admin/password_shown.html", username=username, password=password,
                                   display_name=user.display_name, new=False)
        elif action == "edit":
            orgadmin.update_user(db(), editor, username, _form("display_name", "certificate_no"))
            message = _("User saved.")
        else:
            raise ValidationFailed(_("Unknown action."))
        commit()
    except EngineError as exc:
        db().rollback()
        error, errors = _failed(exc)
        return _detail(username, error=error, errors=errors, form=request.form), 422
    flash(message)
    return redirect(url_for("admin_web.user", username=username))


@admin_bp.get("/admin/changes", endpoint="changes")
def changes_page():
    page = max(1, request.args.get("page", 1, type=int) or 1)
    rows, total = changes.history(db(), page=page, per_page=50)
    return render_template("admin/changes.html", rows=rows, page=page, pages=(total + 49) // 50)


@admin_bp.route("/account/password", methods=["GET", "POST"], endpoint="password")
def password():
    if actor() is None:
        return redirect(url_for("web.login"))
    user = g.web_user = current_user()
    errors = {}
    if request.method == "POST":
        try:
            orgadmin.change_password(db(), user, request.form.get("current_password", ""),
                                     request.form.get("new_password", ""))
            if request.form.get("new_password") != request.form.get("repeat_password"):
                raise ValidationFailed("", {"repeat_password": [_("The two new passwords differ.")]})
            commit()
            flash(_("Password changed."))
            return redirect(url_for("web.inbox"))
        except ValidationFailed as exc:
            db().rollback()
            errors = exc.errors
    return render_template("admin/password.html", errors=errors, forced=user.must_change_password), \
        422 if errors else 200


@admin_bp.app_template_filter("unit_name")
def unit_name(unit_id):
    unit = db().get(Unit, unit_id) if unit_id else None
    return unit.name if unit else unit_id
