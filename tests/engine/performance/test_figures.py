"""履职评估 figures of a seeded data set against values computed by hand.

Period 2026-01-01 … 2026-06-30 (181 days), unit 城南; "today" is 2026-07-10.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from engine import clock
from engine.db import transaction
from engine.performance import figures, heatmap
from tests.engine.performance.dataset import seed

PERIOD = (date(2026, 1, 1), date(2026, 6, 30))


def test_figures_match_hand_computed_values(sessions, deployed):
    clock.freeze(datetime(2026, 7, 10, 2, tzinfo=timezone.utc))
    with transaction(sessions) as session:
        seed(session)
    with sessions() as session:
        report = figures.report(session, ["chengnan", "chengbei"], *PERIOD)
    cn = report["units"][0]
    assert cn["unit"] == "chengnan"
    clocks = cn["clocks"]
    # 陈述申辩期限: 2 closed, 1 met → 50 %; 作出处罚决定: 1 closed, met → 100 %; together 2 of 3
    assert [(k["label"], k["closed"], k["on_time"], k["on_time_rate"]) for k in clocks["kinds"]] == [
        ("作出处罚决定", 1, 1, 1.0), ("陈述申辩期限", 2, 1, 0.5)]
    assert clocks["on_time_rate"] == round(2 / 3, 4)
    # red: the late clock (due 01-10, closed 01-14: 4 days) and the open one (due 01-25, counted to 06-30: 156)
    assert (clocks["red"], clocks["overdue_days"]) == (2, 4 + 156)
    cases = cn["cases"]
    assert cases["opened"] == {"ordinary_procedure": 2, "simple_procedure": 1, "joint_inspection": 1}
    assert cases["closed"] == {"ordinary_procedure": {"penalised": 1, "not_established": 1},
                               "simple_procedure": {"simple_penalty": 1}, "joint_inspection": {"closed": 1}}
    assert (cases["opened_total"], cases["closed_total"]) == (4, 4)
    steps = {s["step"]: s for s in cn["steps"]}
    # 立案审批表: 2 h, 10 h, 4 h → average 5.33 h; p90 = 4 + (10 - 4) × 0.8 = 8.8 h
    assert (steps["Task_FilingProposal"]["count"], steps["Task_FilingProposal"]["avg_hours"],
            steps["Task_FilingProposal"]["p90_hours"]) == (3, 5.33, 8.8)
    assert (steps["Task_FilingApproval"]["count"], steps["Task_FilingApproval"]["avg_hours"]) == (1, 1.0)
    insp = cn["inspections"]
    # joint inspections 1 of 4 cases opened; green entities 2, visited once; normal sampling 2 × 181 / 180
    assert (insp["joint"], insp["all"], insp["joint_share"]) == (1, 4, 0.25)
    assert (insp["green_entities"], insp["green_visits"], insp["normal_visits"], insp["checks_avoided"]) == (
        2, 1, 2.0, 1.0)
    assert cn["reviews"] == {"reviews": 2, "reversed": 1, "reversal_rate": 0.5}
    assert cn["leads_returned"] == 0  # no lead was returned by 城南

    cb = report["units"][1]
    assert cb["clocks"]["on_time_rate"] == 1.0 and cb["clocks"]["red"] == 0
    assert cb["cases"]["opened"] == {"ordinary_procedure": 1} and cb["reviews"]["reviews"] == 0
    assert [(s["step"], s["avg_hours"]) for s in cb["steps"]] == [("Task_FilingApproval", 5.0)]


def test_heatmap_counts_cases_and_durations_per_element(sessions, deployed):
    clock.freeze(datetime(2026, 7, 10, 2, tzinfo=timezone.utc))
    with transaction(sessions) as session:
        seed(session)
    with sessions() as session:
        heat = heatmap.heatmap(session, "ordinary_procedure", ["chengnan"], *PERIOD)
    rows = {r["element"]: r for r in heat["elements"]}
    assert heat["cases_started"] == 2
    assert (rows["Task_FilingProposal"]["tasks"], rows["Task_FilingProposal"]["avg_hours"]) == (3, 5.33)
    # the 城北 task on a 城南 case counts for the case's unit too (6 h average with the 1 h one: (1 + 5) / 2)
    assert (rows["Task_FilingApproval"]["tasks"], rows["Task_FilingApproval"]["avg_hours"]) == (2, 3.0)
