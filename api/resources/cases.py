"""Cases (process instances): start, list, detail, history and its integrity check."""
from __future__ import annotations

from flask_smorest import Blueprint
from sqlalchemy import func, select

from api import present
from api.auth import current_actor, require_auth, writes
from api.db import session
from api.schemas.cases import (CaseDetailSchema, CaseListArgs, CasePageSchema, EventSchema, StartCaseSchema,
                               VerifySchema)
from engine import cases, events, inbox
from engine.caselist import CaseFilter, list_cases
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
@blp.response(200, CasePageSchema)
def list_(args):
    """Cases in my scope, newest first, filtered and paginated."""
    f = CaseFilter(procedure=args.get("procedure"), unit=args.get("unit"), state=args.get("state"),
                   party=args.get("party"), opened_from=args.get("opened_from"), opened_to=args.get("opened_to"),
                   colour=args.get("colour"))
    page = list_cases(session(), current_actor(), f, args["page"], args["per_page"])
    return present.page(page, page.items)


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
