"""Integrity verdicts in words (Chinese first through Flask-Babel; English when the UI language is English)."""
from __future__ import annotations

from flask_babel import gettext as _

from engine.org import Actor
from engine.statuses import Role


def may_see_integrity(actor: Actor) -> bool:
    """Integrity badges are for auditors and supervisors."""
    return bool(actor.units_with(*Role.OVERSEERS))


def summary(verdict: str, step: int | None, reason: str | None, detail: dict | None, events: int = 0,
            labels: dict | None = None) -> str:
    detail = detail or {}
    labels = labels or {}
    if verdict == "intact":
        return _("Intact: the hash chain verifies and the replay reproduces the case (%(n)d events)", n=events)
    step_no = step or 0
    if reason == "chain":
        return _("Altered at step %(step)d: the record no longer matches its hash", step=step_no)
    if reason == "link":
        return _("Altered at step %(step)d: the hash chain is broken before this step", step=step_no)
    if reason == "gap":
        return _("Altered at step %(step)d: an event is missing or was inserted", step=step_no)
    if reason == "step":
        return _("Altered at step %(step)d: the recorded step cannot happen on the procedure version", step=step_no)
    if reason == "data":
        keys = "、".join(labels.get(k, k) for k in (detail.get("differences") or {}))
        return _("Altered at step %(step)d: the stored data differs from what the event log produces (%(keys)s)",
                 step=step_no, keys=keys)
    if reason == "form":  # the recorded submission does not fit the form of the version in force at that step
        form = detail.get("form") or {}
        fields = "、".join(form.get("labels", {}).get(k, k) for k in form.get("fields") or {})
        return _("Altered at step %(step)d: the recorded submission does not fit the form of its version (%(fields)s)",
                 step=step_no, fields=fields or form.get("form", ""))
    if reason == "state":
        return _("Altered: the stored end state differs from what the event log produces")
    if reason == "tasks":
        return _("Altered: the stored open tasks differ from what the event log produces")
    if reason == "spec":
        return _("Cannot replay: the procedure version cannot be loaded")
    if reason == "start":
        return _("Cannot replay: the case has no start event")
    return _("Cannot replay at step %(step)d: the procedure failed (%(why)s)", step=step_no,
             why=detail.get("message", ""))


def verdict_label(verdict: str | None) -> str:
    return {"intact": _("Intact"), "altered": _("Altered"), "unreplayable": _("Cannot replay")}.get(
        verdict or "", _("Not checked"))
