"""Display labels for supervision codes (colours, triggers, results, outcomes) — translated per request."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

COLOURS = {"green": _l("Green code"), "yellow": _l("Yellow code"), "red": _l("Red code")}
TRIGGERS = {"inspection": _l("Inspection result"), "case_closed": _l("Case closed"), "profile": _l("Profile changed"),
            "merge": _l("Records merged"), "manual": _l("Recomputed"),
            "review": _l("Reconsideration or litigation outcome"), "ageing": _l("Look-back window passed"),
            "complaint": _l("Complaint confirmed")}
MATCHED = {"confirmed": _l("confirmed by an officer"), "id_number": _l("by credit code / ID number"),
           "name": _l("by name"), "case": _l("through its case")}
RISKS = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")}
CREDITS = {"good": _l("Good"), "normal": _l("Normal"), "poor": _l("Poor")}
RESULTS = {"no_problem": _l("No problem"), "correct": _l("Order to correct"), "violation": _l("Suspected violation")}
OUTCOMES = {"penalised": _l("Penalised"), "simple_penalty": _l("On-the-spot penalty"), "no_penalty": _l("No penalty"),
            "not_established": _l("Violation not established"), "transfer_agency": _l("Transferred to agency"),
            "transfer_judicial": _l("Transferred to judicial organs"), "converted": _l("Converted to ordinary"),
            "not_opened": _l("Not opened"), "handed_to_county": _l("Handed to the county"), "closed": _l("Concluded"),
            "running": _l("In progress"), "cancelled": _l("Cancelled")}
REVIEWS = {"reconsideration": _l("Reconsideration"), "litigation": _l("Litigation")}
REVIEW_RESULTS = {"upheld": _l("Upheld"), "reversed": _l("Reversed"), "modified": _l("Modified"),
                  "confirmed_illegal": _l("Confirmed unlawful"), "void": _l("Confirmed void"),
                  "withdrawn": _l("Withdrawn")}
PLAN_STATES = {"draft": _l("Draft"), "drawn": _l("Drawn"), "approved": _l("Approved and published")}
INPUTS = {"penalties_24m": _l("Penalties in 24 months"), "ordinary_penalties_24m": _l("of which ordinary procedure"),
          "suspected_violations": _l("Suspected violations being handled"), "uncorrected": _l("Uncorrected defects"),
          "complaints_12m": _l("Complaints in 12 months"), "major_hazard": _l("Major hazard"),
          "credit": _l("Credit")}


def label(table: dict, key) -> str:
    return str(table.get(key, key)) if key is not None else ""
