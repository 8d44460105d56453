"""Cases (process instances): start, list, detail, history and its integrity check."""
from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import func, select

from api import present
from api.auth import current_actor, require_auth, writes
from api.db import session
from api.audit import words
from api.schemas.cases import (CaseDetailSchema, CaseListArgs, CaseListPageSchema, EventSchema, StartCaseSchema,
                               VerifySchema)
from engine import cases, events, inbox
from engine.caselist import CaseFilter, list_cases
from engine.errors import Forbidden
from engine.models import Case, CaseEvent, Party, ProcessVersion

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="Cases (process instances)")
blp.before_request(require_auth)


def detail(case: Case) -> dict:
    db, actor = session(), current_actor()
    version = db.get(ProcessVersion, case.process_version_id)
    parties = [db.get(Party, link.party_id) for link in case.parties]
    open_tasks = [(t, case) for t in inbox.open_tasks(db, case.id)]
    return {
        "id": case.id, "number": case.number, "title": case.title, "process_key": case.process_key,
        "unit_id": case.unit_id, "state": case.state, "version": case.version, "opened_at": case.opened_at,
        "closed_at": case.closed_at, "parent_case_id": case.parent_case_id, "data": case.data or {},
        "parties": parties,
        "process": {"id": version.id, "key": version.process_key, "version": version.version, "name": version.name},
        "tasks": present.tasks(db, open_tasks, actor),
    }


@blp.route("", methods=["POST"])
@blp.arguments(StartCaseSchema)
@blp.response(201, CaseDetailSchema)
@writes
def start(body):
    """Start a case of the latest version of a procedure, handled by ``unit``; ``data`` is checked
    against the procedure's start form."""
    case = cases.start_case(session(), current_actor(), body["procedure"], body["unit"], body["data"],
                            party=body.get("party"), title=body.get("title"))
    session().flush()
    return detail(case)


@blp.route("")
@blp.arguments(CaseListArgs, location="query")
@blp.response(200, CaseListPageSchema)
def list_(args):
    """Search the cases in my scope: number, party name or ID number, handling unit, procedure, state,
    opened/closed date ranges, deadline colour, overdue clocks, integrity verdict; sorted and paged.

    ``total`` stops counting at 10,000 (``total_capped``: there are more — 「10,000 条以上」); numbered pages
    reach the first 10,000 matches, ``after`` = the previous page's ``next_cursor`` goes on at any depth.
    ``sort=closed_at`` lists closed cases only. ``integrity`` is shown to auditors and supervisors only.
    """
    actor = current_actor()
    overseer = words.may_see_integrity(actor)
    f = filter_from(args, overseer)
    page = list_cases(session(), actor, f, args["page"], args["per_page"], args["sort"], args["order"] == "desc",
                      after=args.get("after"))
    items = []
    for case in page.items:
        row = page.verdicts.get(case.id) if overseer else None
        items.append({
            "id": case.id, "number": case.number, "title": case.title, "process_key": case.process_key,
            "unit_id": case.unit_id, "state": case.state, "version": case.version, "opened_at": case.opened_at,
            "closed_at": case.closed_at, "parent_case_id": case.parent_case_id,
            "parties": [link.party.name for link in case.parties], "colour": page.colours.get(case.id),
            "integrity": None if row is None else {
                "verdict": row.verdict, "step": row.step, "reason": row.reason, "checked_at": row.checked_at,
                "summary": words.summary(row.verdict, row.step, row.reason, row.detail, row.events)},
        })
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page,
            "total_capped": page.capped, "next_cursor": page.next_cursor}


def filter_from(args: dict, overseer: bool) -> CaseFilter:
    integrity = args.get("integrity")
    if integrity and not overseer:
        raise Forbidden("只有审计人员和督办员可以按完整性检索 (only auditors and supervisors filter by integrity)")
    return CaseFilter(number=args.get("number"), party=args.get("party"), procedure=args.get("procedure"),
                      unit=args.get("unit"), state=args.get("state"), opened_from=args.get("opened_from"),
                      opened_to=args.get("opened_to"), closed_from=args.get("closed_from"),
                      closed_to=args.get("closed_to"), colour=args.get("colour"), overdue=args.get("overdue"),
                      integrity=integrity)


@blp.route("/<int(max=2147483647):case_id>")
@blp.response(200, CaseDetailSchema)
def get(case_id):
    """A case with its data, open tasks, parties and process version."""
    return detail(cases.get_case(session(), current_actor(), case_id))


@blp.route("/<int(max=2147483647):case_id>/events")
@blp.response(200, EventSchema(many=True))
def history(case_id):
    """The case's event history, oldest first."""
    case = cases.get_case(session(), current_actor(), case_id)
    rows = events.history(session(), case.id)
    names = present.usernames(session(), (e.actor_id for e in rows))
    return [{"seq": e.seq, "type": e.type, "at": e.at, "actor": names.get(e.actor_id), "task_id": e.task_id,
             "task_spec": e.task_spec, "data": e.data or {}, "hash": e.hash} for e in rows]


@blp.route("/<int(max=2147483647):case_id>/events/verify")
@blp.response(200, VerifySchema)
def verify(case_id):
    """Recompute the hash chain: intact, or the first altered event's seq."""
    case = cases.get_case(session(), current_actor(), case_id)
    first_bad = events.verify(session(), case.id)
    count = session().scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))
    return {"intact": first_bad is None, "first_altered_seq": first_bad, "events": count}
