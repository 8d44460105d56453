"""Entity list (colour filters) and the entity record page."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.db import commit, session as db
from api.web import present
from api.web.guard import actor, login_required
from api.web.supervise import bp, labels
from engine import clock
from engine.deadlines.calendar import local_date
from engine.entities import record, registry
from engine.entities.config import COLOURS
from engine.errors import Forbidden
from engine.models import Unit
from sqlalchemy import select

PER_PAGE = 30


def _int(name: str, default: int, low: int, high: int) -> int:
    try:
        return min(max(int(request.args.get(name, default)), low), high)
    except ValueError:
        return default


@bp.get("/entities", endpoint="entities")
@login_required
def entity_list():
    me = actor()
    colour = request.args.get("colour") if request.args.get("colour") in COLOURS else None
    q = (request.args.get("q") or "").strip()[:200] or None
    townships = list(db().scalars(select(Unit).where(Unit.kind == "township", Unit.id.in_(list(me.visible_units)))
                                  .order_by(Unit.id)))
    township = request.args.get("township") if request.args.get("township") in {t.id for t in townships} else None
    due = local_date(clock.now()) if request.args.get("due") == "1" else None
    page = _int("page", 1, 1, 10000)
    items, total = registry.search(db(), me, colour=colour, township=township, q=q, due_before=due, page=page,
                                   per_page=PER_PAGE)
    return render_template("supervise/entities.html", items=items, total=total, page=page, per_page=PER_PAGE,
                           pages=max(1, -(-total // PER_PAGE)), counts=registry.counts(db(), me), colour=colour,
                           q=q or "", township=township, townships=townships, due=due is not None,
                           labels=labels, present=present,
                           may_register=bool(me.units_with(*registry.EDITORS)) and not me.read_only)


@bp.get("/entities/<int(max=2147483647):party_id>", endpoint="entity")
@login_required
def entity_page(party_id):
    me = actor()
    rec = record.entity_record(db(), me, party_id)
    active = rec["profile"].merged_into_id is None and not me.read_only
    return render_template("supervise/entity.html", rec=rec, p=rec["profile"], party=rec["party"], labels=labels,
                           present=present, may_edit=active and bool(me.units_with(*registry.EDITORS)),
                           may_merge=active and bool(me.units_with(*registry.MERGERS)))


@bp.post("/entities/<int(max=2147483647):party_id>/complaints/<int(max=2147483647):lead_id>",
         endpoint="entity_complaint")
@login_required
def entity_complaint(party_id, lead_id):
    """The officer's word on a name match: the complaint is (not) about this entity; the colour follows."""
    me = actor()
    if me.read_only:
        raise Forbidden("Auditors have read-only access.", zh="审计人员为只读权限")
    profile = registry.decide_complaint(db(), me, party_id, lead_id, request.form.get("about") == "1")
    commit()
    flash(_("Recorded; the colour code was recomputed: %(colour)s.",
            colour=labels.label(labels.COLOURS, profile.colour)))
    return redirect(url_for("supervise.entity", party_id=party_id) + "#complaints")
