"""Moving running cases to another version of their procedure (issue 15).

- ``plan``: a plan (source → target version, element mapping, whether open tasks follow the target), who may;
- ``verdicts``: the dry run — every running case judged safe / needs mapping / unsafe, with the reasons in words;
- ``apply``: moving cases, each in its own transaction under its case lock, in batches;
- ``revert``: putting a case back while nothing has happened on it since;
- ``followup``/``snapshot``: open tasks and clocks after a move; what a case was before it.

Each move and revert is an event in the case's hash-chained log; replay re-runs a moved case on the version in
force at each step (engine/replay.py).
"""
from engine.migration.apply import FAILED, MIGRATED, REFUSED, REVERTED, Outcome, Refused, migrate_case, run_plan
from engine.migration.plan import check_may_migrate, comparison, create_plan, get_plan, parse_mapping, plans_for
from engine.migration.revert import revert_case
from engine.migration.verdicts import CaseVerdict, dry_run, judge, summary
from engine.migration.words import LEVELS, NEEDS_MAPPING, SAFE, UNSAFE, VERDICT_WORDS

__all__ = ["create_plan", "get_plan", "plans_for", "parse_mapping", "comparison", "check_may_migrate", "dry_run",
           "judge", "summary", "CaseVerdict", "migrate_case", "run_plan", "revert_case", "Outcome", "Refused",
           "MIGRATED", "REVERTED", "REFUSED", "FAILED", "SAFE", "NEEDS_MAPPING", "UNSAFE", "LEVELS", "VERDICT_WORDS"]
