"""Entity forms: register, edit, merge a duplicate (pick → confirm), and 复议/诉讼 outcomes on a closed case.

Thin over engine.entities (registry, reviews): a refused form is shown again with the fields kept and the
messages in the user's language (422), nothing written.
"""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from api.db import commit, session as db
from api.language import pick
from api.web import present
from api.web.guard import actor, login_required
from api.web.supervise import bp, labels
from engine import clock
from engine.cases import get_case
from engine.deadlines.calendar import local_date
from engine.entities import colours, registry, reviews
from engine.entities.config import CREDITS, RISKS
from engine.errors import Forbidden, ValidationFailed
from engine.models import CaseParty, EntityProfile, Unit

ID = "<int(max=2147483647):party_id>"
LICENCE_ROWS = 3  # blank rows offered besides the entity's licences


def _writable(me) -> None:
    if me.read_only:
        raise Forbidden("Auditors have read-only access.", zh="审计人员为只读权限")


def _townships(me):
    """The townships whose entities the user sees (a township's officers: their own; county staff: all)."""
    every = list(db().scalars(select(Unit).where(Unit.kind == "township").order_by(Unit.id)))
    return [t for t in every if t.id in me.visible_units] or every


def _licences(form) -> list[dict]:
    out = []
    for i in range(int(form.get("licence_rows") or 0)):
        kind, number = (form.get(f"licence_kind_{i}") or "").strip(), (form.get(f"licence_number_{i}") or "").strip()
        if kind or number:
            out.append({"kind": kind, "number": number, "valid_until": form.get(f"licence_until_{i}") or None})
    return out


def _profile(form) -> dict:
    return {"township_id": form.get("township_id") or None, "industry": form.get("industry") or None,
            "risk_level": form.get("risk_level"), "credit": form.get("credit"),
            "major_hazard": form.get("major_hazard") == "1", "licences": _licences(form)}


def _party(form) -> dict:
    return {"name": form.get("name", ""), "address": form.get("address") or None, "phone": form.get("phone") or None}


def _field_errors(exc: ValidationFailed) -> tuple[str, dict[str, list[str]]]:
    detail, errors = pick(exc)
    return detail, {k.split(".", 1)[-1]: v for k, v in (errors or {}).items()}


def _form_page(template: str, status: int = 200, **kw):
    me = actor()
    return render_template(template, townships=_townships(me), risks=RISKS, credits=CREDITS, labels=labels,
                           present=present, licence_rows=LICENCE_ROWS, **kw), status


@bp.route("/entities/new", methods=["GET", "POST"], endpoint="entity_new")
@login_required
def entity_new():
    me = actor()
    if not me.units_with(*registry.EDITORS):
        raise Forbidden("Registering an entity needs the officer, squad leader or head role.",
                        zh="登记监管对象需要执法队员、中队长或负责人角色")
    form, errors, detail = request.form, {}, None
    if request.method == "POST":
        _writable(me)
        party = dict(_party(form), kind=form.get("kind"), id_number=form.get("id_number", ""))
        try:
            profile = registry.register(db(), me, party, _profile(form))
            commit()
            flash(_("Entity registered: %(colour)s.", colour=labels.label(labels.COLOURS, profile.colour)))
            return redirect(url_for("supervise.entity", party_id=profile.party_id))
        except ValidationFailed as exc:
            db().rollback()
            detail, errors = _field_errors(exc)
    return _form_page("supervise/entity_form.html", 422 if errors else 200, form=form, errors=errors,
                      detail=detail, new=True, p=None, party=None)


@bp.route(f"/entities/{ID}/edit", methods=["GET", "POST"], endpoint="entity_edit")
@login_required
def entity_edit(party_id):
    me = actor()
    p = registry.get(db(), me, party_id)
    form, errors, detail = request.form, {}, None
    if request.method == "POST":
        _writable(me)
        try:
            registry.edit(db(), me, party_id, _party(form), _profile(form))
            commit()
            flash(_("Changes saved; the colour code was recomputed."))
            return redirect(url_for("supervise.entity", party_id=party_id))
        except ValidationFailed as exc:
            db().rollback()
            detail, errors = _field_errors(exc)
            p = registry.get(db(), me, party_id)
    return _form_page("supervise/entity_form.html", 422 if errors else 200, form=form, errors=errors,
                      detail=detail, new=False, p=p, party=p.party)


