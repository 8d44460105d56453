"""Intake administration pages (administrators): lead channels and their API keys (add a channel, issue a key —
shown once —, revoke it, see when it was issued and last used), editing one matter of the catalogue
(competent unit, delegation, keywords, legal basis …; every save is a new catalogue version) and the gazetteer
of places that resolves a lead's place to a township."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from api.db import commit, session as db
from api.language import pick
from api.web import present
from api.web.guard import actor, login_required
from api.web.intake import bp
from engine.errors import Conflict, NotFound, ValidationFailed
from engine.intake import catalogue, channels, places
from engine.models import Unit

COUNTY_KINDS = ("bureau", "direct_squad", "agency")


def _channels_page(new_key: dict | None = None, errors: dict | None = None, detail: str | None = None,
                   form=None, status: int = 200):
    me = actor()
    channels.check_admin(me)
    return render_template("intake/channels.html", present=present, channels=channels.all_channels(db()),
                           new_key=new_key, errors=errors or {}, detail=detail, form=form or {}), status


@bp.get("/channels", endpoint="channels")
@login_required
def channels_page():
    return _channels_page()


@bp.post("/channels", endpoint="channel_create")
@login_required
def channel_create():
    f = request.form
    try:
        channel = channels.create(db(), actor(), f.get("id"), f.get("name"))
    except (ValidationFailed, Conflict) as exc:
        db().rollback()
        detail, errors = pick(exc)
        return _channels_page(errors=errors or {"id": [detail]}, detail=detail, form=f,
                              status=409 if isinstance(exc, Conflict) else 422)
    commit()
    flash(_("Channel %(name)s added. Issue its key to connect the external system.", name=channel.name))
    return redirect(url_for("intake.channels"))


@bp.post("/channels/<string(maxlength=32):channel_id>/key", endpoint="channel_key")
@login_required
def channel_key(channel_id):
    """Issue a key and show it on this answer only (never stored in clear, never put in the session)."""
    key = channels.issue_key(db(), channel_id, actor())
    commit()
    channel = next(c for c in channels.all_channels(db()) if c.id == channel_id)
    return _channels_page(new_key={"channel": channel, "key": key})


@bp.post("/channels/<string(maxlength=32):channel_id>/revoke", endpoint="channel_revoke")
@login_required
def channel_revoke(channel_id):
    try:
        channel = channels.revoke_key(db(), actor(), channel_id)
    except Conflict as exc:
        db().rollback()
        flash(pick(exc)[0])
        return redirect(url_for("intake.channels"))
    commit()
    flash(_("The key of %(name)s is revoked; it no longer works.", name=channel.name))
    return redirect(url_for("intake.channels"))


def _county_units():
    return list(db().scalars(select(Unit).where(Unit.kind.in_(COUNTY_KINDS)).order_by(Unit.kind, Unit.id)))


@bp.route("/catalogue/matters/<string(minlength=1, maxlength=40):code>", methods=["GET", "POST"],
          endpoint="matter")
@login_required
def matter_page(code):
    me = actor()
    catalogue.check_admin(me)
    version = catalogue.current(db())
    if version is None:
        raise NotFound("no catalogue yet", zh="尚未导入执法事项目录")
    current = catalogue.matter(db(), version.id, code)   # 404 for an unknown code
    values, errors, detail, status = catalogue.as_row(current), {}, None, 200
    if request.method == "POST":
        f = request.form
        changes = {"name": f.get("name", ""), "field": f.get("field", ""), "legal_basis": f.get("legal_basis", ""),
                   "keywords": f.get("keywords", ""), "synonyms": f.get("synonyms", ""),
                   "levels": "|".join(f.getlist("levels")), "delegated": "是" if f.get("delegated") else "否",
                   "county_unit": f.get("county_unit") or "", "procedure": f.get("procedure", "")}
        try:
            new = catalogue.edit_matter(db(), me, code, changes, (f.get("note") or "").strip()[:300])
        except ValidationFailed as exc:
            db().rollback()
            detail, raw = pick(exc)
            errors = {k.split(".", 1)[-1]: v for k, v in (raw or {}).items()}
            values = {**values, **changes, "levels": f.getlist("levels"), "delegated": bool(f.get("delegated"))}
            status = 422
        else:
            commit()
            flash(_("Matter %(code)s saved as catalogue version %(v)d.", code=code, v=new.id))
            return redirect(url_for("intake.catalogue"))
    fields = sorted({m.field for m in catalogue.matters(db(), version.id)})
    return render_template("intake/matter.html", present=present, code=code, m=values, version=version,
                           fields=fields, units=_county_units(), errors=errors, detail=detail,
                           procedures=catalogue.PROCEDURES), status


@bp.route("/places", methods=["GET", "POST"], endpoint="places")
@login_required
def places_page():
    """The gazetteer per township, and a CSV/XLSX import (administrators)."""
    me = actor()
    catalogue.check_admin(me)
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            if upload is None or not upload.filename:
                raise ValidationFailed("choose a CSV or XLSX file", {"file": ["required"]},
                                       zh="请选择 CSV 或 XLSX 文件", errors_zh={"file": ["必填"]})
            n = places.import_file(db(), me, upload.read(), upload.filename)
        except ValidationFailed as exc:
            db().rollback()
            detail, errors = pick(exc)
            flash(f"{detail}：" + "；".join(f"{k}: {'、'.join(v)}" for k, v in list((errors or {}).items())[:10]))
        else:
            commit()
            flash(_("%(n)d places imported.", n=n))
        return redirect(url_for("intake.places"))
    by_unit: dict[str, list] = {}
    for place in places.listing(db()):
        by_unit.setdefault(place.unit_id, []).append(place)
    return render_template("intake/places.html", present=present, by_unit=by_unit, kinds=KIND_NAMES)


KIND_NAMES = {"township": "Township", "community": "Community", "road": "Road", "landmark": "Landmark",
              "grid": "Grid cell"}
