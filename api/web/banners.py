"""Procedure changes as banners with links both ways: a simple case converted to an ordinary one, a township
case handed to the county, a joint inspection opening cases for the competent agencies."""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from api.db import session as db
from api.web import present
from engine.models import Case, Lead


def _reason(parent: Case) -> str:
    data = parent.data or {}
    if data.get("simple_outcome") == "converted_to_ordinary":
        return "converted"
    if data.get("case_outcome") == "handed_to_county":
        return "handed"
    if parent.process_key == "joint_inspection":
        return "joint"
    if parent.process_key == "escalated_procedure":
        return "escalated"
    return "other"


def _child_text(reason: str) -> str:
    return {
        "converted": _("Beyond the limits of the simple procedure: this case was converted to the ordinary "
                       "procedure and continues as"),
        "handed": _("Not a matter for the township: this case was handed to the county bureau and continues as"),
        "joint": _("The joint inspection found suspected violations; cases were opened for the competent agencies:"),
        "escalated": _("The case is handled at the higher level as"),
    }.get(reason, _("Cases opened from this case:"))


def _parent_text(reason: str) -> str:
    return {
        "converted": _("Converted from the simple-procedure case"),
        "handed": _("Handed over by the township case"),
        "joint": _("Opened from the joint inspection"),
        "escalated": _("Escalated from"),
    }.get(reason, _("Opened from the case"))


def _link(case: Case) -> dict:
    return {"href": url_for("web.case", case_id=case.id), "number": case.number,
            "procedure": present.procedure_name(case.process_key), "unit": present.unit_name(case.unit_id)}


def links(case: Case) -> list[dict]:
    """Banners for the case page and its task pages (children and parent are shown even outside scope:
    number only — following the link checks the scope)."""
    out = []
    children = list(db().scalars(select(Case).where(Case.parent_case_id == case.id).order_by(Case.id)))
    if children:
        out.append({"kind": "child", "text": _child_text(_reason(case)), "cases": [_link(c) for c in children]})
    if case.parent_case_id:
        parent = db().get(Case, case.parent_case_id)
        if parent is not None:
            out.append({"kind": "parent", "text": _parent_text(_reason(parent)), "cases": [_link(parent)]})
    for lead in db().scalars(select(Lead).where(Lead.case_id == case.id).order_by(Lead.id)):
        # the lead's number only; following the link checks the lead's own scope (reporters stay protected)
        out.append({"kind": "parent", "text": _("Opened from the lead"),
                    "cases": [{"href": url_for("intake.lead", lead_id=lead.id), "number": lead.number,
                               "procedure": _("Lead"), "unit": present.unit_name(lead.unit_id)}]})
    return out
