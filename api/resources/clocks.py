"""Deadline clocks (红黄绿灯): per case, pause/resume/extend, manual 催办/督办, supervision board, calendar."""
from __future__ import annotations

from datetime import date

from flask_smorest import Blueprint

from api.auth import current_actor, require_auth, writes
from api.db import session
from api.schemas.deadlines import (BoardArgs, CalendarArgs, CalendarChangedSchema, CalendarDaySchema,
                                   CalendarSetArgs, CalendarYearArgs, CalendarYearChangedSchema, CalendarYearSchema,
                                   ClockSchema, ExtendArgs, IssueArgs, IssuedSchema, PauseArgs,
                                   UnitSummarySchema)
from engine.deadlines import calendar, supervision
from engine.intake import clocks as lead_clocks

blp = Blueprint("clocks", __name__, url_prefix="/api/v1", description="Deadline clocks and supervision")
blp.before_request(require_auth)
ID = "<int(max=2147483647):clock_id>"


@blp.route("/cases/<int(max=2147483647):case_id>/clocks")
@blp.response(200, ClockSchema(many=True))
def case_clocks(case_id):
    """The case's clocks (case and task deadlines): limit, due date, remaining working days, colour."""
    return supervision.case_clocks(session(), current_actor(), case_id)


@blp.route(f"/clocks/{ID}")
@blp.response(200, ClockSchema)
def get(clock_id):
    """One clock."""
    return supervision.get_clock(session(), current_actor(), clock_id)


def _changed(clock_id) -> dict:
    session().flush()
    return supervision.get_clock(session(), current_actor(), clock_id)


@blp.route(f"/clocks/{ID}/pause", methods=["POST"])
@blp.arguments(PauseArgs)
@blp.response(200, ClockSchema)
@writes
def pause(body, clock_id):
    """Pause a running clock (中止, hearing, public notice, lab testing). Squad leader or head of its unit."""
    supervision.pause(session(), current_actor(), clock_id, body["reason"])
    return _changed(clock_id)


@blp.route(f"/clocks/{ID}/resume", methods=["POST"])
@blp.response(200, ClockSchema)
@writes
def resume(clock_id):
    """Resume a paused clock; the paused days are added to its due date."""
    supervision.resume(session(), current_actor(), clock_id)
    return _changed(clock_id)


@blp.route(f"/clocks/{ID}/extend", methods=["POST"])
@blp.arguments(ExtendArgs)
@blp.response(200, ClockSchema)
@writes
def extend(body, clock_id):
    """Extend by an approved number of days (agency head / deputy head of the unit)."""
    supervision.extend(session(), current_actor(), clock_id, body["days"], body["reason"], body.get("deliberation"))
    return _changed(clock_id)


@blp.route(f"/clocks/{ID}/urge", methods=["POST"])
@blp.arguments(IssueArgs)
@blp.response(200, IssuedSchema)
@writes
def urge(body, clock_id):
    """Issue a 催办单 by hand (supervisor over the unit, or the unit's head)."""
    return supervision.issue(session(), current_actor(), clock_id, "urge", body.get("note"), body.get("finish_by"))


@blp.route(f"/clocks/{ID}/supervise", methods=["POST"])
@blp.arguments(IssueArgs)
@blp.response(200, IssuedSchema)
@writes
def supervise(body, clock_id):
    """Issue a 督办单 by hand (supervisor of the 指导办 over the unit)."""
    return supervision.issue(session(), current_actor(), clock_id, "supervise", body.get("note"),
                             body.get("finish_by"))


@blp.route("/supervision/clocks")
@blp.arguments(BoardArgs, location="query")
@blp.response(200, ClockSchema(many=True))
def board(args):
    """Overdue (red) and soon-due (yellow) clocks in my scope, most urgent first; filter by unit. Leads being
    verified appear with ``kind`` = ``lead`` (their 核查 clock, SAMR Art. 18) next to case and task clocks."""
    return lead_clocks.board(session(), current_actor(), tuple(args["colour"]), args.get("unit"), args["limit"])


@blp.route("/supervision/summary")
@blp.response(200, UnitSummarySchema(many=True))
def summary():
    """Per unit in my scope: active clocks (case, task and lead 核查 clocks) by colour."""
    return lead_clocks.summary(session(), current_actor())


@blp.route("/calendar")
@blp.arguments(CalendarArgs, location="query")
@blp.response(200, CalendarDaySchema(many=True))
def calendar_days(args):
    """Administrator overrides of the working-day calendar (holidays, 调休 make-up days)."""
    return calendar.list_overrides(session(), args.get("year"))


@blp.route("/calendar/years")
@blp.response(200, CalendarYearSchema(many=True))
def calendar_years():
    """Years the calendar can count, and whether each is complete (package years always are)."""
    return calendar.list_years(session())


@blp.route("/calendar/years/<int(min=2000,max=2100):year>", methods=["PUT"])
@blp.arguments(CalendarYearArgs)
@blp.response(200, CalendarYearChangedSchema)
@writes
def mark_year(body, year):
    """Mark a year complete once its State Council holiday notice is entered (admin): clocks reaching into it
    are no longer estimated. Running clocks are recomputed."""
    n = supervision.mark_calendar_year(session(), current_actor(), year, body["complete"], body.get("note"))
    return {"year": year, "complete": body["complete"], "recomputed_clocks": n}


@blp.route("/calendar/<string:day>", methods=["PUT"])
@blp.arguments(CalendarSetArgs)
@blp.response(200, CalendarChangedSchema)
@writes
def set_day(body, day):
    """Declare a day a holiday or working day (admin); running clocks are recomputed."""
    parsed = _day(day)
    n = supervision.set_calendar_day(session(), current_actor(), parsed, body["workday"], body.get("note"))
    return {"day": parsed, "recomputed_clocks": n}


@blp.route("/calendar/<string:day>", methods=["DELETE"])
@blp.response(200, CalendarChangedSchema)
@writes
def remove_day(day):
    """Remove an override (admin); running clocks are recomputed."""
    parsed = _day(day)
    return {"day": parsed, "recomputed_clocks": supervision.remove_calendar_day(session(), current_actor(), parsed)}


def _day(text: str) -> date:
    from engine.errors import ValidationFailed
    from engine.dates import parse_day
    try:
        return parse_day(text)
    except ValueError as exc:
        raise ValidationFailed("invalid date", {"day": [str(exc)]}) from None