@bp.route(f"/entities/{ID}/merge", methods=["GET", "POST"], endpoint="entity_merge")
@login_required
def entity_merge(party_id):
    """This record is a duplicate: pick the record to keep, see what moves, confirm with a reason."""
    me = actor()
    source = registry.get(db(), me, party_id)
    if not me.units_with(*registry.MERGERS):
        raise Forbidden("Merging entities needs the squad leader or head role.", zh="合并监管对象需要中队长或负责人角色")
    args = request.form if request.method == "POST" else request.args
    errors, detail, target = {}, None, None
    try:
        target_id = int(args.get("target_id") or 0)
    except ValueError:
        target_id = 0
    if target_id:
        target = registry.get(db(), me, target_id)
    if request.method == "POST":
        _writable(me)
        if args.get("confirm") != "1":
            errors = {"confirm": [_("Tick the box to confirm the merge.")]}
        else:
            try:
                registry.merge(db(), me, party_id, target_id, args.get("reason", ""))
                commit()
                flash(_("Records merged: the duplicate's cases now belong to this record; the duplicate is kept in "
                        "the history."))
                return redirect(url_for("supervise.entity", party_id=target_id))
            except ValidationFailed as exc:
                db().rollback()
                detail, errors = _field_errors(exc)
                source, target = registry.get(db(), me, party_id), registry.get(db(), me, target_id)
    q = (args.get("q") or "").strip()[:200]
    found = []
    if q and target is None:
        found = [e for e in registry.search(db(), me, q=q, per_page=20)[0] if e.party_id != party_id]
    cases_of = {pid: db().scalar(select(func.count()).select_from(CaseParty).where(CaseParty.party_id == pid))
                for pid in filter(None, (party_id, target.party_id if target else None))}
    return render_template("supervise/merge.html", source=source, target=target, q=q, found=found,
                           cases_of=cases_of, errors=errors, detail=detail, form=args, labels=labels,
                           present=present), (422 if errors else 200)


@bp.route("/cases/<int(max=2147483647):case_id>/reviews", methods=["GET", "POST"], endpoint="case_reviews")
@login_required
def case_reviews(case_id):
    """复议/诉讼 outcomes on a closed case's decision, and what they did to the parties' colour codes."""
    me = actor()
    case = get_case(db(), me, case_id)
    form, errors, detail = request.form, {}, None
    if request.method == "POST":
        _writable(me)
        try:
            decided_on = date.fromisoformat(form.get("decided_on", ""))
        except ValueError:
            decided_on = None
        try:
            reviews.record(db(), me, case_id, form.get("kind", ""), form.get("result", ""), decided_on,
                           form.get("note") or None)
            commit()
            flash(_("Outcome recorded; the parties' colour codes were recomputed."))
            return redirect(url_for("supervise.case_reviews", case_id=case_id))
        except ValidationFailed as exc:
            db().rollback()
            detail, errors = _field_errors(exc)
            case = get_case(db(), me, case_id)
    party_ids = [link.party_id for link in case.parties]
    profiles = list(db().scalars(select(EntityProfile).where(EntityProfile.party_id.in_(party_ids)))) \
        if party_ids else []
    return render_template("supervise/reviews.html", case=case, reviews=reviews.for_case(db(), case_id),
                           profiles=profiles, penalty=colours.penalty_of(case), form=form, errors=errors,
                           detail=detail, may=reviews.may_record(me, case) and not me.read_only
                           and case.state == "completed", today=local_date(clock.now()), labels=labels,
                           present=present, kinds=reviews.KINDS, results=reviews.RESULTS), (422 if errors else 200)
