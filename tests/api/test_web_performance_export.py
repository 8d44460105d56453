"""The 履职评估 workbook from the web page: the units asked for, within the user's scope, and nothing else."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from engine.models import Unit
from tests.api.test_web_officer import web  # noqa: F401  (fixture)


def overview_units(response) -> list[str]:
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data))["履职评估"]
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]


def unit_name(sessions, unit_id) -> str:
    with sessions() as s:
        return s.scalar(select(Unit.name).where(Unit.id == unit_id))


def test_export_holds_the_chosen_units_within_scope(client, web, sessions):
    web("supervisor")
    q = "from=2026-01-01&to=2026-06-30"
    both = overview_units(client.get(f"/performance/export.xlsx?{q}&unit=chengnan&unit=chengbei"))
    assert sorted(both) == sorted([unit_name(sessions, "chengnan"), unit_name(sessions, "chengbei")])
    one = overview_units(client.get(f"/performance/export.xlsx?{q}&unit=chengnan"))
    assert one == [unit_name(sessions, "chengnan")]
    everything = overview_units(client.get(f"/performance/export.xlsx?{q}"))
    assert len(everything) > 2 and set(both) <= set(everything)


def test_a_unit_outside_scope_is_not_exported(client, web, sessions):
    web("cn_head")
    q = "from=2026-01-01&to=2026-06-30"
    asked = overview_units(client.get(f"/performance/export.xlsx?{q}&unit=chengbei"))
    assert unit_name(sessions, "chengbei") not in asked
    assert asked == overview_units(client.get(f"/performance/export.xlsx?{q}"))
