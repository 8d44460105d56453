"""履职评估 page: figures per unit with ECharts, a heatmap on the procedure diagram, XLSX export."""
from __future__ import annotations

from datetime import date

from flask import Response, render_template, request
from sqlalchemy import select

from api.db import session as db
from api.web import present
from api.web.guard import actor, login_required
from api.web.supervise import bp, labels
from engine import clock, deploy
from engine.deadlines.calendar import local_date
from engine.entities.config import settings
from engine.errors import NotFound
from engine.models import ProcessVersion
from engine.performance import export, figures, heatmap, scope

MAX_DAYS = 3660


def _period() -> tuple[date, date, str | None]:
    today = local_date(clock.now())
    try:
        start = date.fromisoformat(request.args.get("from", ""))
        end = date.fromisoformat(request.args.get("to", ""))
    except ValueError:
        return today.replace(month=1, day=1), today, None
    if end < start or (end - start).days > MAX_DAYS or start.year < 2000 or end.year > 2100:
        return today.replace(month=1, day=1), today, "period"
    return start, end, None


def _scoped_report():
    """The period and units the request asks for (within the actor's scope) and the report over them."""
    start, end, bad = _period()
    units = scope.units_in_scope(db(), actor())
    chosen = [u for u in request.args.getlist("unit") if u in {x.id for x in units}]
    shown = [u for u in units if not chosen or u.id in chosen]
    return start, end, bad, units, chosen, shown, figures.report(db(), [u.id for u in shown], start, end)


def _processes() -> list[tuple[str, str]]:
    hidden = {settings().colour_process}
    keys = sorted({k for k in db().scalars(select(ProcessVersion.process_key)) if k not in hidden})
    return [(k, present.procedure_name(k)) for k in keys]


@bp.get("/performance", endpoint="performance")
@login_required
def performance_page():
    start, end, bad, units, chosen, shown, report = _scoped_report()
    names = {u.id: present.unit_name(u.id) for u in units}
    processes = _processes()
    process = request.args.get("process")
    process = process if process in dict(processes) else ("ordinary_procedure" if "ordinary_procedure" in
                                                           dict(processes) else (processes[0][0] if processes else None))
    heat = heatmap.heatmap(db(), process, [u.id for u in shown], start, end) if process else None
    chart = {"units": [names[r["unit"]] for r in report["units"]],
             "on_time": [None if r["clocks"]["on_time_rate"] is None else round(r["clocks"]["on_time_rate"] * 100, 1)
                         for r in report["units"]],
             "red": [r["clocks"]["red"] for r in report["units"]],
             "overdue_days": [r["clocks"]["overdue_days"] for r in report["units"]],
             "opened": [r["cases"]["opened_total"] for r in report["units"]],
             "closed": [r["cases"]["closed_total"] for r in report["units"]]}
    return render_template("supervise/performance.html", report=report, names=names, units=units, chosen=chosen,
                           start=start, end=end, bad=bad, chart=chart, heat=heat, process=process,
                           processes=processes, labels=labels, present=present, export=export)


@bp.get("/performance/diagram/<string:process>.bpmn", endpoint="performance_diagram")
@login_required
def diagram(process):
    if process == settings().colour_process:
        raise NotFound("no such procedure")
    return Response(deploy.latest(db(), process).bpmn_xml, mimetype="application/xml")


@bp.get("/performance/export.xlsx", endpoint="performance_export")
@login_required
def export_xlsx():
    start, end, _bad, _units, _chosen, shown, report = _scoped_report()
    data = export.workbook(report, {u.id: u.name for u in shown})
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="performance-{start}-{end}.xlsx"'})
