"""Blueprint, guards and labels of the admin workspace."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from api.db import session as db
from api.web.guard import actor, check_csrf
from engine import orgadmin
from engine.errors import Forbidden
from engine.statuses import Role

admin_bp = Blueprint("admin_web", __name__, template_folder="templates")
admin_bp.before_request(check_csrf)

ROLE_LABELS = {
    Role.OFFICER: _l("Officer"), Role.SUPPORT: _l("Support staff"), Role.SQUAD_LEADER: _l("Squad leader"),
    Role.CASE_REVIEWER: _l("Case reviewer"), Role.LEGAL_REVIEWER: _l("Legal reviewer"),
    Role.AGENCY_HEAD: _l("Agency head"), Role.HEARING_OFFICER: _l("Hearing officer"),
    Role.SUPERVISOR: _l("Supervisor"), Role.AUDITOR: _l("Auditor"), Role.DESIGNER: _l("Process designer"),
    Role.ADMIN: _l("Administrator"), Role.DISPATCHER: _l("Dispatcher"), Role.DEPUTY_HEAD: _l("Deputy head"),
    Role.INSPECTOR: _l("Inspector"),
}
KIND_LABELS = {
    "office": _l("Coordination office"), "bureau": _l("Bureau"), "legal_section": _l("Legal section"),
    "command_center": _l("Command centre"), "direct_squad": _l("Direct squad"), "township": _l("Township squad"),
    "agency": _l("Partner agency"), "section": _l("Section"),
}
ACTION_LABELS = {
    "unit.add": _l("Unit added"), "unit.update": _l("Unit changed"), "unit.move": _l("Unit moved"),
    "unit.close": _l("Unit closed"), "user.add": _l("User added"), "user.update": _l("User changed"),
    "user.deactivate": _l("User deactivated"), "user.reactivate": _l("User reactivated"),
    "user.reset_password": _l("Password reset"), "user.change_password": _l("Password changed"),
    "role.grant": _l("Role granted"), "role.dates": _l("Role dates changed"), "role.revoke": _l("Role revoked"),
    "org.import": _l("Organisation imported"),
}


def admin_editor() -> orgadmin.Editor:
    return orgadmin.editor_for(db(), actor())


@admin_bp.before_request
def _guard():
    if request.endpoint == "admin_web.password":
        return None
    me = actor()
    if me is None:
        return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
    g.web_user = me and _user()
    if g.web_user.must_change_password:
        return redirect(url_for("admin_web.password"))
    try:
        g.admin_editor = admin_editor()
    except Forbidden as exc:
        return render_template("error.html", status=403, detail=exc.detail), 403
    return None


def _user():
    from api.auth import current_user
    return current_user()


@admin_bp.app_context_processor
def admin_globals():
    me = g.get("zhifa_actor")
    return {"web_is_admin": bool(me and me.units_with(Role.ADMIN)), "role_labels": ROLE_LABELS,
            "kind_labels": KIND_LABELS, "action_labels": ACTION_LABELS}
