"""Per unit and period: deadlines kept, red lights, cases by procedure and outcome, step times, inspections.

Every figure is a query over ``clocks``, ``human_tasks``, ``cases``, ``case_events``, ``case_reviews`` and the
entity profiles, grouped by unit in one statement per figure (a county's report is a handful of queries).
Periods are Beijing dates, inclusive: [period_from 00:00, period_to + 1 day 00:00) local time.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, and_, case as when, cast, func, literal, or_, select, text, union
from sqlalchemy.orm import Session

from engine import clock
from engine.deadlines.calendar import local_date
from engine.deadlines.config import settings as deadline_settings
from engine.entities import complaints
from engine.entities.config import settings as supervision_settings
from engine.models import Case, CaseParty, CaseReview, Clock, EntityProfile, HumanTask
from engine.statuses import TaskState

REVERSALS = ("reversed", "modified", "confirmed_illegal", "void")  # 纠错: the decision did not stand as made


def bounds(period_from: date, period_to: date) -> tuple[datetime, datetime]:
    tz = deadline_settings().tz
    return (datetime.combine(period_from, time.min, tzinfo=tz),
            datetime.combine(period_to + timedelta(days=1), time.min, tzinfo=tz))


def seconds(session: Session, start, end):
    """SQL expression: seconds between two timestamp columns on either backend."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def clock_figures(session: Session, units: list[str], start: datetime, end: datetime, today: date) -> dict:
    out: dict = defaultdict(lambda: {"kinds": [], "red": 0, "overdue_days": 0, "closed": 0, "on_time": 0})
    closed = (select(Clock.unit_id, Clock.kind, Clock.label, func.count(),
                     func.sum(when((Clock.state == "met", 1), else_=0)))
              .where(Clock.unit_id.in_(units), Clock.state.in_(("met", "overdue")), Clock.closed_at >= start,
                     Clock.closed_at < end)
              .group_by(Clock.unit_id, Clock.kind, Clock.label).order_by(Clock.unit_id, Clock.kind, Clock.label))
    for unit, kind, label, total, met in session.execute(closed):
        met = int(met or 0)
        out[unit]["kinds"].append({"kind": kind, "label": label, "closed": total, "on_time": met,
                                   "late": total - met, "on_time_rate": round(met / total, 4)})
        out[unit]["closed"] += total
        out[unit]["on_time"] += met
    last_day = min(today, local_date(end) - timedelta(days=1))
    red_where = (Clock.unit_id.in_(units), Clock.due_at < end,
                 or_(and_(Clock.state == "overdue", Clock.closed_at >= start, Clock.closed_at < end),
                     and_(Clock.state.in_(("running", "paused")), Clock.due_at < clock.now())))
    if session.get_bind().dialect.name == "postgresql":
        # Red lights and overdue days (to the local day the clock closed, or to the period's last day) grouped
        # in SQL: one row per unit instead of one per late clock.
        local_closed = cast(func.timezone(deadline_settings().tz.key, Clock.closed_at), Date)
        until = when((Clock.closed_at.is_not(None), local_closed), else_=literal(last_day, Date))
        red = (select(Clock.unit_id, func.count(), func.coalesce(func.sum(func.greatest(0, until - Clock.due_on)), 0))
               .where(*red_where).group_by(Clock.unit_id))
        for unit, n, days in session.execute(red):
            out[unit]["red"] += n
            out[unit]["overdue_days"] += int(days)
    else:  # SQLite has no time zones: the local day of closing is taken in Python
        for unit, due_on, closed_at in session.execute(select(Clock.unit_id, Clock.due_on, Clock.closed_at)
                                                       .where(*red_where)):
            until = local_date(closed_at) if closed_at is not None else last_day
            out[unit]["red"] += 1
            out[unit]["overdue_days"] += max(0, (until - due_on).days)
    for unit in units:
        row = out[unit]
        row["on_time_rate"] = round(row["on_time"] / row["closed"], 4) if row["closed"] else None
    return out


