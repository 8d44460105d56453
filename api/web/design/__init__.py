"""The designers' workspace pages under /design (role designer or admin; everyone else gets 404).

Thin over the engine (engine.catalog, engine.drafts, engine.retire, engine.versiondiff); the editor page talks
to the JSON API (/api/v1/design) with the session cookie.
"""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.db import commit, session as db
from api.web.guard import actor, check_csrf, login_required
from engine import catalog, deploy, drafts, retire, versiondiff
from engine.models import Membership
from engine.statuses import Role

from .labels import editor_config

bp = Blueprint("design", __name__, url_prefix="/design", template_folder="../templates")
bp.before_request(check_csrf)

STATE_LABELS = {"deployed": "In service", "retired": "Retired", "draft": "Draft"}


def designer_required(view):
    from functools import wraps

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        me = actor()
        if not me.units_with(Role.DESIGNER, Role.ADMIN) or me.read_only:
            abort(404)
        return view(*args, **kwargs)
    return wrapper


@bp.get("", endpoint="home")
@designer_required
def home():
    return render_template("design/procedures.html", procedures=catalog.procedures(db()),
                           states={k: _(v) for k, v in STATE_LABELS.items()})


@bp.post("/import", endpoint="import_diagram")
@designer_required
def import_diagram():
    """A draft from an uploaded .bpmn (foreign diagrams too: the editor then maps their lanes to roles)."""
    upload = request.files.get("file")
    data = upload.read(4_000_001) if upload else b""
    if len(data) > 4_000_000:
        from engine.errors import PayloadTooLarge
        raise PayloadTooLarge("the diagram is larger than 4 MB", zh="流程图超过 4 MB")
    draft = drafts.from_upload(db(), upload.filename if upload else "", data, actor().username)
    commit()
    return redirect(url_for("design.editor", draft_id=draft.id))


@bp.post("/<key>/versions/<int(max=2147483647):version>/draft", endpoint="new_draft")
@designer_required
def new_draft(key, version):
    draft = drafts.from_version(db(), key, version, actor().username)
    commit()
    return redirect(url_for("design.editor", draft_id=draft.id))


@bp.post("/<key>/versions/<int(max=2147483647):version>/retire", endpoint="retire_version")
@designer_required
def retire_version(key, version):
    retire.retire_version(db(), key, version, actor().username, (request.form.get("note") or "").strip() or None)
    commit()
    return redirect(url_for("design.home"))


@bp.post("/<key>/retire", endpoint="retire_procedure")
@designer_required
def retire_procedure(key):
    retire.retire_procedure(db(), key, actor().username, (request.form.get("note") or "").strip() or None)
    commit()
    return redirect(url_for("design.home"))


@bp.get("/drafts/<int(max=2147483647):draft_id>", endpoint="editor")
@designer_required
def editor(draft_id):
    draft = drafts.get(db(), draft_id)
    roles = sorted(set(db().scalars(Membership.__table__.select().with_only_columns(Membership.role).distinct())))
    return render_template("design/editor.html", draft=draft, config=editor_config(roles or list(Role.ALL)))


@bp.get("/form-frame", endpoint="form_frame")
@designer_required
def form_frame():
    """The form-js editor in a frame of the editor page (isolated from bpmn-js); only this page may be framed,
    and only by this site."""
    from flask import make_response

    from api.security import content_security_policy, csp_nonce
    response = make_response(render_template("design/form_frame.html"))
    response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce()).replace(
        "frame-ancestors 'none'", "frame-ancestors 'self'")
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/<key>/diff", endpoint="diff")
@designer_required
def diff(key):
    proc = catalog.procedure(db(), key)
    numbers = [v.version for v in proc.versions]
    try:
        new_n = int(request.args.get("to") or numbers[0])
        old_n = int(request.args.get("from") or (numbers[1] if len(numbers) > 1 else numbers[0]))
    except (ValueError, IndexError):
        abort(404)
    old, new = deploy.get_version(db(), key, old_n), deploy.get_version(db(), key, new_n)
    result = versiondiff.compare(old.bundle or {"bpmn": {old.file_name: old.bpmn_xml}},
                                 new.bundle or {"bpmn": {new.file_name: new.bpmn_xml}})
    from .labels import PROPERTY_LABELS
    return render_template("design/diff.html", proc=proc, old=old, new=new, diff=result,
                           prop_labels={k: str(v) for k, v in PROPERTY_LABELS.items()},
                           colours={e["id"]: e["change"] for e in result["elements"]})


@bp.get("/<key>/versions/<int(max=2147483647):version>/diagram.bpmn", endpoint="diagram")
@designer_required
def diagram(key, version):
    from flask import Response
    return Response(deploy.get_version(db(), key, version).bpmn_xml, mimetype="application/xml")


@bp.app_context_processor
def design_nav():
    me = g.get("web_user") and actor()
    return {"is_designer": bool(me and me.units_with(Role.DESIGNER, Role.ADMIN) and not me.read_only)}


from api.web.design import migrate  # noqa: E402,F401  (迁移运行中的案件: its own module, issue 15)
