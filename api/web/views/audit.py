"""Auditors' pieces of the case page: the integrity verdict (live for auditors and supervisors) and audit links.

``case.html`` includes ``_audit_bar.html``, which calls :func:`audit_bar` (a template global), so the case
page's view stays the officers' own.
"""
from __future__ import annotations

from flask import g

from api.audit import words
from api.db import session as db
from api.web import forms_labels
from api.web.blueprint import bp
from engine import integrity
from engine.models import Case


def audit_bar(case: Case) -> dict | None:
    me = g.get("web_actor")
    if me is None:
        from api.web.guard import actor
        me = actor()
    if me is None or not words.may_see_integrity(me):
        return None
    verdict = integrity.verify_case(db(), case)
    stored = db().get(integrity.CaseIntegrity, case.id)
    if stored is None or (stored.verdict, stored.step, stored.reason) != (verdict.verdict, verdict.step,
                                                                           verdict.reason):
        integrity.record(db(), case, verdict)   # what the auditor saw is what the search finds
        db().commit()
    labels = forms_labels.for_case(db(), case)
    differences = [{"label": labels.get(k, k), "stored": forms_labels.show(v.get("stored")),
                    "replayed": forms_labels.show(v.get("replayed"))}
                   for k, v in (verdict.detail.get("differences") or {}).items()]
    return {"verdict": verdict, "label": words.verdict_label(verdict.verdict),
            "summary": words.summary(verdict.verdict, verdict.step, verdict.reason, verdict.detail,
                                     verdict.events, labels),
            "differences": differences}


# (endpoint, label) links in the audit bar; the history and export views add theirs when they register.
AUDIT_LINKS: list[tuple[str, object]] = []


@bp.app_context_processor
def audit_globals():
    return {"audit_bar": audit_bar, "audit_links": AUDIT_LINKS}