def outcome_label(process_key: str, decision, simple, case_outcome) -> str:
    if process_key == "simple_procedure":
        return {"closed": "simple_penalty", "converted_to_ordinary": "converted"}.get(simple, "closed")
    if decision:
        return {"penalise": "penalised"}.get(decision, decision)
    return case_outcome or "closed"


def case_figures(session: Session, units: list[str], start: datetime, end: datetime) -> dict:
    out: dict = defaultdict(lambda: {"opened": {}, "closed": {}, "opened_total": 0, "closed_total": 0})
    opened = (select(Case.unit_id, Case.process_key, func.count())
              .where(Case.unit_id.in_(units), Case.opened_at >= start, Case.opened_at < end)
              .group_by(Case.unit_id, Case.process_key))
    for unit, key, n in session.execute(opened):
        out[unit]["opened"][key] = n
        out[unit]["opened_total"] += n
    decision, simple = Case.data["decision_outcome"].as_string(), Case.data["simple_outcome"].as_string()
    outcome = Case.data["case_outcome"].as_string()
    closed = (select(Case.unit_id, Case.process_key, decision, simple, outcome, func.count())
              .where(Case.unit_id.in_(units), Case.state == "completed", Case.closed_at >= start,
                     Case.closed_at < end)
              .group_by(Case.unit_id, Case.process_key, decision, simple, outcome))
    for unit, key, dec, sim, oc, n in session.execute(closed):
        label = outcome_label(key, dec, sim, oc)
        bucket = out[unit]["closed"].setdefault(key, {})
        bucket[label] = bucket.get(label, 0) + n
        out[unit]["closed_total"] += n
    return out


def step_figures(session: Session, units: list[str], start: datetime, end: datetime) -> dict:
    """Average and 90th percentile time per procedure step (created → completed), in hours."""
    secs = seconds(session, HumanTask.created_at, HumanTask.completed_at)
    where = (HumanTask.unit_id.in_(units), HumanTask.state == TaskState.COMPLETED,
             HumanTask.completed_at >= start, HumanTask.completed_at < end)
    keys = (HumanTask.unit_id, HumanTask.process_key, HumanTask.task_spec)
    out: dict = defaultdict(list)
    if session.get_bind().dialect.name == "postgresql":
        query = (select(*keys, func.min(HumanTask.title), func.count(), func.avg(secs),
                        func.percentile_cont(0.9).within_group(secs))
                 .where(*where).group_by(*keys).order_by(*keys))
        rows = session.execute(query).all()
    else:
        groups: dict = {}
        for unit, key, spec, title, s in session.execute(select(*keys, HumanTask.title, secs).where(*where)
                                                         .order_by(*keys, secs)):
            groups.setdefault((unit, key, spec), [title, []])[1].append(float(s))
        rows = []
        for (unit, key, spec), (title, values) in sorted(groups.items()):
            rank = 0.9 * (len(values) - 1)  # linear interpolation, as percentile_cont
            lo = int(rank)
            hi = min(lo + 1, len(values) - 1)
            p90 = values[lo] + (values[hi] - values[lo]) * (rank - lo)
            rows.append((unit, key, spec, title, len(values), sum(values) / len(values), p90))
    for unit, key, spec, title, n, avg, p90 in rows:
        out[unit].append({"process": key, "step": spec, "title": title, "count": n,
                          "avg_hours": round(float(avg) / 3600, 2), "p90_hours": round(float(p90) / 3600, 2)})
    return out


