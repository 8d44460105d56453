"""履职评估: unit performance figures, the diagram heatmap, and the XLSX export."""
from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from api.auth import current_actor, require_auth
from api.db import session
from api.schemas.entities import HeatmapArgs, HeatmapSchema, PerformanceSchema, PeriodArgs
from engine.performance import export, figures, heatmap, scope

blp = Blueprint("performance", __name__, url_prefix="/api/v1/performance", description="Unit performance (履职评估)")
blp.before_request(require_auth)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _report(args) -> tuple[dict, dict]:
    units = scope.units_in_scope(session(), current_actor(), args.get("unit"))
    report = figures.report(session(), [u.id for u in units], args["period_from"], args["period_to"])
    return report, {u.id: u.name for u in units}


@blp.route("")
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, PerformanceSchema)
def get(args):
    """Figures per unit in my scope for the period ``from`` … ``to`` (Beijing dates, inclusive)."""
    return _report(args)[0]


@blp.route("/heatmap")
@blp.arguments(HeatmapArgs, location="query")
@blp.response(200, HeatmapSchema)
def heat(args):
    """Per BPMN element of ``process``: cases passing and average task duration, for the units."""
    units = scope.units_in_scope(session(), current_actor(), args.get("unit"))
    return heatmap.heatmap(session(), args["process"], [u.id for u in units], args["period_from"],
                           args["period_to"])


@blp.route("/export.xlsx")
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, {"format": "binary", "type": "string"}, content_type=XLSX)
def xlsx(args):
    """The same figures as an Excel workbook."""
    report, names = _report(args)
    name = f"performance-{args['period_from']}-{args['period_to']}.xlsx"
    return Response(export.workbook(report, names), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