def inspection_figures(session: Session, units: list[str], start: datetime, end: datetime,
                       period_days: int, opened: dict | None = None) -> dict:
    """Joint-inspection share and on-site checks avoided for green entities.

    A unit takes part in a joint inspection it leads or in which it has a task: one grouped statement over the
    union of both (set-based, not a query per unit). ``opened`` (from ``case_figures``) gives the other cases
    each unit opened in the period; without it they are counted here.
    """
    cfg = supervision_settings()
    key = cfg.inspection_process
    out: dict = defaultdict(lambda: {"joint": 0, "all": 0})
    in_period = (Case.process_key == key, Case.opened_at >= start, Case.opened_at < end)
    led = select(Case.unit_id.label("unit_id"), Case.id.label("case_id")).where(*in_period, Case.unit_id.in_(units))
    helped = (select(HumanTask.unit_id.label("unit_id"), HumanTask.case_id.label("case_id"))
              .join(Case, Case.id == HumanTask.case_id).where(*in_period, HumanTask.unit_id.in_(units)))
    taking_part = union(led, helped).subquery()  # UNION: one row per unit and case
    joint = dict(session.execute(select(taking_part.c.unit_id, func.count()).group_by(taking_part.c.unit_id)).all())
    if opened is None:
        opened = case_figures(session, units, start, end)
    for unit in units:
        other = sum(n for k, n in opened[unit]["opened"].items() if k != key) if unit in opened else 0
        n = joint.get(unit, 0)
        out[unit].update(joint=n, all=n + other, joint_share=round(n / (n + other), 4) if n + other else None)
    visits = (select(EntityProfile.township_id, func.count(func.distinct(EntityProfile.party_id)),
                     func.count(Case.id))
              .outerjoin(CaseParty, CaseParty.party_id == EntityProfile.party_id)
              .outerjoin(Case, and_(Case.id == CaseParty.case_id, *in_period))
              .where(EntityProfile.township_id.in_(units), EntityProfile.colour == "green",
                     EntityProfile.merged_into_id.is_(None))
              .group_by(EntityProfile.township_id))
    for unit, green, actual in session.execute(visits):
        normal = green * period_days / cfg.intervals["yellow"]
        out[unit].update(green_entities=green, green_visits=actual, normal_visits=round(normal, 1),
                         checks_avoided=max(0, round(normal - actual, 1)))
    return out


def review_figures(session: Session, units: list[str], start_day: date, end_day: date) -> dict:
    out: dict = defaultdict(lambda: {"reviews": 0, "reversed": 0})
    rows = (select(Case.unit_id, CaseReview.result, func.count()).join(Case, Case.id == CaseReview.case_id)
            .where(Case.unit_id.in_(units), CaseReview.decided_on >= start_day, CaseReview.decided_on <= end_day)
            .group_by(Case.unit_id, CaseReview.result))
    for unit, result, n in session.execute(rows):
        out[unit]["reviews"] += n
        out[unit]["reversed"] += n if result in REVERSALS else 0
    for row in out.values():
        row["reversal_rate"] = round(row["reversed"] / row["reviews"], 4) if row["reviews"] else None
    return out


def report(session: Session, units: list[str], period_from: date, period_to: date) -> dict:
    """The 履职评估 figures of ``units`` over [period_from, period_to] (local dates, inclusive)."""
    start, end = bounds(period_from, period_to)
    today = local_date(clock.now())
    period_days = (period_to - period_from).days + 1
    if session.get_bind().dialect.name == "postgresql":
        # These are a few big scans and grouped sorts: compiling them (JIT, ~50–90 ms each) costs more than it
        # saves. For this transaction only.
        session.execute(text("SET LOCAL jit = off"))
    clocks_ = clock_figures(session, units, start, end, today)
    cases_ = case_figures(session, units, start, end)
    steps = step_figures(session, units, start, end)
    inspections = inspection_figures(session, units, start, end, period_days, cases_)
    reviews = review_figures(session, units, period_from, period_to)
    returned = complaints.returned(session, units, start, end)
    rows = []
    for unit in units:
        insp = dict(inspections[unit])
        insp.setdefault("green_entities", 0)
        insp.setdefault("green_visits", 0)
        insp.setdefault("normal_visits", 0.0)
        insp.setdefault("checks_avoided", 0.0)
        rows.append({"unit": unit, "clocks": clocks_[unit], "cases": cases_[unit], "steps": steps[unit],
                     "inspections": insp, "reviews": reviews[unit],
                     "leads_returned": returned.get(unit, 0)})
    return {"period_from": period_from, "period_to": period_to, "units": rows}
